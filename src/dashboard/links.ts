// Links from the dashboard to a batch's run in the Temporal Web UI: built in src/temporal/web-ui.ts.
export { workflowRunUrl as batchRunUrl } from '../temporal/web-ui.ts';
