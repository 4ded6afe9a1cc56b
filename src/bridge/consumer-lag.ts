// Consumer lag as Kafka tools report it: per partition, the high watermark minus the offset the
// group committed. Read from the broker at scrape time rather than from fetched batches, because
// while the bridge holds back (backpressure) it fetches nothing, and that is when lag matters.
import type { Admin } from 'kafkajs';

export interface PartitionOffsets {
  partition: number;
  /** Earliest retained offset. */
  low: number;
  /** Offset the next record will get. */
  high: number;
  /** The group's committed offset; undefined when it has committed none. */
  committed: number | undefined;
}

/** Records of the partition the group has not committed past; all retained records before its first commit. */
export function consumerLag(offsets: PartitionOffsets): number {
  return Math.max(0, offsets.high - (offsets.committed ?? offsets.low));
}

/** Reads lag per partition of `topic` for `groupId`, for the partitions asked for. */
export function createLagReader(admin: Admin, topic: string, groupId: string): (partitions: readonly number[]) => Promise<Map<number, number>> {
  return async (partitions) => {
    const lags = new Map<number, number>();
    if (partitions.length === 0) return lags;
    const [watermarks, committedTopics] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const committed = new Map((committedTopics[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const w of watermarks) {
      if (!partitions.includes(w.partition)) continue;
      const offset = committed.get(w.partition);
      lags.set(w.partition, consumerLag({ partition: w.partition, low: Number(w.low), high: Number(w.high), committed: offset !== undefined && offset >= 0 ? offset : undefined }));
    }
    return lags;
  };
}
