// A Kafka message as the raw zone keeps it. One conversion for the bridge and for a backfill that
// re-reads Kafka, so both write the same raw bytes for the same records.
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
    value: message.value ? message.value.toString('utf8') : null,
  };
}
