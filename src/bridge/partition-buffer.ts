// Pure batching logic of the bridge: one buffer per partition that holds the open batch; when it
// is cut is decided by cut-decision.ts (full, idle partition, or on time).
// A batch is [startOffset, endOffset] where startOffset is the offset the partition was committed at
// (or its first record, for a partition never processed), so consecutive batches tile the
// partition even across gaps in Kafka offsets.
import type { KafkaRecord } from '../kafka/record.ts';
import { isPlausibleKafkaTimestamp } from '../schemas/limits.ts';
import { decideCut, type CutLimits, type CutReason, type PartitionLoad } from './cut-decision.ts';

/**
 * Bytes a record takes in the bridge and the raw object (value, key and headers; a few bytes of
 * JSON around them are left out). Counting by bytes as well as records keeps 5,000 records of
 * 1 MiB from becoming one 5 GiB batch in memory and one string no engine can build.
 */
export function recordBytes(record: KafkaRecord): number {
  const text = (v: string | null): number => (v === null ? 0 : Buffer.byteLength(v));
  let n = text(record.key) + (record.value === null ? 0 : typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.byteLength);
  for (const [name, value] of Object.entries(record.headers)) n += Buffer.byteLength(name) + Buffer.byteLength(value);
  return n;
}

/**
 * The batch's date (raw zone folder, BatchDate search attribute): the UTC date of its first record
 * whose Kafka timestamp has a four-digit year. A producer can set any int64 timestamp; one outside
 * years 0000–9999 has no YYYY-MM-DD date (`toISOString` throws past ±8.64e15 ms), and a bridge that
 * threw on it retried the same batch every 50 ms for ever. Such records are quarantined by ingest
 * (reason `kafkaTimestamp: …`); a batch made only of them is filed under the bridge's clock.
 */
export function batchDateOf(records: readonly Pick<KafkaRecord, 'timestamp'>[], nowMs: number): string {
  const dated = records.find((r) => isPlausibleKafkaTimestamp(r.timestamp));
  return new Date(dated ? dated.timestamp : nowMs).toISOString().slice(0, 10);
}

export interface CutBatch {
  startOffset: number;
  endOffset: number;
  records: KafkaRecord[];
  firstBatch: boolean;
}

export class PartitionBuffer {
  private records: KafkaRecord[] = [];
  /** recordBytes of everything buffered. */
  private buffered = 0;
  private firstArrivalMs: number | undefined;
  private lastArrivalMs: number | undefined;
  private restoredAtMs: number | undefined;

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

  get bytes(): number {
    return this.buffered;
  }

  /** True when a batch of `maxOrders` records or `maxBytes` bytes is waiting. */
  isFull(maxOrders: number, maxBytes = Infinity): boolean {
    return this.records.length > 0 && (this.records.length >= maxOrders || this.buffered >= maxBytes);
  }

  /** Adds records, dropping any below the next start (already covered by an adopted batch). */
  add(records: KafkaRecord[], nowMs: number): void {
    let added = false;
    for (const r of records) {
      if (this.nextStart !== undefined && r.offset < this.nextStart) continue;
      const last = this.records.at(-1);
      if (last && r.offset <= last.offset) continue; // a re-delivery after a seek
      this.nextStart ??= r.offset;
      this.records.push(r);
      this.buffered += recordBytes(r);
      added = true;
    }
    if (this.records.length > 0) this.firstArrivalMs ??= nowMs;
    if (added) this.lastArrivalMs = nowMs;
  }

  /** Why the open batch should be cut now (src/bridge/cut-decision.ts), or undefined. */
  cutReason(nowMs: number, limits: CutLimits, load: PartitionLoad = {}): CutReason | undefined {
    return decideCut(
      { records: this.records.length, bytes: this.buffered, firstArrivalMs: this.firstArrivalMs, lastArrivalMs: this.lastArrivalMs, restoredAtMs: this.restoredAtMs },
      nowMs,
      limits,
      load,
    );
  }

  /**
   * True when a batch should be cut now: full, or its first record waited long enough (no idle
   * cut: the plain form, for callers without an idle gap such as the benchmark's baseline consumer).
   */
  due(
    nowMs: number,
    maxOrders: number,
    maxWaitMs: number,
    backlog: { pendingInKafka?: number; predecessorOpen?: boolean; backlogWaitMs?: number } = {},
    maxBytes = Infinity,
  ): boolean {
    const limits: CutLimits = { maxOrders, maxBytes, maxWaitMs, idleMs: 0, backlogWaitMs: backlog.backlogWaitMs ?? maxWaitMs };
    return this.cutReason(nowMs, limits, backlog) !== undefined;
  }

  /**
   * Removes and returns the next batch: up to maxOrders records and up to maxBytes bytes (at least
   * one record, however large); undefined when empty.
   */
  cut(maxOrders: number, nowMs: number, maxBytes = Infinity): CutBatch | undefined {
    if (this.records.length === 0 || this.nextStart === undefined) return undefined;
    let count = 0;
    let bytes = 0;
    while (count < Math.min(maxOrders, this.records.length)) {
      const next = recordBytes(this.records[count]!);
      if (count > 0 && bytes + next > maxBytes) break;
      bytes += next;
      count++;
    }
    const records = this.records.splice(0, count);
    this.buffered -= bytes;
    const batch: CutBatch = { startOffset: this.nextStart, endOffset: records.at(-1)!.offset, records, firstBatch: this.firstBatch };
    this.firstArrivalMs = this.records.length > 0 ? nowMs : undefined;
    if (this.records.length === 0) this.lastArrivalMs = undefined;
    this.restoredAtMs = undefined;
    return batch;
  }

  /** After a start or an adoption: the partition continues right after `endOffset`. */
  advanceTo(endOffset: number): void {
    this.nextStart = endOffset + 1;
    this.firstBatch = false;
    this.records = this.records.filter((r) => r.offset > endOffset);
    this.buffered = this.records.reduce((n, r) => n + recordBytes(r), 0);
    if (this.records.length === 0) this.firstArrivalMs = this.lastArrivalMs = this.restoredAtMs = undefined;
  }

  /** Puts a batch back at the front, e.g. when its start failed and will be retried. */
  restore(batch: CutBatch, nowMs: number): void {
    this.records = [...batch.records, ...this.records];
    this.buffered += batch.records.reduce((n, r) => n + recordBytes(r), 0);
    this.firstArrivalMs = nowMs;
    this.lastArrivalMs ??= nowMs;
    this.restoredAtMs = nowMs;
  }
}
