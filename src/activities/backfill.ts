// Activities of the backfill (src/workflows/backfill.ts): find the batches of a date range and,
// for `--source kafka`, write their raw objects again from Kafka.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { datesBetween } from '../domain/dates.ts';
import { createKafka } from '../kafka/client.ts';
import { fetchRange } from '../kafka/fetch-range.ts';
import { batchRangeOf, RAW_ORDERS_PATH, rawKey, rawPrefix } from '../lake/keys.ts';
import { StateListing } from '../state-store/state-log.ts';
import { encodeRawBatch } from '../lake/raw.ts';
import { batchQuery } from '../temporal/batch-queries.ts';
import { SA } from '../contract/search-attributes.ts';
import type { BackfillBatch, BackfillDayInput, BackfillInput, BackfillUnit } from '../contract/batch.ts';
import type { ActivityDeps } from './deps.ts';

/** Batches one child run derives before it continues as new (keeps its history short). */
export const BACKFILL_CHUNK = 100;

type BatchRange = Omit<BackfillBatch, 'firstBatch' | 'rawKey'>;

export function createBackfillActivities(deps: ActivityDeps) {
  /** The batches of a partition that arrived on a date, oldest first, from the raw zone or from Temporal's records. */
  const batchesOf = async (topic: string, date: string, partition: number, source: BackfillInput['source']): Promise<BatchRange[]> => {
    const ranges: BatchRange[] = [];
    if (source === 'raw') {
      for (const key of await deps.lake.list(rawPrefix(date, partition))) {
        const range = batchRangeOf(key);
        if (range) ranges.push({ startOffset: range.start, endOffset: range.end });
      }
    } else {
      // The raw zone is gone: the batch runs still say which ranges the stream cut on that date.
      const query = batchQuery({ topic, partition, batchDate: date, state: 'completed' });
      for await (const run of deps.temporal.workflow.list({ query })) {
        const attributes = run.typedSearchAttributes;
        const start = attributes.get(SA.StartOffset);
        const end = attributes.get(SA.EndOffset);
        if (start !== undefined && end !== undefined) ranges.push({ startOffset: start, endOffset: end });
      }
    }
    return ranges.sort((a, b) => a.startOffset - b.startOffset);
  };

  /** Partitions with raw batches on a date (raw source), or with any batch run (Kafka source). */
  const partitionsOn = async (topic: string, date: string, source: BackfillInput['source']): Promise<number[]> => {
    if (source === 'kafka') {
      const admin = createKafka(deps.config, 'orders-backfill').admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets(topic)).map((p) => p.partition).sort((a, b) => a - b);
      } finally {
        await admin.disconnect();
      }
    }
    const found = new Set<number>();
    for (const key of await deps.lake.list(`${RAW_ORDERS_PATH}/batch_date=${date}/`)) {
      const range = batchRangeOf(key);
      if (range) found.add(range.partition);
    }
    return [...found].sort((a, b) => a - b);
  };

  return {
    /** Every (date, partition) with batches in the range, dates in order, and how many batches each holds. */
    async planBackfill(input: BackfillInput): Promise<BackfillUnit[]> {
      const units: BackfillUnit[] = [];
      for (const date of datesBetween(input.from, input.to)) {
        for (const partition of await partitionsOn(input.topic, date, input.source)) {
          const batches = (await batchesOf(input.topic, date, partition, input.source)).length;
          if (batches > 0) units.push({ date, partition, batches });
        }
        heartbeat();
      }
      return units;
    },

    /** The next chunk of the unit's batches after the cursor, each with its raw key and whether it starts the partition. */
    async listBackfillBatches(input: BackfillDayInput): Promise<{ batches: BackfillBatch[]; more: boolean }> {
      const after = input.afterOffset ?? -1;
      const pending = (await batchesOf(input.topic, input.date, input.partition, input.source)).filter((b) => b.startOffset > after);
      const chunk = pending.slice(0, BACKFILL_CHUNK);
      // A batch starts its partition when its delta says so, or when the partition has no state at
      // all and it is the first batch of the range. Anything else must find its state, or fail
      // naming what is missing: a backfill never starts a partition over from empty state.
      const listing = await StateListing.read(deps.lake, input.partition);
      const firstStarts = listing.firstBatchStarts;
      const noState = listing.earliestOffset === undefined;
      return {
        batches: chunk.map((b, i) => ({
          ...b,
          rawKey: rawKey(input.date, input.partition, b.startOffset, b.endOffset),
          firstBatch: firstStarts.has(b.startOffset) || (noState && i === 0 && input.afterOffset === undefined),
        })),
        more: pending.length > chunk.length,
      };
    },

    /** `--source kafka`: reads the chunk's records from Kafka and writes their raw objects again. */
    async refetchRawBatches(input: { topic: string; partition: number; batches: BackfillBatch[] }): Promise<void> {
      if (input.batches.length === 0) return;
      const from = input.batches[0]!.startOffset;
      const to = input.batches.at(-1)!.endOffset;
      let records;
      try {
        records = await fetchRange(createKafka(deps.config, 'orders-backfill'), input.topic, input.partition, from, to);
      } catch (error) {
        throw ApplicationFailure.retryable(error instanceof Error ? error.message : String(error), 'KafkaUnavailable');
      }
      for (const batch of input.batches) {
        const mine = records.filter((r) => r.offset >= batch.startOffset && r.offset <= batch.endOffset);
        if (mine.length === 0) throw ApplicationFailure.nonRetryable(`Kafka holds no records of ${input.topic}[${input.partition}] ${batch.startOffset}..${batch.endOffset}`, 'BackfillGap');
        await deps.lake.put(batch.rawKey, encodeRawBatch(mine), 'application/gzip');
        heartbeat();
      }
    },
  };
}
