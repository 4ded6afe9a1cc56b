// Step 1 of a batch (docs/design.md §4 "Waiting for the predecessor"): wait until the partition's
// state before the batch exists. The predecessor's `checkpointReady` signal is the main path: it
// is sent only after the checkpoint is stored, and the sending is durable (a crashed worker's
// workflow task is retried, and the signal with it). Look-ups are the safety net for what sends
// no signal: a run that started after its predecessor signalled (the signal found no run), state
// written by something else (a backfill over a failed batch), and a predecessor that ended without
// writing it (failed, terminated), which the batch must name in BlockedBy.
import { condition, log, patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from '../contract/search-attributes.ts';
import type { BatchRef, CheckpointStatus } from '../contract/batch.ts';
import { localLookups, quick } from './batch-stages.ts';

/**
 * What the batch knows of its predecessor, shared with the `checkpointReady` signal handler that
 * the workflow registers before its first await: whether the signal came, and the state holder's
 * task queue (from the signal or a look-up).
 */
export interface PredecessorWait {
  predecessorDone: boolean;
  stateQueue?: string;
}

/**
 * Patch id: a batch that already knows its state before it exists skips the first checkpoint
 * look-up too — the partition's first batch (the bridge says so: it starts from empty state) and a
 * batch whose predecessor's signal arrived before it ran. Histories from before always looked once.
 */
const SKIP_KNOWN_CHECKPOINT_LOOKUP = 'skip-known-checkpoint-lookup';

/**
 * Patch id: the predecessor signals only after its checkpoint is written, so a signal is proof
 * enough and saves one activity and one workflow task on every batch's critical path (the
 * partition's batches run one after another). Histories from before keep re-checking.
 */
const TRUST_CHECKPOINT_SIGNAL = 'trust-checkpoint-signal';

/**
 * How long to wait for the signal before each safety look-up. The first is longer than a busy
 * predecessor usually needs, so a batch of a backlog that the signal wakes made one look-up only;
 * the cap bounds how late a batch notices state nobody signalled (a backfill) to a minute.
 */
const SAFETY_RECHECK_MS = [5_000, 10_000, 15_000, 30_000, 60_000];

/**
 * From this safety look-up on (15 s of waiting), the look-up also names the predecessor (a
 * visibility query) until it is found, and the batch shows it in BlockedBy.
 */
const NAME_BLOCKER_FROM_RECHECK = 1;

/** How long to sleep between checkpoint checks when no signal arrives, in histories from before the signal-first wait. */
const LEGACY_RECHECK_MS = [250, 500, 1000, 2000, 5000, 10_000, 30_000];

/**
 * Returns once the partition's state before the batch exists; `wait.stateQueue` then names its
 * holder, when known. `signalFirst`: the batch workflow's `signal-first` patch (one look-up, as a
 * local activity, then the signal with look-ups on a safety timer of seconds); without it, the
 * loop of histories from before (an activity on a timer from 250 ms up).
 */
export async function waitForPredecessorState(ref: BatchRef, firstBatch: boolean, wait: PredecessorWait, signalFirst: boolean): Promise<void> {
  // The bridge knows the partition's first batch; a signal that came before this run started is proof too.
  const known = firstBatch || wait.predecessorDone;
  if (signalFirst) {
    if (!known) await waitSignalFirst(ref, firstBatch, wait);
    return;
  }
  if (known && patched(SKIP_KNOWN_CHECKPOINT_LOOKUP)) return;
  await recheckOnTimer(ref, firstBatch, wait);
}

async function waitSignalFirst(ref: BatchRef, firstBatch: boolean, wait: PredecessorWait): Promise<void> {
  const blocker = new BlockerReport(ref.batchId);
  const lookUp = async (findBlocker: boolean): Promise<CheckpointStatus> => {
    const status = await localLookups.checkpointStatus({ ...ref, firstBatch, findBlocker });
    if (status.ready) wait.stateQueue = status.stateQueue ?? wait.stateQueue;
    return status;
  };
  let status = await lookUp(false);
  for (let recheck = 0; !status.ready; recheck++) {
    // The signal is proof: the predecessor sends it only after its checkpoint is stored.
    if (await condition(() => wait.predecessorDone, SAFETY_RECHECK_MS[Math.min(recheck, SAFETY_RECHECK_MS.length - 1)]!)) break;
    const findBlocker = !blocker.named && recheck >= NAME_BLOCKER_FROM_RECHECK;
    status = await lookUp(findBlocker);
    if (!status.ready && findBlocker) blocker.report(status.blockedBy);
  }
  blocker.clear();
}

/** The waiting loop as histories from before the signal-first wait ran it: an activity on every check. */
async function recheckOnTimer(ref: BatchRef, firstBatch: boolean, wait: PredecessorWait): Promise<void> {
  const blocker = new BlockerReport(ref.batchId);
  for (let attempt = 0; ; attempt++) {
    wait.predecessorDone = false;
    // Say who holds us back once we have waited a while (not on every short wait for a busy predecessor).
    const report = attempt === 4 || (attempt > 4 && attempt % 10 === 0);
    const status = await quick.checkpointStatus({ ...ref, firstBatch, findBlocker: report });
    if (status.ready) {
      wait.stateQueue = status.stateQueue ?? wait.stateQueue;
      break;
    }
    if (report) blocker.report(status.blockedBy);
    await condition(() => wait.predecessorDone, LEGACY_RECHECK_MS[Math.min(attempt, LEGACY_RECHECK_MS.length - 1)]!);
    if (wait.predecessorDone && patched(TRUST_CHECKPOINT_SIGNAL)) break;
  }
  blocker.clear();
}

/** The BlockedBy search attribute of a waiting batch: set once when the predecessor is named, cleared when the batch goes on. */
class BlockerReport {
  named = false;
  private readonly batchId: string;
  constructor(batchId: string) {
    this.batchId = batchId;
  }

  report(blockedBy: string | undefined): void {
    if (blockedBy && !this.named) {
      upsertSearchAttributes([{ key: SA.BlockedBy, value: blockedBy }]);
      setCurrentDetails(`**Blocked**: waiting for the state written by \`${blockedBy}\` (replay it if it failed)`);
      this.named = true;
    }
    log.info('batch waits for its predecessor', { batchId: this.batchId, blockedBy: blockedBy ?? 'unknown' });
  }

  clear(): void {
    if (this.named) upsertSearchAttributes([{ key: SA.BlockedBy, value: null }]);
  }
}
