// What one batch changed in its partition's state (docs/design.md §4): the delta the checkpoint
// writes, computed from the state before and after the batch. Pure and deterministic, so a
// retried or re-run batch writes the same bytes.
import type { SilverItemRow, SilverOrderRow } from './rows.ts';
import { STATE_VERSION, type PartitionState, type StateDelta } from './state.ts';

/**
 * The delta from `prev` to `next` for a batch: only the keys the batch touched. `prev` and `next`
 * may be slices (only the batch's keys loaded): nothing else is read.
 */
export function stateDelta(
  prev: PartitionState,
  next: PartitionState,
  batch: { partition: number; fromOffset: number; toOffset: number; first: boolean },
  orders: readonly SilverOrderRow[],
  items: readonly SilverItemRow[],
): StateDelta {
  const pick = <V>(from: Map<string, V>, keys: Iterable<string>): Map<string, V> => {
    const out = new Map<string, V>();
    for (const key of [...new Set(keys)].sort()) {
      const value = from.get(key);
      if (value !== undefined) out.set(key, value);
    }
    return out;
  };
  const seen = new Map<string, number>();
  for (const id of [...new Set(orders.map((o) => o.orderId))].sort()) {
    const ts = next.seen.get(id);
    if (ts !== undefined && ts !== prev.seen.get(id)) seen.set(id, ts);
  }
  return {
    version: STATE_VERSION,
    ...batch,
    eventWatermarkTs: next.eventWatermarkTs,
    arrivalWatermarkTs: next.arrivalWatermarkTs,
    seen,
    customers: pick(next.customers, orders.map((o) => o.customerId)),
    categories: pick(next.categories, items.map((i) => i.category)),
    productQuantities: pick(next.productQuantities, items.map((i) => i.productId)),
  };
}
