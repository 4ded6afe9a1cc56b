// Pure batching logic of the bridge: one buffer per partition that decides when a batch is cut.
// A batch is [startOffset, endOffset] where startOffset is the offset the partition was committed at
// (or its first record, for a partition never processed), so consecutive batches tile the
// partition even across gaps in Kafka offsets.

export interface BufferedRecord {
  offset: number;
  key: string | null;
  timestamp: number;
  headers: Record<string, string>;
  /** UTF-8 text, or the bytes when they are not valid UTF-8 */
  value: string | Uint8Array | null;
}

export interface CutBatch {
  startOffset: number;
  endOffset: number;
  records: BufferedRecord[];
  firstBatch: boolean;
}

export class PartitionBuffer {
  private records: BufferedRecord[] = [];
  private firstArrivalMs: number | undefined;

  /**
   * @param nextStart offset the next batch starts at (the committed offset), undefined until known
   * @param firstBatch true while no batch of this partition was ever started
   */
  constructor(
    private nextStart: number | undefined,
    private firstBatch: boolean,
  ) {}

  get size(): number {
    return this.records.length;
  }

  /** Adds records, dropping any below the next start (already covered by an adopted batch). */
  add(records: BufferedRecord[], nowMs: number): void {
    for (const r of records) {
      if (this.nextStart !== undefined && r.offset < this.nextStart) continue;
      const last = this.records.at(-1);
      if (last && r.offset <= last.offset) continue; // a re-delivery after a seek
      this.nextStart ??= r.offset;
      this.records.push(r);
    }
    if (this.records.length > 0) this.firstArrivalMs ??= nowMs;
  }

  /**
   * True when a batch should be cut now: full, or its first record waited long enough. While Kafka
   * already holds enough further records to fill the batch (`pendingInKafka`: a backlog), the wait
   * stretches to `backlogWaitMs`: those records come with the next fetch, and cutting on time would
   * only make the batch smaller (on a slow machine the pipeline then ran on 3,000-record batches with
   * BATCH_MAX_ORDERS=5000). A live stream has no backlog and keeps `maxWaitMs`.
   */
  due(nowMs: number, maxOrders: number, maxWaitMs: number, backlog: { pendingInKafka?: number; predecessorOpen?: boolean; backlogWaitMs?: number } = {}): boolean {
    if (this.records.length === 0) return false;
    if (this.records.length >= maxOrders) return true;
    const waitedMs = nowMs - (this.firstArrivalMs ?? nowMs);
    const fillable = (backlog.pendingInKafka ?? 0) >= maxOrders - this.records.length;
    // A batch cut while the partition's previous one still runs would only wait for it: let it
    // grow instead, so batch size follows the time a batch takes (fewer, larger batches when slow).
    const stretch = fillable || backlog.predecessorOpen === true;
    return waitedMs >= (stretch ? Math.max(maxWaitMs, backlog.backlogWaitMs ?? maxWaitMs) : maxWaitMs);
  }

  /** Removes and returns the next batch (up to maxOrders records); undefined when empty. */
  cut(maxOrders: number, nowMs: number): CutBatch | undefined {
    if (this.records.length === 0 || this.nextStart === undefined) return undefined;
    const records = this.records.splice(0, maxOrders);
    const batch: CutBatch = { startOffset: this.nextStart, endOffset: records.at(-1)!.offset, records, firstBatch: this.firstBatch };
    this.firstArrivalMs = this.records.length > 0 ? nowMs : undefined;
    return batch;
  }

  /** After a start or an adoption: the partition continues right after `endOffset`. */
  advanceTo(endOffset: number): void {
    this.nextStart = endOffset + 1;
    this.firstBatch = false;
    this.records = this.records.filter((r) => r.offset > endOffset);
    if (this.records.length === 0) this.firstArrivalMs = undefined;
  }

  /** Puts a batch back at the front, e.g. when its start failed and will be retried. */
  restore(batch: CutBatch, nowMs: number): void {
    this.records = [...batch.records, ...this.records];
    this.firstArrivalMs = nowMs;
  }
}
