// The copy of a quarantined record on the DLQ topic. Pure: the ingest activity sends what this builds.
//
// Headers: the pipeline's own (`reason`, `source-partition`, `source-offset`, `batch-id`) always
// say what the pipeline means; a producer's header of the same name (or one already starting with
// `original-`) is kept as `original-<name>`, any other producer header as it came.
//
// Size: a broker refuses a message over `message.max.bytes` (1 MiB by default) with
// MESSAGE_TOO_LARGE on every retry. A copy that would not fit is sent as a claim check instead: no
// value bytes and no producer headers, but a small JSON reference to the raw object that holds the
// record byte for byte (key, partition, offset), with the reason.
import { headerText, messageBytes, MAX_SEND_BYTES } from '../kafka/chunk.ts';

export const ORIGINAL_HEADER_PREFIX = 'original-';
export const PIPELINE_DLQ_HEADERS = ['reason', 'source-partition', 'source-offset', 'batch-id', 'claim-check'] as const;
const RESERVED = new Set<string>(PIPELINE_DLQ_HEADERS);

/** Largest DLQ copy sent whole: room under the broker's 1 MiB default for batch and record overhead. */
export const DLQ_MAX_COPY_BYTES = MAX_SEND_BYTES;

export interface DlqCopySource {
  partition: number;
  offset: number;
  /** The exact bytes that arrived, or the quarantine's text when the raw record is not at hand. */
  value: Buffer | string;
  /** The producer's headers as the raw zone kept them. */
  headers: Record<string, string>;
  reason: string;
  batchId: string;
  /** The raw object holding the record: what a claim check points to. */
  rawKey: string;
}

export interface DlqCopy {
  key: string;
  value: Buffer | string;
  headers: Record<string, string>;
}

/** The DLQ record's key and id: `<partition>-<offset>` of the original. */
export const dlqKey = (partition: number, offset: number): string => `${partition}-${offset}`;

/** Producer headers, renamed where they would pass for the pipeline's own. */
export function producerHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const kept = RESERVED.has(name.toLowerCase()) || name.toLowerCase().startsWith(ORIGINAL_HEADER_PREFIX) ? `${ORIGINAL_HEADER_PREFIX}${name}` : name;
    out[kept] = value;
  }
  return out;
}

export function dlqCopy(source: DlqCopySource, maxBytes = DLQ_MAX_COPY_BYTES): DlqCopy {
  const key = dlqKey(source.partition, source.offset);
  const pipeline = {
    reason: headerText(source.reason),
    'source-partition': String(source.partition),
    'source-offset': String(source.offset),
    'batch-id': source.batchId,
  };
  // Spread order: the pipeline's headers last, so they win even over a renamed producer header.
  const whole: DlqCopy = { key, value: source.value, headers: { ...producerHeaders(source.headers), ...pipeline } };
  if (messageBytes(whole) <= maxBytes) return whole;

  const valueBytes = typeof source.value === 'string' ? Buffer.byteLength(source.value) : source.value.length;
  const claim = { claimCheck: { rawKey: source.rawKey, partition: source.partition, offset: source.offset, valueBytes }, reason: source.reason };
  return { key, value: JSON.stringify(claim), headers: { ...pipeline, 'claim-check': 'raw' } };
}
