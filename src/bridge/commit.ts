// The offset commit after a batch's start (docs/design.md §3). It may fail when the partition was
// lost in a rebalance; that is safe: the new owner re-reads from the old offset and adopts the batch.
import type { Consumer } from 'kafkajs';
import type { Logger } from '../logger.ts';

/** Commits `nextOffset` (the first offset after the batch); a failure is logged, not thrown. */
export async function commitAfterBatch(consumer: Pick<Consumer, 'commitOffsets'>, log: Pick<Logger, 'warn'>, topic: string, partition: number, nextOffset: number): Promise<boolean> {
  try {
    await consumer.commitOffsets([{ topic, partition, offset: String(nextOffset) }]);
    return true;
  } catch (error) {
    // Lost the partition in a rebalance: its new owner re-reads and adopts this batch.
    log.warn({ partition, nextOffset, err: error }, 'offset commit failed');
    return false;
  }
}
