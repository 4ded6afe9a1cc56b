// Links into the Temporal Web UI, for the CLI, the dashboard and alert e-mails (docs/contract.md §5).

/** A workflow's page: `<ui>/namespaces/<namespace>/workflows/<id>`. Without a run id the UI shows the latest run, so a link to a replayed batch shows the replay. */
export function workflowRunUrl(temporalUiUrl: string, namespace: string, workflowId: string): string {
  return `${temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
