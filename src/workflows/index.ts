// The worker's workflowsPath: every workflow the worker serves.
export { processOrderBatch } from './process-order-batch.ts';
