// A Kafka message as the raw zone keeps it. One conversion for the bridge and for a backfill that
// re-reads Kafka, so both write the same raw bytes for the same records. A value that is not valid
// UTF-8 stays bytes (the raw codec keeps it as base64): decoding it leniently would replace the bad
// bytes with U+FFFD, and the contract check would then judge a different message than the one sent.
import type { KafkaMessage } from 'kafkajs';

/** One Kafka message as the bridge buffers it and the raw zone keeps it. */
export interface KafkaRecord {
  offset: number;
  key: string | null;
  timestamp: number;
  headers: Record<string, string>;
  /** UTF-8 text, or the bytes when they are not valid UTF-8 */
  value: string | Uint8Array | null;
}

export function recordOf(message: KafkaMessage): KafkaRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return {
    offset: Number(message.offset),
    key: message.key ? message.key.toString('utf8') : null,
    timestamp: Number(message.timestamp),
    headers,
    value: message.value ? textOrBytes(message.value) : null,
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textOrBytes(value: Buffer): string | Uint8Array {
  try {
    return strictUtf8.decode(value);
  } catch {
    return new Uint8Array(value);
  }
}
