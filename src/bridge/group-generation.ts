// What the bridge knows about one consumer group generation (docs/design.md §3). A rebalance
// starts a fresh one: the buffers, the partitions checked against Temporal and the backlog figures
// of the old assignment are dropped, since another member may have moved those partitions on.
// Work scheduled under an older generation sees `isCurrent(gen)` false and stops.
import { PartitionBuffer } from './partition-buffer.ts';

export class GroupGeneration {
  /** Counts joins; 0 before the first. */
  number = 0;
  /** Partitions of the topic assigned to this member, sorted. */
  assigned: number[] = [];
  /** The partitions whose first batch of this generation was checked against Temporal (adopt or start). */
  verified = new Set<number>();
  /** Records after the last fetched one, per partition (how far Kafka is ahead of the fetch). */
  pendingInKafka = new Map<number, number>();
  buffers = new Map<number, Promise<PartitionBuffer>>();

  /** @param committedOffset the group's committed offset of a partition, undefined when it has none */
  constructor(private readonly committedOffset: (partition: number) => Promise<number | undefined>) {}

  /** A new generation with this assignment: everything of the old one is forgotten. */
  join(assigned: readonly number[]): void {
    this.number++;
    this.buffers = new Map();
    this.verified = new Set();
    this.assigned = [...assigned].sort((a, b) => a - b);
    this.pendingInKafka = new Map();
  }

  isCurrent(gen: number): boolean {
    return gen === this.number;
  }

  /** The partition's buffer in this generation, starting at its committed offset (created once). */
  bufferFor(partition: number): Promise<PartitionBuffer> {
    let buffer = this.buffers.get(partition);
    if (!buffer) {
      buffer = this.committedOffset(partition).then((committed) => new PartitionBuffer(committed, committed === undefined));
      this.buffers.set(partition, buffer);
    }
    return buffer;
  }
}
