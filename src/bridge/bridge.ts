// The bridge: a Kafka consumer group member that cuts each partition into batches, writes each
// batch's raw records to the lake, starts one workflow per batch, and commits the offset after
// the batch only once Temporal has acknowledged the start (docs/design.md §3).
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Config } from '../config.ts';
import type { LakeStore } from '../lake/store.ts';
import { recordOf } from '../kafka/record.ts';
import { rawKey } from '../lake/keys.ts';
import { isPlausibleKafkaTimestamp } from '../schemas/limits.ts';
import { encodeRawBatch } from '../lake/raw.ts';
import type { Logger } from '../logger.ts';
import { metrics } from '../metrics.ts';
import { SA } from '../contract/search-attributes.ts';
import { batchWorkflowId, type BatchInput } from '../contract/batch.ts';
import { batchDateOf, PartitionBuffer, type CutBatch } from './partition-buffer.ts';

export interface BridgeDeps {
  config: Config;
  consumer: Consumer;
  temporal: Client;
  lake: LakeStore;
  log: Logger;
  /** Committed offset of a partition for the group, or undefined when it has none. */
  committedOffset(partition: number): Promise<number | undefined>;
}

export interface Bridge {
  /** Finishes in-flight starts and commits, then leaves the group. */
  stop(): Promise<void>;
  /** Batches started (or adopted) by this bridge since it started, for tests. */
  readonly stats: { started: number; adopted: number };
  /** Partitions of the topic the group currently assigns to this bridge (for the lag metric). */
  assignedPartitions(): number[];
}

const TICK_MS = 50;
/** How much longer than BATCH_MAX_WAIT_MS a partial batch may wait while Kafka holds enough to fill it or its predecessor still runs. */
const BACKLOG_WAIT_FACTOR = 5;

export async function startBridge(deps: BridgeDeps): Promise<Bridge> {
  const { config, consumer, temporal, lake, log } = deps;
  const topic = config.KAFKA_TOPIC;
  const maxOrders = config.BATCH_MAX_ORDERS;
  const maxBytes = config.BATCH_MAX_BYTES;
  const maxWaitMs = config.BATCH_MAX_WAIT_MS;
  const stats = { started: 0, adopted: 0 };

  // Everything below belongs to one group generation; a rebalance starts a fresh one.
  let generation = 0;
  let buffers = new Map<number, Promise<PartitionBuffer>>();
  let verified = new Set<number>(); // partitions whose next start was checked against Temporal
  let pendingInKafka = new Map<number, number>(); // records after the last fetched one, per partition
  const chains = new Map<number, Promise<void>>();
  let open = 0;
  const openByPartition = new Map<number, number>();
  let stopping = false;
  let assigned: number[] = [];
  // Ends the long polls on batch results at stop: left running, their retries fire on the closed
  // connection after stop and throw "Channel has been shut down" out of a timer, killing the process.
  const polls = new AbortController();

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    generation++;
    buffers = new Map();
    verified = new Set();
    assigned = [...(event.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    pendingInKafka = new Map();
    log.info({ generation, assignment: event.payload.memberAssignment }, 'joined consumer group');
  });

  const bufferFor = (partition: number): Promise<PartitionBuffer> => {
    let buffer = buffers.get(partition);
    if (!buffer) {
      buffer = deps.committedOffset(partition).then((committed) => new PartitionBuffer(committed, committed === undefined));
      buffers.set(partition, buffer);
    }
    return buffer;
  };

  /** Runs `task` after every earlier task of the same partition: batches start in offset order. */
  const enqueue = (partition: number, task: () => Promise<void>): Promise<void> => {
    const next = (chains.get(partition) ?? Promise.resolve()).then(task).catch((error: unknown) => {
      log.warn({ partition, err: error }, 'batch start failed; it will be retried');
    });
    chains.set(partition, next);
    return next;
  };

  const updateBackpressure = (): void => {
    metrics.openBatches.set(open);
  };

  /** Backpressure: fetching waits (heartbeating) while too many batch workflows are open. */
  const waitForRoom = async (heartbeat: () => Promise<void>): Promise<void> => {
    while (open >= config.BRIDGE_MAX_OPEN_BATCHES && !stopping) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await heartbeat();
    }
  };

  const trackCompletion = (workflowId: string, partition: number): void => {
    open++;
    openByPartition.set(partition, (openByPartition.get(partition) ?? 0) + 1);
    updateBackpressure();
    temporal
      .withAbortSignal(polls.signal, () => temporal.workflow.getHandle(workflowId).result())
      .then(() => metrics.batchesCompleted.inc())
      .catch((error: unknown) => {
        // Only a batch that closed unsuccessfully counts; polls ended at shutdown do not.
        if (!polls.signal.aborted && error instanceof WorkflowFailedError) metrics.batchesFailed.inc();
      })
      .finally(() => {
        open--;
        openByPartition.set(partition, (openByPartition.get(partition) ?? 1) - 1);
        updateBackpressure();
      });
  };

  /** The end offset recorded by an existing batch workflow, or undefined when there is none. */
  const recordedEnd = async (workflowId: string): Promise<number | undefined> => {
    try {
      const description = await temporal.workflow.getHandle(workflowId).describe();
      const end = (description.memo as { endOffset?: unknown } | undefined)?.endOffset;
      return typeof end === 'number' ? end : undefined;
    } catch (error) {
      if (error instanceof Error && error.name === 'WorkflowNotFoundError') return undefined;
      throw error;
    }
  };

  const commit = async (partition: number, nextOffset: number): Promise<void> => {
    try {
      await consumer.commitOffsets([{ topic, partition, offset: String(nextOffset) }]);
    } catch (error) {
      // Lost the partition in a rebalance: its new owner re-reads and adopts this batch.
      log.warn({ partition, nextOffset, err: error }, 'offset commit failed');
    }
  };

  const adopt = async (partition: number, buffer: PartitionBuffer, batch: CutBatch, workflowId: string, end: number): Promise<void> => {
    buffer.restore(batch, Date.now());
    buffer.advanceTo(end);
    await commit(partition, end + 1);
    stats.adopted++;
    metrics.batchesAdopted.inc();
    log.info({ workflowId, endOffset: end }, 'adopted an already started batch');
  };

  const flush = async (partition: number, gen: number): Promise<void> => {
    if (gen !== generation) return;
    const buffer = await bufferFor(partition);
    const batch = buffer.cut(maxOrders, Date.now(), maxBytes);
    if (!batch) return;
    const workflowId = batchWorkflowId(topic, partition, batch.startOffset);
    try {
      // After a restart or rebalance the first batch may already exist: adopt its range.
      if (!verified.has(partition)) {
        const end = await recordedEnd(workflowId);
        verified.add(partition);
        if (end !== undefined) return await adopt(partition, buffer, batch, workflowId, end);
      }
      const batchDate = batchDateOf(batch.records, Date.now());
      const undatable = batch.records.filter((r) => !isPlausibleKafkaTimestamp(r.timestamp));
      if (undatable.length > 0) {
        log.warn({ partition, count: undatable.length, offsets: undatable.slice(0, 10).map((r) => r.offset) }, 'Kafka timestamps outside years 0000-9999: ingest quarantines these records');
      }
      const key = rawKey(batchDate, partition, batch.startOffset, batch.endOffset);
      await lake.put(key, encodeRawBatch(batch.records), 'application/gzip');
      const input: BatchInput = {
        topic,
        partition,
        startOffset: batch.startOffset,
        endOffset: batch.endOffset,
        rawKey: key,
        recordCount: batch.records.length,
        firstBatch: batch.firstBatch,
        batchDate,
      };
      try {
        await temporal.workflow.start('processOrderBatch', {
          workflowId,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          args: [input],
          memo: { partition, startOffset: batch.startOffset, endOffset: batch.endOffset, rawKey: key, recordCount: input.recordCount },
          // Shown in the Web UI's run list and run page, so an operator reads the batch without opening its input.
          staticSummary: `partition ${partition}, offsets ${batch.startOffset}..${batch.endOffset}, ${input.recordCount} records, ${batchDate}`,
          staticDetails: `Raw object: \`${key}\``,
          typedSearchAttributes: [
            { key: SA.Partition, value: partition },
            { key: SA.StartOffset, value: batch.startOffset },
            { key: SA.EndOffset, value: batch.endOffset },
            { key: SA.BatchDate, value: input.batchDate },
          ],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        const end = await recordedEnd(workflowId);
        if (end === undefined) throw error;
        if (end !== batch.endOffset) await lake.delete(key); // our raw copy covers a range nobody owns
        return await adopt(partition, buffer, batch, workflowId, end);
      }
      await commit(partition, batch.endOffset + 1);
      buffer.advanceTo(batch.endOffset);
      stats.started++;
      metrics.batchesStarted.inc();
      metrics.ordersPerStage.inc({ stage: 'raw' }, batch.records.length);
      trackCompletion(workflowId, partition);
    } catch (error) {
      buffer.restore(batch, Date.now());
      throw error;
    }
  };

  // Time-based cuts: a partial batch goes out once its first record has waited maxWaitMs.
  const scheduled = new Set<number>();
  const ticker = setInterval(() => {
    if (stopping) return;
    const gen = generation;
    for (const [partition, pending] of buffers) {
      void pending.then((buffer) => {
        const backlog = {
          pendingInKafka: pendingInKafka.get(partition) ?? 0,
          predecessorOpen: (openByPartition.get(partition) ?? 0) > 0,
          backlogWaitMs: maxWaitMs * BACKLOG_WAIT_FACTOR,
        };
        if (scheduled.has(partition) || !buffer.due(Date.now(), maxOrders, maxWaitMs, backlog, maxBytes)) return;
        scheduled.add(partition);
        void enqueue(partition, () => flush(partition, gen)).finally(() => scheduled.delete(partition));
      });
    }
  }, TICK_MS);

  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: Math.max(1, config.KAFKA_PARTITIONS),
    eachBatch: async ({ batch, heartbeat, isStale, resolveOffset }: EachBatchPayload) => {
      if (stopping || isStale()) return;
      await waitForRoom(heartbeat);
      const gen = generation;
      const buffer = await bufferFor(batch.partition);
      buffer.add(batch.messages.map(recordOf), Date.now());
      // "Resolved" tells kafkajs where to fetch next (without it, it fetches the same bytes again
      // forever); it commits nothing, since autoCommit is off: offsets are committed after starts.
      const last = batch.messages.at(-1);
      if (last) resolveOffset(last.offset);
      // How far Kafka is ahead of this fetch: a backlog lets a partial batch wait to fill up (the lag
      // metric itself is read from the broker at scrape time).
      if (last) pendingInKafka.set(batch.partition, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));
      // Full batches are cut right here, which also slows fetching down to the pace of starts.
      while (buffer.isFull(maxOrders, maxBytes) && gen === generation && !stopping) {
        const before = buffer.size;
        await enqueue(batch.partition, () => flush(batch.partition, gen));
        await heartbeat();
        if (buffer.size >= before) break; // the start failed; the ticker retries it
      }
    },
  });

  return {
    stats,
    assignedPartitions: () => (stopping ? [] : assigned),
    async stop() {
      stopping = true;
      clearInterval(ticker);
      await Promise.allSettled([...chains.values()]);
      polls.abort();
      await consumer.disconnect();
    },
  };
}
