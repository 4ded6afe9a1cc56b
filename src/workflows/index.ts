// The worker's workflowsPath: every workflow the worker serves.
export { processOrderBatch } from './process-order-batch.ts';
export { backfillOrders, backfillPartitionDay } from './backfill.ts';
export { snapshotPartitionState } from './snapshot-partition-state.ts';
export { alertDigest } from './alert-digest.ts';
export { qualityAlerts } from './quality-alerts.ts';
export { deltaCommitter } from './delta-committer.ts';
export { lakeMaintenance } from './lake-maintenance.ts';
export { sendBatchAlerts } from './batch-alerts.ts';
