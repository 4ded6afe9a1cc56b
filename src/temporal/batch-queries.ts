// Every visibility query about batch runs is written here, so that the CLI, the dashboard and the
// backfill agree on what "failed", "running" and "blocked" mean (docs/design.md §7, docs/contract.md §5).
//
// - failed: the run closed without completing — Failed, TimedOut, Terminated or Canceled. Any of
//   these leaves the batch's checkpoint unwritten, so each holds back its partition the same way
//   until it is replayed; an operator must see all of them.
// - running: ExecutionStatus Running (blocked runs included).
// - blocked: running with a BlockedBy attribute. The workflow removes the attribute (sets null)
//   when it goes on, so "has one" is `IS NOT NULL`; `!= ""` would also match runs without the
//   attribute on an Elasticsearch visibility store.
// - completed: ExecutionStatus Completed.
// Visibility lists every run of a workflow id, and a replay (reset) leaves the failed run behind:
// callers judge a batch by its current run (`currentRuns` in batch-runs.ts).
import { SA } from '../contract/search-attributes.ts';

export const BATCH_WORKFLOW_TYPE = 'processOrderBatch';

export type BatchState = 'failed' | 'running' | 'blocked' | 'completed';

/** How visibility queries name the statuses of a run that ended without completing. */
export const UNFINISHED_STATUSES = ['Failed', 'TimedOut', 'Terminated', 'Canceled'] as const;

/** The same statuses as the SDK's `WorkflowExecutionInfo.status.name` spells them. */
export const UNFINISHED_STATUS_NAMES: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED']);

export interface BatchQuery {
  /** Only this topic's batches (their ids start with `<topic>-`); all topics when left out. */
  topic?: string;
  /** Only runs on this task queue (the dashboard's health: this pipeline, not a test's or a benchmark's). */
  taskQueue?: string;
  state?: BatchState;
  /** Runs started at or after this instant. */
  since?: Date;
  partition?: number;
  /** Batches whose first record arrived on this date (YYYY-MM-DD). */
  batchDate?: string;
  /** Batches that end at this offset. */
  endOffset?: number;
}

/** The clause selecting runs in a state. */
export function stateClause(state: BatchState): string {
  switch (state) {
    case 'failed':
      return `(${UNFINISHED_STATUSES.map((s) => `ExecutionStatus = "${s}"`).join(' OR ')})`;
    case 'running':
      return 'ExecutionStatus = "Running"';
    case 'blocked':
      return `ExecutionStatus = "Running" AND ${SA.BlockedBy.name} IS NOT NULL`;
    case 'completed':
      return 'ExecutionStatus = "Completed"';
  }
}

/** The visibility query for batch runs; `Partition` is an SQL keyword, hence the back quotes. */
export function batchQuery(query: BatchQuery = {}): string {
  const clauses = [`WorkflowType = "${BATCH_WORKFLOW_TYPE}"`];
  if (query.topic !== undefined) clauses.push(`WorkflowId STARTS_WITH "${query.topic}-"`);
  if (query.taskQueue !== undefined) clauses.push(`TaskQueue = "${query.taskQueue}"`);
  if (query.state) clauses.push(stateClause(query.state));
  if (query.since) clauses.push(`StartTime >= "${query.since.toISOString()}"`);
  if (query.partition !== undefined) clauses.push(`\`${SA.Partition.name}\` = ${query.partition}`);
  if (query.batchDate !== undefined) clauses.push(`${SA.BatchDate.name} = "${query.batchDate}"`);
  if (query.endOffset !== undefined) clauses.push(`${SA.EndOffset.name} = ${query.endOffset}`);
  return clauses.join(' AND ');
}

/** The batch that ends right before `startOffset` in its partition: the one a waiting batch needs. */
export function predecessorQuery(topic: string, partition: number, startOffset: number): string {
  return batchQuery({ topic, partition, endOffset: startOffset - 1 });
}

/**
 * The partition's runs that did not complete (running or closed otherwise, and any other status
 * but Completed): state retention keeps what replaying them needs. The id prefix keeps other
 * topics' batches out; `Partition` is an SQL keyword, hence the back quotes.
 */
export function notCompletedInPartitionQuery(topic: string, partition: number): string {
  return `WorkflowType = "${BATCH_WORKFLOW_TYPE}" AND WorkflowId STARTS_WITH "${topic}-${partition}-" AND \`${SA.Partition.name}\` = ${partition} AND ExecutionStatus != "Completed"`;
}
