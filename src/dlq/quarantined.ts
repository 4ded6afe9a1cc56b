// Quarantined records as operators see them: pure logic, no I/O. A record's DLQ id is
// `<partition>-<offset>` of the original Kafka record on the orders topic: unique for the topic,
// stable across backfills (which rewrite the same quarantine rows), and the same key the ingest
// activity already gives the record's copy on the DLQ topic, so one id names it everywhere.
import type { QuarantineRow } from '../domain/rows.ts';
import { batchRangeOf } from '../lake/keys.ts';
import { batchWorkflowId } from '../contract/batch.ts';

export interface QuarantinedMessage {
  /** `<partition>-<offset>` of the original record. */
  id: string;
  partition: number;
  offset: number;
  /** Kafka timestamp of the original record, ms since the epoch. */
  kafkaTs: number;
  /** Why ingest rejected it: "field: rule; field: rule". */
  reason: string;
  /** The value as the quarantine table keeps it (UTF-8 text; base64 when the bytes were not UTF-8). */
  raw: string;
  /** The batch workflow that quarantined it, e.g. `orders-3-1200`. */
  batchId: string;
  /** The quarantine object it was read from. */
  quarantineKey: string;
}

export interface DlqId {
  partition: number;
  offset: number;
}

const DLQ_ID = /^(\d+)-(\d+)$/;

export function dlqId(partition: number, offset: number): string {
  return `${partition}-${offset}`;
}

/** `3-1207` → partition 3, offset 1207; undefined for anything else. */
export function parseDlqId(text: string): DlqId | undefined {
  const match = DLQ_ID.exec(text.trim());
  if (!match) return undefined;
  const partition = Number(match[1]);
  const offset = Number(match[2]);
  return Number.isSafeInteger(partition) && Number.isSafeInteger(offset) ? { partition, offset } : undefined;
}

const num = (value: unknown): number => Number(value); // INT64 beyond 2^53 comes as bigint; offsets never get there
const str = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

/**
 * The rows of one quarantine object as messages. The batch id comes from the object's key
 * (`quarantine/orders/partition=P/<start>-<end>.parquet`), which names the batch's range.
 */
export function quarantinedMessagesOf(key: string, rows: readonly Record<string, unknown>[], topic: string): QuarantinedMessage[] {
  const range = batchRangeOf(key);
  return rows.map((row) => {
    const q: QuarantineRow = { partition: num(row.partition), offset: num(row.offset), kafkaTs: num(row.kafkaTs), reason: str(row.reason), raw: str(row.raw) };
    const partition = range?.partition ?? q.partition;
    return {
      id: dlqId(q.partition, q.offset),
      partition: q.partition,
      offset: q.offset,
      kafkaTs: q.kafkaTs,
      reason: q.reason,
      raw: q.raw,
      batchId: range ? batchWorkflowId(topic, partition, range.start) : '',
      quarantineKey: key,
    };
  });
}

export interface QuarantineFilter {
  /** Only records whose Kafka timestamp is at or after this, ms since the epoch. */
  sinceMs?: number;
  /** Only records whose reason contains this text, case-insensitively. */
  reasonText?: string;
  /** At most this many, the newest. */
  limit?: number;
}

/** Offset order within a partition, partitions in turn: the order a redrive re-publishes in. */
export function byPartitionAndOffset(a: QuarantinedMessage, b: QuarantinedMessage): number {
  return a.partition - b.partition || a.offset - b.offset;
}

/**
 * The messages the filter selects, newest first (by Kafka timestamp, then partition and offset),
 * one per id: a record quarantined by two objects (not expected, since batches tile offsets) counts once.
 */
export function selectQuarantined(messages: readonly QuarantinedMessage[], filter: QuarantineFilter = {}): QuarantinedMessage[] {
  const needle = filter.reasonText?.toLowerCase();
  const seen = new Set<string>();
  const selected: QuarantinedMessage[] = [];
  for (const message of [...messages].sort(byPartitionAndOffset)) {
    if (seen.has(message.id)) continue;
    seen.add(message.id);
    if (filter.sinceMs !== undefined && message.kafkaTs < filter.sinceMs) continue;
    if (needle !== undefined && !message.reason.toLowerCase().includes(needle)) continue;
    selected.push(message);
  }
  selected.sort((a, b) => b.kafkaTs - a.kafkaTs || byPartitionAndOffset(a, b));
  return filter.limit === undefined ? selected : selected.slice(0, filter.limit);
}
