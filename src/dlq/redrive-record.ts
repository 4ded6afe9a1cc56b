// What `orders dlq redrive` publishes for a quarantined record, and the marker it leaves: pure.
import { HEADER_REDRIVE_OF } from '../contract/kafka-headers.ts';
import { rawValueBytes, type RawRecord } from '../lake/raw.ts';
import { dlqId, type QuarantinedMessage } from './quarantined.ts';

export interface RedriveRecord {
  /** The partition the original came from: its customer's other orders, and their state, live there. */
  partition: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * The original record again, with the `redrive-of` header naming it. From the raw zone when its
 * batch's raw object is there (exact bytes, key and headers such as schema-version); otherwise
 * from the quarantine row alone (its text, no key, no headers), which is all the lake still has.
 */
export function redriveRecordOf(message: QuarantinedMessage, original: RawRecord | undefined): RedriveRecord {
  if (original) {
    const bytes = rawValueBytes(original);
    return {
      partition: message.partition,
      key: original.key,
      value: bytes ? Buffer.from(bytes) : null,
      headers: { ...original.headers, [HEADER_REDRIVE_OF]: message.id },
    };
  }
  return { partition: message.partition, key: null, value: Buffer.from(message.raw, 'utf8'), headers: { [HEADER_REDRIVE_OF]: message.id } };
}

/** Written to `dlq/redriven/partition=P/<offset>.json` after the broker acknowledged the copy. */
export interface RedriveMarker {
  /** DLQ id of the original record. */
  id: string;
  topic: string;
  /** DLQ id the copy would get if it were quarantined again: its own partition and offset. */
  copyId: string;
  redrivenAt: string;
}

export function redriveMarkerOf(message: QuarantinedMessage, topic: string, copy: { partition: number; offset: number }, now: Date): RedriveMarker {
  return { id: message.id, topic, copyId: dlqId(copy.partition, copy.offset), redrivenAt: now.toISOString() };
}

export function encodeRedriveMarker(marker: RedriveMarker): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(marker)}\n`);
}

/** The marker's fields; undefined when the bytes are not a marker (then the record counts as redriven all the same). */
export function decodeRedriveMarker(bytes: Uint8Array): RedriveMarker | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<RedriveMarker>;
    if (typeof parsed.id === 'string' && typeof parsed.copyId === 'string' && typeof parsed.topic === 'string' && typeof parsed.redrivenAt === 'string') {
      return { id: parsed.id, topic: parsed.topic, copyId: parsed.copyId, redrivenAt: parsed.redrivenAt };
    }
  } catch {
    // fall through: not JSON
  }
  return undefined;
}
