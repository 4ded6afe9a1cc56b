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
import type { DeriveInput, DeriveResult } from '../contract/batch.ts';
import type { BatchIo } from './batch-io.ts';
import type { StateAdvance } from './checkpoint.ts';
import type { ActivityDeps } from './deps.ts';
import { enrichStage } from './enrich.ts';
import type { GoldStages } from './gold.ts';
import { ingestStage } from './ingest.ts';

export function createDeriveActivities(deps: ActivityDeps, io: BatchIo, gold: GoldStages, advance: StateAdvance) {
  return {
    async deriveBatch(input: DeriveInput): Promise<DeriveResult> {
      const { rawKey, copyToDlq, batchDate, ...ref } = input;
      const ingested = await ingestStage(deps, io, { ...ref, rawKey, copyToDlq });
      const enriched = await enrichStage(deps, io, ref, ingested.bronze);
      const silverInput = { ...ref, silverKeys: enriched.result.silverKeys, itemKeys: enriched.result.itemKeys, batchDate };
      // One state slice for gold, fraud and the checkpoint: all three read the state before the batch.
      const silver = await io.silverRows(ref, enriched.orders, enriched.items);
      const [aggregated, fraud, quality] = await Promise.all([
        gold.aggregate(silverInput, silver),
        gold.fraud(silverInput, silver),
        gold.quality(silverInput, { records: ingested.bronze, quarantined: ingested.quarantined, orders: enriched.orders, items: enriched.items }),
      ]);
      // Last: once the delta exists the successor may start, and a retry finds every other object already right.
      const checkpoint = await advance(ref, silver);
      return { ingest: ingested.result, enrich: enriched.result, gold: aggregated, fraud, quality, checkpoint };
    },
  };
}
