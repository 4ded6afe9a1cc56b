// One workflow per batch (docs/design.md §2). Deterministic: all I/O is in activities, and every
// activity writes under keys derived from the batch, so retries and re-runs are harmless.
import {
  defineSignal,
  getExternalWorkflowHandle,
  setCurrentDetails,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { SA } from '../contract/search-attributes.ts';
import { deriveBatch, deriveInOneActivity, lakeKeysOf, stages } from './batch-stages.ts';
import { snapshotPartitionState } from './snapshot-partition-state.ts';
import { commitToDelta, DELTA_COMMIT_PATCH } from './delta-committer.ts';
import { sendBatchAlerts } from './batch-alerts.ts';
import { waitForPredecessorState, type PredecessorWait } from './predecessor-wait.ts';
import {
  batchAlertsWorkflowId,
  batchWorkflowId,
  CHECKPOINT_READY_SIGNAL,
  stateSnapshotWorkflowId,
  type AlertInput,
  type BatchInput,
  type BatchRef,
  type BatchResult,
  type CheckpointReadyInfo,
} from '../contract/batch.ts';

export const checkpointReady = defineSignal<[CheckpointReadyInfo?]>(CHECKPOINT_READY_SIGNAL);

/**
 * Patch id: the batch's alerts go to a workflow of their own (`alerts-<batchId>`, started and left
 * running) instead of an activity the batch waits for, so SMTP is off the batch's critical path
 * (docs/design.md §2). Histories from before sent the mails in the batch.
 */
const ALERTS_OFF_PATH_PATCH = 'alerts-off-path';

/**
 * Patch id, checked once at the start of every run: the batch waits on its predecessor's signal
 * (src/workflows/predecessor-wait.ts: one local look-up, then a safety timer of seconds), and its
 * own wake-up for the successor and its Delta commit request leave in the same workflow task, so
 * their two signal round trips overlap. A run with this marker was recorded by code in which
 * every older patch of this workflow holds (state-affinity, one-derive-activity,
 * skip-known-checkpoint-lookup, delta-commit, alerts-off-path), so it does not ask for them: each
 * `patched()` call costs a marker event and an upsert of the TemporalChangeVersion search
 * attribute (a visibility write) per batch. Histories from before take the paths their patches chose.
 */
const SIGNAL_FIRST_PATCH = 'signal-first';

export async function processOrderBatch(input: BatchInput): Promise<BatchResult> {
  const batchId = batchWorkflowId(input.topic, input.partition, input.startOffset);
  const ref: BatchRef = { topic: input.topic, partition: input.partition, startOffset: input.startOffset, endOffset: input.endOffset, batchId, firstBatch: input.firstBatch };
  const wait: PredecessorWait = { predecessorDone: false };
  // The worker that holds the partition's state: the predecessor says so in its signal, or the checkpoint look-up finds its hint.
  setHandler(checkpointReady, (info?: CheckpointReadyInfo) => {
    wait.predecessorDone = true;
    wait.stateQueue = info?.stateQueue ?? wait.stateQueue;
  });

  const signalFirst = patched(SIGNAL_FIRST_PATCH);

  // 1. Wait for the partition's state before this batch (docs/design.md §4).
  await waitForPredecessorState(ref, input.firstBatch, wait, signalFirst);
  // The Web UI shows these details on the run's page ("current details"): where the batch is now.
  setCurrentDetails('Deriving bronze, silver and gold');

  // 2–5. raw → bronze → silver → gold, fraud, quality → the checkpoint after this batch.
  const derived = signalFirst
    ? await deriveInOneActivity({ ...ref, rawKey: input.rawKey, batchDate: input.batchDate, copyToDlq: true }, wait.stateQueue)
    : await deriveBatch(ref, input.rawKey, input.batchDate, { copyToDlq: true, stateQueue: wait.stateQueue });
  const { ingest, enrich, fraud, quality } = derived;
  upsertSearchAttributes([
    { key: SA.OrderCount, value: enrich.orderCount },
    { key: SA.FraudCount, value: fraud.alertIds.length },
    { key: SA.DqIssueCount, value: quality.breachedChecks.length },
  ]);

  // The next batch may start as soon as the state after this one exists.
  const woken = wakeSuccessor(batchWorkflowId(input.topic, input.partition, input.endOffset + 1), { stateQueue: derived.checkpoint?.stateQueue });
  if (!signalFirst) await woken;
  // Every so many deltas, a snapshot of the partition's state, in its own workflow: off this path.
  if (derived.checkpoint?.snapshotDue) await startStateSnapshot(input.topic, input.partition, input.endOffset + 1);

  const lakeKeys = lakeKeysOf(derived);
  // The batch's files become visible in one Delta commit per table (docs/design.md §12): once the
  // successor's wake-up is sent (off the partition's critical path), before the alerts (a mail names data readers can see).
  if (signalFirst || patched(DELTA_COMMIT_PATCH)) {
    setCurrentDetails('Committing to the Delta tables');
    await commitToDelta(input.topic, { requester: batchId, partition: input.partition, startOffset: input.startOffset, endOffset: input.endOffset, keys: lakeKeys });
  }
  await woken;

  // 6. Alerts last: a mail is the one effect that cannot be taken back. Quality breaches are only
  // handed to the topic's quality-alerts workflow there (it mails once per episode).
  const hasAlerts = fraud.alertIds.length + quality.breachedChecks.length > 0;
  const alertInput: AlertInput = { ...ref, fraudKeys: fraud.keys, dqKeys: quality.keys, silverKeys: enrich.silverKeys, kafkaTs: quality.kafkaTs };
  let alertsSent: number | undefined;
  let alertsWorkflowId: string | undefined;
  if (hasAlerts && (signalFirst || patched(ALERTS_OFF_PATH_PATCH))) {
    alertsWorkflowId = await startBatchAlerts(alertInput);
  } else if (hasAlerts) {
    alertsSent = (await stages.sendAlerts(alertInput)).sent;
  } else {
    alertsSent = 0;
  }

  upsertMemo({ lakeKeys });
  const alertsDone = alertsWorkflowId ? `alerts handed to ${alertsWorkflowId}` : `${alertsSent ?? 0} mails sent`;
  setCurrentDetails(
    `Done: ${enrich.orderCount} orders to silver, ${ingest.invalidCount} quarantined, ${ingest.duplicateCount} duplicates dropped, ` +
      `${fraud.alertIds.length} fraud alerts, ${quality.breachedChecks.length} quality breaches, ${alertsDone}`,
  );
  return {
    batchId,
    orderCount: enrich.orderCount,
    invalidCount: ingest.invalidCount,
    duplicateCount: ingest.duplicateCount,
    fraudCount: fraud.alertIds.length,
    dqIssueCount: quality.breachedChecks.length,
    ...(alertsWorkflowId ? { alertsWorkflowId } : { alertsSent }),
    lakeKeys,
  };
}

/**
 * Starts the batch's alert workflow and leaves it running when this batch ends (src/workflows/batch-alerts.ts
 * says why one per batch); returns its id.
 */
async function startBatchAlerts(input: AlertInput): Promise<string> {
  const workflowId = batchAlertsWorkflowId(input.batchId);
  try {
    await startChild(sendBatchAlerts, { workflowId, args: [input], parentClosePolicy: ParentClosePolicy.ABANDON });
  } catch (error) {
    // A re-run batch finds its alerts already being sent: that run will do.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return workflowId;
}

/** Starts the snapshot of the partition's state before `offset`, and leaves it running when this batch ends. */
async function startStateSnapshot(topic: string, partition: number, offset: number): Promise<void> {
  try {
    await startChild(snapshotPartitionState, {
      workflowId: stateSnapshotWorkflowId(topic, partition, offset),
      args: [{ topic, partition, offset }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    // A re-run batch finds its snapshot already started: that one will do.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Tells the batch that starts right after this one that its checkpoint exists (and who holds the state), if it is running. */
async function wakeSuccessor(successorId: string, info: CheckpointReadyInfo): Promise<void> {
  try {
    await getExternalWorkflowHandle(successorId).signal(checkpointReady, info);
  } catch {
    // Not started yet (it will find the checkpoint on its own) or already finished: nothing to do.
  }
}
