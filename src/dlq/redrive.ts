// `orders dlq redrive`: re-publishes quarantined records to the orders topic so they flow through
// the pipeline again. Once per record: a marker keyed by the record's DLQ id is checked before and
// written after the broker acknowledged the copy (acks from all in-sync replicas, idempotent producer,
// so a producer retry does not add a copy). The one window left: a crash after the acknowledgement
// and before the marker; the next redrive publishes a second copy. Both copies carry the same
// order id in the same partition, so the pipeline's dedup window counts a valid order once.
import type { Producer } from 'kafkajs';
import { redriveMarkerKey } from '../lake/keys.ts';
import type { LakeStore } from '../lake/store.ts';
import { byPartitionAndOffset, dlqId, type QuarantinedMessage } from './quarantined.ts';
import type { QuarantineStore } from './quarantine-store.ts';
import { encodeRedriveMarker, redriveMarkerOf, redriveRecordOf } from './redrive-record.ts';

export interface RedriveDeps {
  lake: LakeStore;
  store: QuarantineStore;
  producer: Producer;
  /** The orders topic the copies go to. */
  topic: string;
  now?: () => Date;
}

export interface RedriveResult {
  id: string;
  outcome: 'redriven' | 'already-redriven';
  /** Where the copy went, as a DLQ id (`<partition>-<offset>`): its id if it is quarantined again. */
  copyId: string;
  /** When the copy was published (now, or by the earlier redrive). */
  redrivenAt: string;
  /** False when the batch's raw object was gone and the copy was made from the quarantine row alone. */
  fromRawZone?: boolean;
}

/** Copies published per produce request. */
const CHUNK = 200;
/** Markers looked up at once. */
const MARKER_CHECKS_AT_ONCE = 16;

export async function redriveMessages(deps: RedriveDeps, messages: readonly QuarantinedMessage[]): Promise<RedriveResult[]> {
  const now = deps.now ?? (() => new Date());
  const results: RedriveResult[] = [];
  const pending: QuarantinedMessage[] = [];
  const sorted = [...messages].sort(byPartitionAndOffset);
  for (let i = 0; i < sorted.length; i += MARKER_CHECKS_AT_ONCE) {
    const chunk = sorted.slice(i, i + MARKER_CHECKS_AT_ONCE);
    const markers = await Promise.all(chunk.map((m) => deps.store.redriveMarker(m)));
    chunk.forEach((message, j) => {
      const marker = markers[j];
      if (marker) results.push({ id: message.id, outcome: 'already-redriven', copyId: marker.copyId, redrivenAt: marker.redrivenAt });
      else pending.push(message);
    });
  }
  // One partition at a time and in offset order, so copies keep their originals' relative order.
  const partitions = [...new Set(pending.map((m) => m.partition))];
  for (const partition of partitions) {
    const ofPartition = pending.filter((m) => m.partition === partition);
    for (let i = 0; i < ofPartition.length; i += CHUNK) {
      const chunk = ofPartition.slice(i, i + CHUNK);
      const originals = await Promise.all(chunk.map((m) => deps.store.original(m)));
      const records = chunk.map((m, j) => redriveRecordOf(m, originals[j]));
      const [ack] = await deps.producer.send({ topic: deps.topic, acks: -1, messages: records });
      if (!ack || ack.partition !== partition) throw new Error(`Kafka acknowledged ${deps.topic} partition ${ack?.partition ?? 'none'}, expected ${partition}`);
      const base = Number(ack.baseOffset);
      for (const [j, message] of chunk.entries()) {
        const marker = redriveMarkerOf(message, deps.topic, { partition, offset: base + j }, now());
        await deps.lake.put(redriveMarkerKey(message.partition, message.offset), encodeRedriveMarker(marker), 'application/json');
        results.push({ id: message.id, outcome: 'redriven', copyId: dlqId(partition, base + j), redrivenAt: marker.redrivenAt, fromRawZone: originals[j] !== undefined });
      }
    }
  }
  return results;
}
