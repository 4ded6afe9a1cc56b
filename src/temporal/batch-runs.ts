// Batch runs as Temporal records them: the queries behind `orders batches`, `orders replay` and
// the failed-batch drill. Visibility queries find runs; describe, result and history give details.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Config } from '../config.ts';
import type { BatchResult } from '../contract/batch.ts';
import { batchQuery, UNFINISHED_STATUS_NAMES, type BatchState } from './batch-queries.ts';
import { SA } from '../contract/search-attributes.ts';
import { workflowRunUrl } from '../contract/web-ui.ts';

export type { BatchState } from './batch-queries.ts';

export interface BatchFilter {
  state?: Exclude<BatchState, 'completed'>;
  /** Runs started at or after this instant. */
  since?: Date;
  partition?: number;
}

export interface BatchRun {
  workflowId: string;
  runId: string;
  status: string;
  partition?: number;
  startOffset?: number;
  endOffset?: number;
  batchDate?: string;
  orderCount?: number;
  fraudCount?: number;
  dqIssueCount?: number;
  blockedBy?: string;
  startTime: string;
  closeTime?: string;
  url: string;
}

/** The visibility query for a topic's batch runs (written in batch-queries.ts). */
export function batchListQuery(topic: string, filter: BatchFilter = {}): string {
  return batchQuery({ topic, ...filter });
}

export class BatchRuns {
  constructor(
    private readonly client: Client,
    private readonly config: Pick<Config, 'KAFKA_TOPIC' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_UI_URL'>,
  ) {}

  async list(filter: BatchFilter = {}, limit = Infinity): Promise<BatchRun[]> {
    const infos: WorkflowExecutionInfo[] = [];
    for await (const info of this.client.workflow.list({ query: batchListQuery(this.config.KAFKA_TOPIC, filter) })) {
      infos.push(info);
      if (infos.length >= limit) break;
    }
    const runs = (await currentRuns(this.client, infos)).map((info) => this.summarize(info));
    return runs.sort((a, b) => (a.partition ?? 0) - (b.partition ?? 0) || (a.startOffset ?? 0) - (b.startOffset ?? 0));
  }

  /** A run with its result (completed), its failure (failed) and the lake keys of its memo. */
  async show(workflowId: string): Promise<BatchRun & { summary?: string; lakeKeys: string[]; rawKey?: string; recordCount?: number; result?: BatchResult; failure?: string }> {
    const handle = this.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const memo = (description.memo ?? {}) as { lakeKeys?: string[]; rawKey?: string; recordCount?: number };
    const summary = await description.staticSummary();
    const detail = { ...this.summarize(description), summary, lakeKeys: memo.lakeKeys ?? [], rawKey: memo.rawKey, recordCount: memo.recordCount };
    if (description.status.name === 'COMPLETED') return { ...detail, result: (await handle.result()) as BatchResult };
    if (description.status.name === 'RUNNING') return detail;
    return { ...detail, failure: await handle.result().then(() => undefined, (error: unknown) => failureMessage(error)) };
  }

  /**
   * Runs a batch that did not complete again from its first step, as a new run of the same
   * workflow id (a Temporal reset), so it re-reads its raw object and rewrites the same keys.
   * A running or completed batch is left alone: replaying twice is harmless.
   */
  async replay(workflowId: string): Promise<{ replayed: boolean; status: string; runId: string }> {
    const handle = this.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    if (description.status.name === 'RUNNING' || description.status.name === 'COMPLETED') {
      return { replayed: false, status: description.status.name, runId: description.runId };
    }
    const history = await handle.fetchHistory();
    const firstTask = history.events?.find((e) => e.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    if (!firstTask?.eventId) throw new Error(`${workflowId} has no completed workflow task to reset to`);
    const response = await this.client.workflowService.resetWorkflowExecution({
      namespace: this.config.TEMPORAL_NAMESPACE,
      workflowExecution: { workflowId, runId: description.runId },
      workflowTaskFinishEventId: firstTask.eventId,
      reason: 'orders replay',
      requestId: randomUUID(),
    });
    return { replayed: true, status: 'RUNNING', runId: response.runId ?? '' };
  }

  /** Running batches of the same partition after `endOffset`: they wait for the state a failed batch did not write. */
  async waitingAfter(partition: number, endOffset: number): Promise<BatchRun[]> {
    return (await this.list({ state: 'running', partition })).filter((run) => (run.startOffset ?? -1) > endOffset);
  }

  private summarize(info: Omit<WorkflowExecutionInfo, 'raw'>): BatchRun {
    const attributes = info.typedSearchAttributes;
    const count = (value: number | undefined): number | undefined => (value === undefined ? undefined : Math.round(value));
    return {
      workflowId: info.workflowId,
      runId: info.runId,
      status: info.status.name,
      partition: attributes.get(SA.Partition),
      startOffset: attributes.get(SA.StartOffset),
      endOffset: attributes.get(SA.EndOffset),
      batchDate: attributes.get(SA.BatchDate),
      orderCount: count(attributes.get(SA.OrderCount)),
      fraudCount: count(attributes.get(SA.FraudCount)),
      dqIssueCount: count(attributes.get(SA.DqIssueCount)),
      blockedBy: attributes.get(SA.BlockedBy) || undefined,
      startTime: info.startTime.toISOString(),
      closeTime: info.closeTime?.toISOString(),
      url: workflowRunUrl(this.config.TEMPORAL_UI_URL, this.config.TEMPORAL_NAMESPACE, info.workflowId),
    };
  }
}

/**
 * Drops runs that a replay has superseded. Visibility lists every run of a workflow id, and a reset
 * leaves the failed run behind as it was, so `--failed` would go on listing a replayed batch. Only
 * ids listed more than once, or closed in failure, are asked for their current run.
 */
export async function currentRuns<T extends Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status'>>(client: Client, infos: T[]): Promise<T[]> {
  const seen = new Map<string, number>();
  for (const info of infos) seen.set(info.workflowId, (seen.get(info.workflowId) ?? 0) + 1);
  const current = new Map<string, string>();
  const toCheck = [...new Set(infos.filter((i) => (seen.get(i.workflowId) ?? 0) > 1 || UNFINISHED_STATUS_NAMES.has(i.status.name)).map((i) => i.workflowId))];
  await Promise.all(toCheck.map(async (id) => current.set(id, (await client.workflow.getHandle(id).describe()).runId)));
  return infos.filter((info) => !current.has(info.workflowId) || current.get(info.workflowId) === info.runId);
}

/** The innermost message of a failed run: the activity's own error, not "Workflow execution failed". */
function failureMessage(error: unknown): string {
  let current: unknown = error instanceof WorkflowFailedError ? error.cause : error;
  let message = current instanceof Error ? current.message : String(current);
  while (current instanceof Error && current.cause) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}
