// A Kafka message as the raw zone keeps it. One conversion for the bridge and for a backfill that
// re-reads Kafka, so both write the same raw bytes for the same records. A value that is not valid
// UTF-8 stays bytes (the raw codec keeps it as base64): decoding it leniently would replace the bad
// bytes with U+FFFD, and the contract check would then judge a different message than the one sent.
import type { KafkaMessage } from 'kafkajs';
import type { BufferedRecord } from '../bridge/partition-buffer.ts';

export function recordOf(message: KafkaMessage): BufferedRecord {
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
