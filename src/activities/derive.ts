// One batch derived in one activity attempt (docs/design.md §2): raw → bronze → silver → gold,
// fraud, quality → the partition's next checkpoint, each stage handing its rows to the next in
// memory instead of the next activity reading them back from the lake. The stages are the same
// functions the per-stage activities run (histories from before replay through those), so both
// write the same bytes under the same keys.
//
// A retry after a crash at any point runs the whole batch again: every write lands on a key
// derived from the batch with the same bytes, the DLQ copy may repeat (its consumers dedupe by
// `<partition>-<offset>`, ingest.ts), and the state delta is still written last, so a batch whose
// attempt died before it never counts as done.
//
// Memory: a derivation holds its batch's rows of every stage until it ends, so the worker derives
// at most WORKER_MAX_CONCURRENT_DERIVATIONS batches at once (the others wait in `limit`, in arrival
// order), and the bronze rows, whose payloads are the largest strings, are let go once silver is
// derived from them (docs/benchmarks.md, "Derivations in flight").
import { Context } from '@temporalio/activity';
import type { DeriveInput, DeriveResult } from '../contract/batch.ts';
import { stepPartition } from '../domain/partition-walk.ts';
import type { BronzeRow } from '../domain/rows.ts';
import type { BatchIo } from './batch-io.ts';
import type { StateAdvance } from './checkpoint.ts';
import type { AcquireOptions, ConcurrencyLimit } from './concurrency-limit.ts';
import { alertPolicyOf, type ActivityDeps } from './deps.ts';
import { enrichStage } from './enrich.ts';
import type { GoldStages, QualityRows } from './gold.ts';
import { ingestStage } from './ingest.ts';

export function createDeriveActivities(deps: ActivityDeps, io: BatchIo, gold: GoldStages, advance: StateAdvance, limit: ConcurrencyLimit) {
  return {
    async deriveBatch(input: DeriveInput): Promise<DeriveResult> {
      // Waiting here, the attempt keeps heartbeating (boundary.ts); it leaves the queue when cancelled.
      const slot = await limit.acquire(waitOptions());
      if (slot.overdue) deps.log.warn({ batchId: input.batchId, waitedMs: slot.waitedMs, limit: limit.limit }, 'derivation waited half its time budget for a slot: runs over WORKER_MAX_CONCURRENT_DERIVATIONS');
      try {
        return await derive(input);
      } finally {
        slot.release();
      }
    },
  };

  async function derive(input: DeriveInput): Promise<DeriveResult> {
    const { rawKey, copyToDlq, batchDate, ...ref } = input;
    const ingested = await ingestStage(deps, io, { ...ref, rawKey, copyToDlq });
    let bronze: BronzeRow[] | undefined = ingested.bronze;
    const enriched = await enrichStage(deps, io, ref, bronze);
    // What quality still needs of the bronze rows; the rows themselves (payloads) may go now.
    const quality: QualityRows = { records: bronze.map(({ orderId, duplicate, kafkaTs }) => ({ orderId, duplicate, kafkaTs })), quarantined: ingested.quarantined, orders: enriched.orders, items: enriched.items };
    bronze = undefined;
    ingested.bronze = [];
    const silverInput = { ...ref, silverKeys: enriched.result.silverKeys, itemKeys: enriched.result.itemKeys, batchDate };
    // One state slice and one walk of it for gold, fraud and the checkpoint: all three read the
    // state before the batch, and the walk (the batch's largest CPU cost after encoding) is a
    // pure function of it, the rows, the rules and the alert policy.
    const slice = await io.silverRows(ref, enriched.orders, enriched.items);
    const silver = { ...slice, step: stepPartition(slice.state, slice.orders, slice.items, deps.rules, alertPolicyOf(deps.config)) };
    const [aggregated, fraud, checked] = await Promise.all([gold.aggregate(silverInput, silver), gold.fraud(silverInput, silver), gold.quality(silverInput, quality)]);
    // Last: once the delta exists the successor may start, and a retry finds every other object already right.
    const checkpoint = await advance(ref, silver);
    return { ingest: ingested.result, enrich: enriched.result, gold: aggregated, fraud, quality: checked, checkpoint };
  }
}

/**
 * In an activity: the attempt's cancellation, and at most half its start-to-close timeout spent
 * waiting, so a queued attempt still has the other half to run in. Outside one (unit tests): no bound.
 */
function waitOptions(): AcquireOptions {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return {};
  }
  const { startToCloseTimeoutMs } = context.info;
  return { signal: context.cancellationSignal, ...(startToCloseTimeoutMs > 0 ? { maxWaitMs: startToCloseTimeoutMs / 2 } : {}) };
}
