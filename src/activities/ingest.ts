// Stage 1: raw → bronze (valid events, upcast, repeats flagged) and quarantine + DLQ (invalid ones).
// The stage returns its rows too, for the stages after it in the one-activity derivation (derive.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { findDuplicates } from '../domain/dedupe.ts';
import { stateKeysOf } from '../domain/state.ts';
import { ingestRecords } from '../domain/ingest.ts';
import type { BronzeRow, QuarantineRow } from '../domain/rows.ts';
import { bronzeKey, quarantineKey } from '../lake/keys.ts';
import { TABLES } from '../lake/parquet.ts';
import { dlqCopy } from '../dlq/dlq-copy.ts';
import { chunkBySize } from '../kafka/chunk.ts';
import { decodeRawBatch, rawValueBytes, type RawRecord } from '../lake/raw.ts';
import { metrics } from '../metrics.ts';
import type { BatchRef, IngestResult } from '../contract/batch.ts';
import type { BatchIo } from './batch-io.ts';
import type { ActivityDeps } from './deps.ts';

/** What the ingest stage hands the stages after it in the same attempt: its result and the rows it wrote. */
export interface IngestOutput {
  result: IngestResult;
  /** The bronze rows, as `readParts(result.bronzeKeys)` would return them. */
  bronze: BronzeRow[];
  quarantined: QuarantineRow[];
}

/** The ingest stage, shared by the ingestBatch activity and the one-activity derivation (derive.ts). */
export async function ingestStage(deps: ActivityDeps, io: BatchIo, ref: BatchRef & { rawKey: string; copyToDlq: boolean }): Promise<IngestOutput> {
  const bytes = await deps.lake.get(ref.rawKey);
  if (!bytes) throw ApplicationFailure.nonRetryable(`raw object ${ref.rawKey} is missing`, 'CorruptBatch');
  const records = decodeRawBatch(bytes);

  // The bytes as sent: a value that is not UTF-8 is kept as base64 in the raw zone.
  const { valid, quarantined } = ingestRecords(records.map((r) => ({ ...r, value: rawValueBytes(r) ?? null })), ref.partition);

  const state = await io.stateSlice(ref.partition, ref.startOffset, ref.firstBatch === true, stateKeysOf(valid));
  for (const index of findDuplicates(valid, state, deps.config.DEDUP_WINDOW_HOURS * 3_600_000)) valid[index]!.duplicate = true;

  const bronze = await io.writeDated(TABLES.bronzeOrders, valid, (r) => r.orderDate, (date) => bronzeKey(date, ref.partition, ref.startOffset, ref.endOffset, ref.rewrite));
  let qKey: string | undefined;
  if (quarantined.length > 0) {
    qKey = quarantineKey(ref.partition, ref.startOffset, ref.endOffset, ref.rewrite);
    await io.writePart(qKey, TABLES.quarantineOrders, quarantined);
    // A backfill re-derives the quarantine table but does not repeat the DLQ copies.
    if (ref.copyToDlq) await sendToDlq(deps, ref, records, quarantined);
  }

  const duplicateCount = valid.filter((r) => r.duplicate).length;
  metrics.ordersPerStage.inc({ stage: 'bronze' }, valid.length);
  metrics.ordersPerStage.inc({ stage: 'quarantine' }, quarantined.length);
  metrics.ordersPerStage.inc({ stage: 'duplicate' }, duplicateCount);
  const result: IngestResult = {
    validCount: valid.length,
    invalidCount: quarantined.length,
    duplicateCount,
    bronzeKeys: bronze.keys,
    quarantineKey: qKey,
    orderDates: [...new Set(valid.map((r) => r.orderDate))].sort(),
  };
  return { result, bronze: bronze.rows, quarantined };
}

export function createIngestActivities(deps: ActivityDeps, io: BatchIo) {
  return {
    async ingestBatch(ref: BatchRef & { rawKey: string; copyToDlq: boolean }): Promise<IngestResult> {
      return (await ingestStage(deps, io, ref)).result;
    },
  };
}

/**
 * Copies invalid records to the DLQ topic with their reason (a record too large for the broker as a
 * claim check on its raw object: dlq-copy.ts). A retry may copy them again: DLQ consumers dedupe by
 * the message key `<partition>-<offset>` (the quarantine table is exact).
 */
async function sendToDlq(deps: ActivityDeps, ref: BatchRef & { rawKey: string }, records: RawRecord[], quarantined: QuarantineRow[]): Promise<void> {
  const byOffset = new Map(records.map((r) => [r.offset, r]));
  const messages = quarantined.map((q) => {
    const record = byOffset.get(q.offset);
    return dlqCopy({
      partition: ref.partition,
      offset: q.offset,
      value: dlqValue(record, q.raw),
      headers: record?.headers ?? {},
      reason: q.reason,
      batchId: ref.batchId,
      rawKey: ref.rawKey,
    });
  });
  // Sends the broker accepts: all of a batch's bad records in one request can pass its size limit.
  for (const chunk of chunkBySize(messages)) await deps.dlq.send({ topic: deps.config.KAFKA_DLQ_TOPIC, messages: chunk });
}

/** The DLQ copy carries the bytes that arrived, not the quarantine's readable text. */
function dlqValue(record: RawRecord | undefined, fallback: string): Buffer | string {
  const bytes = record ? rawValueBytes(record) : undefined;
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : fallback;
}
