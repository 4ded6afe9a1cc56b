// Which records of a batch repeat an order id (docs/contract.md §1.4: the same orderId arriving
// again in a partition is a duplicate, counted once): seen earlier in the same batch, or within
// the partition's recent window kept in the state (by Kafka arrival time, see advanceState in
// partition-walk.ts).
import type { PartitionState } from './state.ts';

export type DuplicateKind = 'batch' | 'window';

export interface Duplicate {
  /** Index of the repeat in the input. */
  index: number;
  /** 'batch': an earlier record of this batch has the id; 'window': an earlier batch had it. */
  kind: DuplicateKind;
}

/** Like findDuplicates, saying for each repeat whether its first copy was in this batch or an earlier one. */
export function classifyDuplicates(
  records: readonly { orderId: string; kafkaTs: number }[],
  prev: Pick<PartitionState, 'seen'>,
  windowMs: number,
): Duplicate[] {
  const inBatch = new Set<string>();
  const out: Duplicate[] = [];
  records.forEach((record, index) => {
    const firstArrival = prev.seen.get(record.orderId);
    if (firstArrival !== undefined && record.kafkaTs - firstArrival <= windowMs) out.push({ index, kind: 'window' });
    else if (inBatch.has(record.orderId)) out.push({ index, kind: 'batch' });
    inBatch.add(record.orderId);
  });
  return out;
}

/**
 * Indexes of the records that repeat an order id, in input (offset) order: the first copy of an
 * id in the batch is kept unless an earlier batch within `windowMs` already had it.
 */
export function findDuplicates(records: readonly { orderId: string; kafkaTs: number }[], prev: Pick<PartitionState, 'seen'>, windowMs: number): number[] {
  return classifyDuplicates(records, prev, windowMs).map((d) => d.index);
}
