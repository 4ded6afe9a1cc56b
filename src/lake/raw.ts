// The raw zone codec: a batch's Kafka records as gzip-compressed JSON lines, one record a line.
// The raw zone is the immutable record of what arrived, so values are kept exactly: text as text,
// and a value that is not valid UTF-8 as base64 with `valueEncoding: 'base64'`.
// Output is deterministic (fixed key order, sorted headers, gzip header without a timestamp), so a
// bridge that re-cuts the same batch after a crash writes the same bytes.
import { gunzipSync, gzipSync } from 'node:zlib';
import { CorruptLakeObjectError } from './errors.ts';

export interface RawRecord {
  offset: number;
  /** The Kafka key (the customer id); null when the message had none. */
  key: string | null;
  /** Kafka timestamp, ms since the epoch. */
  timestamp: number;
  headers: Record<string, string>;
  /** The value as UTF-8 text, or base64 when `valueEncoding` is 'base64'; null for a tombstone. */
  value: string | null;
  valueEncoding?: 'base64';
}

/** What the bridge hands in: a value may still be bytes, which are kept as text when they are UTF-8. */
export interface RawRecordInput {
  offset: number;
  key: string | null;
  timestamp: number;
  headers: Record<string, string>;
  value: string | Uint8Array | null;
  valueEncoding?: 'base64';
}

/** gzip level: fixed, because the bytes must not depend on who writes them. */
const GZIP_LEVEL = 6;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function normalize(record: RawRecordInput): RawRecord {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(record.headers).sort()) headers[name] = record.headers[name]!;
  const out: RawRecord = { offset: record.offset, key: record.key, timestamp: record.timestamp, headers, value: null };
  if (typeof record.value === 'string') {
    out.value = record.value;
    if (record.valueEncoding === 'base64') out.valueEncoding = 'base64';
  } else if (record.value) {
    try {
      out.value = strictUtf8.decode(record.value);
    } catch {
      out.value = Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength).toString('base64');
      out.valueEncoding = 'base64';
    }
  }
  return out;
}

/** gzip JSON lines of the records, in the order given (the bridge gives offset order). */
export function encodeRawBatch(records: readonly RawRecordInput[]): Uint8Array {
  // One buffer per line, joined as bytes: a batch is never one string (V8 caps a string at about
  // 512 MiB; BATCH_MAX_BYTES keeps batches far below, this keeps the codec from depending on it).
  const lines = records.map((record) => Buffer.from(`${JSON.stringify(normalize(record))}\n`, 'utf8'));
  // Node writes a gzip header with mtime 0, so equal input gives equal bytes.
  return new Uint8Array(gzipSync(Buffer.concat(lines), { level: GZIP_LEVEL }));
}

function isRecord(value: unknown): value is RawRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<RawRecord>;
  return (
    Number.isSafeInteger(r.offset) &&
    (r.key === null || typeof r.key === 'string') &&
    typeof r.timestamp === 'number' &&
    typeof r.headers === 'object' && r.headers !== null &&
    Object.values(r.headers).every((v) => typeof v === 'string') &&
    (r.value === null || typeof r.value === 'string') &&
    (r.valueEncoding === undefined || r.valueEncoding === 'base64')
  );
}

/** Records of a raw object; throws CorruptLakeObjectError (not retryable) when it is not one. */
export function decodeRawBatch(bytes: Uint8Array, key?: string): RawRecord[] {
  let data: Buffer;
  try {
    data = gunzipSync(bytes);
  } catch (cause) {
    throw new CorruptLakeObjectError('raw batch is not gzip data', { key, cause });
  }
  // Line by line from the bytes, so no string holds the whole batch. A newline byte never occurs
  // inside a UTF-8 sequence, and JSON.stringify escapes newlines in strings: every 0x0a ends a line.
  const records: RawRecord[] = [];
  for (let start = 0, i = 0; start < data.length; i++) {
    const end = data.indexOf(0x0a, start);
    const line = data.toString('utf8', start, end === -1 ? data.length : end);
    start = end === -1 ? data.length : end + 1;
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      throw new CorruptLakeObjectError(`raw batch line ${i + 1} is not JSON`, { key, cause });
    }
    if (!isRecord(parsed)) throw new CorruptLakeObjectError(`raw batch line ${i + 1} is not a raw record`, { key });
    records.push(parsed);
  }
  return records;
}

/** The record's value as the bytes Kafka carried; undefined for a tombstone. */
export function rawValueBytes(record: RawRecord): Uint8Array | undefined {
  if (record.value === null) return undefined;
  return record.valueEncoding === 'base64' ? new Uint8Array(Buffer.from(record.value, 'base64')) : new TextEncoder().encode(record.value);
}
