// Backfill (docs/design.md §7): re-derives silver and gold for a range of batch dates with the same stage
// code as the stream. A parent fans out one child per (date, partition); the dates of a partition
// run in order, because each batch starts from the checkpoint the batch before it wrote. The data
// parts go under new keys tagged by the parent's run (`….backfill-<tag>.parquet`), never over a file
// a Delta version names, and become the tables' files in one REPLACE commit per table at the end;
// the state deltas keep the stream's keys (docs/design.md §12, "Backfill"). Alerts are not sent
// again and invalid records are not copied to the DLQ again.
import {
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { deriveBatch, lakeKeysOf, quick, stages } from './batch-stages.ts';
import { commitToDelta, DELTA_COMMIT_PATCH } from './delta-committer.ts';
import { backfillManifestPrefix, type BackfillManifest } from '../contract/delta-commit.ts';
import {
  BACKFILL_BATCH_DONE_SIGNAL,
  BACKFILL_PROGRESS_QUERY,
  backfillRewriteTag,
  batchWorkflowId,
  type BackfillDayInput,
  type BackfillInput,
  type BackfillProgress,
  type BackfillUnit,
} from '../contract/batch.ts';

export const backfillProgress = defineQuery<BackfillProgress>(BACKFILL_PROGRESS_QUERY);
export const backfillBatchDone = defineSignal<[{ orders: number }]>(BACKFILL_BATCH_DONE_SIGNAL);

/**
 * Patch id: the backfill writes the parts it re-derives under keys tagged by its run instead of over
 * the stream's keys (a Delta version's files never change). Histories from before overwrote in place.
 */
export const BACKFILL_NEW_KEYS_PATCH = 'backfill-new-keys';

export async function backfillOrders(input: BackfillInput): Promise<BackfillProgress> {
  const progress: BackfillProgress = { unitsTotal: 0, unitsDone: 0, batchesTotal: 0, batchesDone: 0, orders: 0, running: [], failed: [] };
  setHandler(backfillProgress, () => progress);
  setHandler(backfillBatchDone, ({ orders }) => {
    progress.batchesDone = Math.min(progress.batchesTotal, progress.batchesDone + 1);
    progress.orders += orders;
  });

  const units = await quick.planBackfill(input);
  progress.unitsTotal = units.length;
  progress.batchesTotal = units.reduce((sum, unit) => sum + unit.batches, 0);

  // One chain per partition, dates in order; `concurrency` chains at a time.
  const chains = new Map<number, BackfillUnit[]>();
  for (const unit of units) chains.set(unit.partition, [...(chains.get(unit.partition) ?? []), unit]);
  const queue = [...chains.values()];
  const parentId = workflowInfo().workflowId;
  // From the run, not the workflow id alone: the same backfill run again writes new keys, not over the first run's committed ones.
  const rewrite = patched(BACKFILL_NEW_KEYS_PATCH) ? backfillRewriteTag(parentId, workflowInfo().runId) : undefined;
  const lane = async (): Promise<void> => {
    for (let chain = queue.shift(); chain; chain = queue.shift()) {
      for (const unit of chain) {
        const childId = `${parentId}-${unit.date}-p${unit.partition}`;
        progress.running.push(childId);
        try {
          await executeChild(backfillPartitionDay, {
            workflowId: childId,
            args: [{ topic: input.topic, date: unit.date, partition: unit.partition, source: input.source, parentId, ...(rewrite ? { rewrite } : {}) }],
          });
        } catch (error) {
          // Later dates of this partition would start from state this one did not write: stop the chain.
          progress.failed.push({ unit: childId, error: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error) });
          break;
        } finally {
          progress.running = progress.running.filter((id) => id !== childId);
          progress.unitsDone++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.concurrency) }, lane));

  // What the children re-derived replaces the tables' files of those batches in one commit per
  // table (docs/design.md §12), also when some units failed: their derived batches are written.
  if (patched(DELTA_COMMIT_PATCH) && progress.batchesDone > 0) {
    await commitToDelta(input.topic, { requester: parentId, partition: 0, startOffset: 0, endOffset: -1, keys: [], replace: { manifestPrefix: backfillManifestPrefix(parentId) } });
  }

  if (progress.failed.length > 0) {
    throw ApplicationFailure.nonRetryable(`${progress.failed.length} of ${units.length} units failed: ${progress.failed.map((f) => `${f.unit}: ${f.error}`).join('; ')}`, 'BackfillFailed');
  }
  return progress;
}

/** The batches of one partition on one date, in offset order, in chunks (continue-as-new between them). */
export async function backfillPartitionDay(input: BackfillDayInput): Promise<{ batches: number; orders: number }> {
  const done = { ...(input.done ?? { batches: 0, orders: 0 }) };
  const { batches, more } = await quick.listBackfillBatches(input);
  if (input.source === 'kafka') await stages.refetchRawBatches({ topic: input.topic, partition: input.partition, batches });
  const parent = getExternalWorkflowHandle(input.parentId);
  // One worker derives the whole chunk, so its batches walk one state store forward.
  let stateQueue: string | undefined;
  const manifest: BackfillManifest = { batches: [] };

  for (const batch of batches) {
    const ref = {
      topic: input.topic,
      partition: input.partition,
      startOffset: batch.startOffset,
      endOffset: batch.endOffset,
      batchId: batchWorkflowId(input.topic, input.partition, batch.startOffset),
      firstBatch: batch.firstBatch,
      ...(input.rewrite ? { rewrite: input.rewrite } : {}),
    };
    const status = await quick.checkpointStatus({ ...ref, firstBatch: batch.firstBatch });
    if (!status.ready) {
      throw ApplicationFailure.nonRetryable(
        `no state before ${ref.batchId}: the batch before it (${status.blockedBy ?? 'unknown'}) never completed; replay it or backfill its date first`,
        'BackfillGap',
      );
    }
    const derived = await deriveBatch(ref, batch.rawKey, input.date, { copyToDlq: false, stateQueue });
    stateQueue = derived.checkpoint?.stateQueue;
    manifest.batches.push({ partition: ref.partition, startOffset: ref.startOffset, endOffset: ref.endOffset, keys: lakeKeysOf(derived) });
    done.batches++;
    done.orders += derived.enrich.orderCount;
    await parent.signal(backfillBatchDone, { orders: derived.enrich.orderCount });
  }

  // The parent commits every child's batches at once; until then the keys wait in the lake.
  if (manifest.batches.length > 0 && patched(DELTA_COMMIT_PATCH)) {
    await quick.recordBackfillManifest({ backfillId: input.parentId, date: input.date, partition: input.partition, manifest });
  }
  if (more) await continueAsNew<typeof backfillPartitionDay>({ ...input, afterOffset: batches.at(-1)!.endOffset, done });
  return done;
}
