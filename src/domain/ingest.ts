// Raw records → bronze rows (valid, upcast events) and quarantine rows (invalid ones, with their
// reason). Pure: shared by the ingest activity and the benchmark's plain-consumer baseline, so both
// do exactly the same validation work.
import { decodeOrder } from '../schemas/index.ts';
import { isPlausibleKafkaTimestamp, KAFKA_TS_RULE } from '../schemas/limits.ts';
import type { BronzeRow, QuarantineRow } from './rows.ts';

/** The parts of a raw record ingest reads (RawRecord and KafkaRecord both fit). */
export interface IngestRecord {
  offset: number;
  timestamp: number;
  headers: Record<string, string>;
  /** Bytes when the value is not valid UTF-8: judged as sent, never after a lenient decode. */
  value: string | Uint8Array | null;
}

export interface IngestedRecords {
  valid: BronzeRow[];
  quarantined: QuarantineRow[];
}

/** Validates and upcasts every record of one partition; repeats are flagged later (findDuplicates). */
export function ingestRecords(records: readonly IngestRecord[], partition: number): IngestedRecords {
  const valid: BronzeRow[] = [];
  const quarantined: QuarantineRow[] = [];
  for (const record of records) {
    // A timestamp outside years 0000–9999 has no calendar date: the arrival-time dedup window and
    // the date-keyed lake cannot place it, so the record is quarantined rather than trusted.
    const decoded = isPlausibleKafkaTimestamp(record.timestamp)
      ? decodeOrder(record.value ?? '', record.headers)
      : ({ ok: false, reason: `kafkaTimestamp: ${KAFKA_TS_RULE} (got ${String(record.timestamp)})` } as const);
    if (!decoded.ok) {
      // `raw` is text for people reading the quarantine (bad bytes shown as U+FFFD); the DLQ gets the exact bytes.
      // An impossible timestamp is kept in the reason and the raw zone; the TIMESTAMP column gets the epoch, which every reader can show.
      const kafkaTs = isPlausibleKafkaTimestamp(record.timestamp) ? record.timestamp : 0;
      quarantined.push({ partition, offset: record.offset, kafkaTs, reason: decoded.reason, raw: textOf(record.value) });
      continue;
    }
    const { order, schemaVersion } = decoded;
    valid.push({
      orderId: order.orderId,
      customerId: order.customerId,
      orderTs: Date.parse(order.orderDate),
      orderDate: order.dateOrder,
      schemaVersion,
      partition,
      offset: record.offset,
      kafkaTs: record.timestamp,
      payload: JSON.stringify(order),
      duplicate: false,
    });
  }
  return { valid, quarantined };
}

function textOf(value: string | Uint8Array | null): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
}
