// The benchmark's baseline: a plain kafkajs consumer that does the pipeline's per-order work —
// parse, validate and upcast (domain/ingest), drop repeats within the batch (domain/dedupe), enrich
// (domain/enrich), and write bronze, silver orders and silver items as Parquet parts to S3 under the
// lake's keys (lake/) — with no Temporal, no raw zone, no gold stage and no cross-batch state.
// What the pipeline costs on top of this is the price of durability, exactly-once and gold.
//
// Runs as its own process (so its CPU and memory are measured like the bridge's and worker's):
//   KAFKA_TOPIC=… KAFKA_GROUP_ID=… LAKE_URI=s3://orders-lake/x node --import tsx bench/baseline-consumer.ts
import { pathToFileURL } from 'node:url';
import type { EachBatchPayload } from 'kafkajs';
import { groupBy } from '../src/activities/batch-io.ts';
import { PartitionBuffer, type CutBatch } from '../src/bridge/partition-buffer.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { findDuplicates } from '../src/domain/dedupe.ts';
import { enrichBronzeRows } from '../src/domain/enrich.ts';
import { ingestRecords } from '../src/domain/ingest.ts';
import { emptyPartitionState } from '../src/domain/state.ts';
import { createKafka } from '../src/kafka/client.ts';
import { recordOf } from '../src/kafka/record.ts';
import { bronzeKey, silverItemsKey, silverOrdersKey } from '../src/lake/keys.ts';
import { TABLES, writeParquet, type TableSpec } from '../src/lake/parquet.ts';
import { openLake, type LakeStore } from '../src/lake/store.ts';
import { loadReferenceData } from '../src/reference/index.ts';
import type { ReferenceData } from '../src/reference/types.ts';

const PARQUET = 'application/vnd.apache.parquet';

/** One batch of one partition, start to finish, with the pipeline's own domain and lake code. */
async function processBatch(lake: LakeStore, reference: ReferenceData, config: Config, partition: number, batch: CutBatch): Promise<void> {
  const { startOffset: start, endOffset: end } = batch;
  const { valid } = ingestRecords(batch.records, partition);
  for (const index of findDuplicates(valid, emptyPartitionState(), config.DEDUP_WINDOW_HOURS * 3_600_000)) valid[index]!.duplicate = true;
  const put = <T extends object>(key: string, table: TableSpec<T>, rows: T[]) => lake.put(key, writeParquet(table, rows), PARQUET);
  const writes: Promise<void>[] = [];
  for (const [date, rows] of groupBy(valid, (r) => r.orderDate)) writes.push(put(bronzeKey(date, partition, start, end), TABLES.bronzeOrders, rows));
  const { orders, items } = enrichBronzeRows(valid, reference);
  for (const [date, rows] of groupBy(items, (r) => r.orderDate)) writes.push(put(silverItemsKey(date, partition, start, end), TABLES.silverOrderItems, rows));
  await Promise.all(writes);
  // Silver orders last: their LastModified is when the batch is done, as in the pipeline.
  for (const [date, rows] of groupBy(orders, (r) => r.orderDate)) await put(silverOrdersKey(date, partition, start, end), TABLES.silverOrders, rows);
}

export async function runBaselineConsumer(config: Config): Promise<{ stop(): Promise<void> }> {
  const lake = openLake(config);
  const reference = loadReferenceData(config);
  const kafka = createKafka(config, 'bench-baseline');
  const consumer = kafka.consumer({ groupId: config.KAFKA_GROUP_ID, maxWaitTimeInMs: Math.min(250, config.BATCH_MAX_WAIT_MS) });
  const buffers = new Map<number, PartitionBuffer>();
  const chains = new Map<number, Promise<void>>();
  const topic = config.KAFKA_TOPIC;
  const maxOrders = config.BATCH_MAX_ORDERS;

  /** Cuts and processes the partition's next batch after the ones before it; commits its end. */
  const flush = (partition: number): Promise<void> => {
    const next = (chains.get(partition) ?? Promise.resolve()).then(async () => {
      const buffer = buffers.get(partition)!;
      const batch = buffer.cut(maxOrders, Date.now());
      if (!batch) return;
      await processBatch(lake, reference, config, partition, batch);
      buffer.advanceTo(batch.endOffset);
      await consumer.commitOffsets([{ topic, partition, offset: String(batch.endOffset + 1) }]);
    });
    chains.set(partition, next);
    return next;
  };

  const ticker = setInterval(() => {
    for (const [partition, buffer] of buffers) if (buffer.due(Date.now(), maxOrders, config.BATCH_MAX_WAIT_MS)) void flush(partition);
  }, 50);

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS,
    eachBatch: async ({ batch, resolveOffset, heartbeat }: EachBatchPayload) => {
      let buffer = buffers.get(batch.partition);
      if (!buffer) buffers.set(batch.partition, (buffer = new PartitionBuffer(undefined, true)));
      buffer.add(batch.messages.map(recordOf), Date.now());
      const last = batch.messages.at(-1);
      if (last) resolveOffset(last.offset);
      while (buffer.size >= maxOrders) {
        await flush(batch.partition);
        await heartbeat();
      }
    },
  });
  return {
    async stop() {
      clearInterval(ticker);
      await Promise.allSettled([...chains.values()]);
      await consumer.disconnect();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await runBaselineConsumer(loadConfig());
  const shutdown = (): void => void running.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
