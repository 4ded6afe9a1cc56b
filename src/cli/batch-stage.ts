// What a running batch is doing, for `orders batches list`: its counts come only when it is done,
// so without this a running batch showed empty columns and no reason. Read from the server alone
// (describe: the pending activity and its attempts; the run list: the predecessor), never from a
// worker, so it answers when no worker is up, which is exactly when batches wait.
import type { Client } from '@temporalio/client';
import type { BatchRun } from '../temporal/batch-runs.ts';

/** The activity a batch is in, as a reader of the list says it. */
const STAGE_NAMES: Record<string, string> = {
  checkpointStatus: 'checking the state before it',
  deriveBatch: 'deriving bronze, silver, gold and its checkpoint',
  ingestBatch: 'ingesting raw → bronze',
  enrichBatch: 'enriching bronze → silver',
  aggregateBatch: 'aggregating → gold',
  detectFraud: 'fraud rules',
  checkBatchQuality: 'quality checks',
  writeCheckpoint: 'writing its checkpoint',
  sendAlerts: 'sending alert mails',
};

/** Running batches described at most at once (one describe call each). */
const CONCURRENCY = 8;

/**
 * One short phrase per running run: "blocked by orders-3-1200", "waiting for orders-3-1200",
 * "enriching bronze → silver", "enriching bronze → silver (attempt 3: S3 not reachable)".
 */
export async function runningStages(client: Client, topic: string, runs: BatchRun[]): Promise<Map<string, string>> {
  const stages = new Map<string, string>();
  const running = runs.filter((run) => run.status === 'RUNNING');
  for (let i = 0; i < running.length; i += CONCURRENCY) {
    await Promise.all(
      running.slice(i, i + CONCURRENCY).map(async (run) => {
        stages.set(run.workflowId, await stageOf(client, topic, run, runs).catch(() => 'running (no details: Temporal did not answer)'));
      }),
    );
  }
  return stages;
}

async function stageOf(client: Client, topic: string, run: BatchRun, listed: BatchRun[]): Promise<string> {
  if (run.blockedBy) return `blocked by ${run.blockedBy}`;
  const description = await client.workflow.getHandle(run.workflowId, run.runId).describe();
  const pending = description.raw.pendingActivities ?? [];
  const activity = pending[0];
  const name = activity?.activityType?.name ?? undefined;
  if (name && name !== 'checkpointStatus') {
    const attempt = activity?.attempt ?? 1;
    const failure = activity?.lastFailure?.message;
    return `${STAGE_NAMES[name] ?? name}${attempt > 1 ? ` (attempt ${attempt}${failure ? `: ${failure}` : ''})` : ''}`;
  }
  // Checking for, or waiting between checks for, the state its predecessor writes.
  const predecessor = await predecessorOf(client, topic, run, listed);
  if (predecessor) return `waiting for ${predecessor}`;
  return name ? STAGE_NAMES[name]! : 'starting';
}

/** The batch of the same partition that ends right before this one starts, from the list or Temporal. */
async function predecessorOf(client: Client, topic: string, run: BatchRun, listed: BatchRun[]): Promise<string | undefined> {
  if (run.partition === undefined || run.startOffset === undefined || run.startOffset === 0) return undefined;
  const end = run.startOffset - 1;
  const known = listed.find((other) => other.partition === run.partition && other.endOffset === end);
  if (known) return known.workflowId;
  const query = `WorkflowType = "processOrderBatch" AND WorkflowId STARTS_WITH "${topic}-" AND \`Partition\` = ${run.partition} AND EndOffset = ${end}`;
  for await (const info of client.workflow.list({ query, pageSize: 1 })) return info.workflowId;
  return undefined;
}
