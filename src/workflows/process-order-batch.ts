// One workflow per batch (docs/design.md §2). Deterministic: all I/O is in activities, and every
// activity writes under keys derived from the batch, so retries and re-runs are harmless.
import {
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  log,
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
import { deriveBatch, lakeKeysOf, quick, stages } from './batch-stages.ts';
import { snapshotPartitionState } from './snapshot-partition-state.ts';
import { commitToDelta, DELTA_COMMIT_PATCH } from './delta-committer.ts';
import { sendBatchAlerts } from './batch-alerts.ts';
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
 * Patch id: the predecessor signals only after its checkpoint is written, so a signal is proof
 * enough and saves one activity and one workflow task on every batch's critical path (the
 * partition's batches run one after another). Histories from before keep re-checking.
 */
const TRUST_CHECKPOINT_SIGNAL = 'trust-checkpoint-signal';

/**
 * Patch id: a batch that already knows its state before it exists skips the first checkpoint
 * look-up too — the partition's first batch (the bridge says so: it starts from empty state) and a
 * batch whose predecessor's signal arrived before it ran. Histories from before always looked once.
 */
const SKIP_KNOWN_CHECKPOINT_LOOKUP = 'skip-known-checkpoint-lookup';

/**
 * Patch id: the batch's alerts go to a workflow of their own (`alerts-<batchId>`, started and left
 * running) instead of an activity the batch waits for, so SMTP is off the batch's critical path
 * (docs/design.md §2). Histories from before sent the mails in the batch.
 */
const ALERTS_OFF_PATH_PATCH = 'alerts-off-path';

/** How long to sleep between checkpoint checks when no signal arrives (a safety net). */
const RECHECK_MS = [250, 500, 1000, 2000, 5000, 10_000, 30_000];

export async function processOrderBatch(input: BatchInput): Promise<BatchResult> {
  const batchId = batchWorkflowId(input.topic, input.partition, input.startOffset);
  const ref: BatchRef = { topic: input.topic, partition: input.partition, startOffset: input.startOffset, endOffset: input.endOffset, batchId, firstBatch: input.firstBatch };
  let predecessorDone = false;
  // The worker that holds the partition's state: the predecessor says so in its signal, or the checkpoint look-up finds its hint.
  let stateQueue: string | undefined;
  setHandler(checkpointReady, (info?: CheckpointReadyInfo) => {
    predecessorDone = true;
    stateQueue = info?.stateQueue ?? stateQueue;
  });

  // 1. Wait for the partition's state before this batch (docs/design.md §4).
  let blocked = false;
  // The bridge knows the partition's first batch; a signal that came before this run started is proof too (TRUST_CHECKPOINT_SIGNAL).
  const stateKnown = (input.firstBatch || predecessorDone) && patched(SKIP_KNOWN_CHECKPOINT_LOOKUP);
  for (let attempt = 0; !stateKnown; attempt++) {
    predecessorDone = false;
    // Say who holds us back once we have waited a while (not on every short wait for a busy predecessor).
    const report = attempt === 4 || (attempt > 4 && attempt % 10 === 0);
    const status = await quick.checkpointStatus({ ...ref, firstBatch: input.firstBatch, findBlocker: report });
    if (status.ready) {
      stateQueue = status.stateQueue ?? stateQueue;
      break;
    }
    if (report) {
      if (status.blockedBy && !blocked) {
        upsertSearchAttributes([{ key: SA.BlockedBy, value: status.blockedBy }]);
        setCurrentDetails(`**Blocked**: waiting for the state written by \`${status.blockedBy}\` (replay it if it failed)`);
        blocked = true;
      }
      log.info('batch waits for its predecessor', { batchId, blockedBy: status.blockedBy ?? 'unknown' });
    }
    await condition(() => predecessorDone, RECHECK_MS[Math.min(attempt, RECHECK_MS.length - 1)]!);
    if (predecessorDone && patched(TRUST_CHECKPOINT_SIGNAL)) break;
  }
  if (blocked) upsertSearchAttributes([{ key: SA.BlockedBy, value: null }]);
  // The Web UI shows these details on the run's page ("current details"): where the batch is now.
  setCurrentDetails('Deriving bronze, silver and gold');

  // 2–5. raw → bronze → silver → gold, fraud, quality → the checkpoint after this batch.
  const derived = await deriveBatch(ref, input.rawKey, input.batchDate, { copyToDlq: true, stateQueue });
  const { ingest, enrich, fraud, quality } = derived;
  upsertSearchAttributes([
    { key: SA.OrderCount, value: enrich.orderCount },
    { key: SA.FraudCount, value: fraud.alertIds.length },
    { key: SA.DqIssueCount, value: quality.breachedChecks.length },
  ]);

  // The next batch may start as soon as the state after this one exists.
  await wakeSuccessor(batchWorkflowId(input.topic, input.partition, input.endOffset + 1), { stateQueue: derived.checkpoint?.stateQueue });
  // Every so many deltas, a snapshot of the partition's state, in its own workflow: off this path.
  if (derived.checkpoint?.snapshotDue) await startStateSnapshot(input.topic, input.partition, input.endOffset + 1);

  const lakeKeys = lakeKeysOf(derived);
  // The batch's files become visible in one Delta commit per table (docs/design.md §12): after the
  // successor is woken (off the partition's critical path), before the alerts (a mail names data readers can see).
  if (patched(DELTA_COMMIT_PATCH)) {
    setCurrentDetails('Committing to the Delta tables');
    await commitToDelta(input.topic, { requester: batchId, partition: input.partition, startOffset: input.startOffset, endOffset: input.endOffset, keys: lakeKeys });
  }

  // 6. Alerts last: a mail is the one effect that cannot be taken back. Quality breaches are only
  // handed to the topic's quality-alerts workflow there (it mails once per episode).
  const hasAlerts = fraud.alertIds.length + quality.breachedChecks.length > 0;
  const alertInput: AlertInput = { ...ref, fraudKeys: fraud.keys, dqKeys: quality.keys, silverKeys: enrich.silverKeys, kafkaTs: quality.kafkaTs };
  let alertsSent: number | undefined;
  let alertsWorkflowId: string | undefined;
  if (hasAlerts && patched(ALERTS_OFF_PATH_PATCH)) {
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
