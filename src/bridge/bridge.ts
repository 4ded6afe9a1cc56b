// The bridge: a Kafka consumer group member that cuts each partition into batches, writes each
// batch's raw records to the lake, starts one workflow per batch, and commits the offset after
// the batch only once Temporal has acknowledged the start (docs/design.md §3). This file wires the
// parts: the cut (partition-buffer.ts), the group generation (group-generation.ts), one queue per
// partition (partition-chains.ts), backpressure (open-batches.ts), start-and-adopt
// (start-batch.ts) and the commit (commit.ts).
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Config } from '../config.ts';
import type { LakeStore } from '../lake/store.ts';
import { recordOf } from '../kafka/record.ts';
import { rawKey } from '../lake/keys.ts';
import { isPlausibleKafkaTimestamp } from '../schemas/limits.ts';
import { encodeRawBatch } from '../lake/raw.ts';
import type { Logger } from '../logger.ts';
import { metrics } from '../metrics.ts';
import { batchWorkflowId } from '../contract/batch.ts';
import { commitAfterBatch } from './commit.ts';
import { GroupGeneration } from './group-generation.ts';
import { OpenBatches } from './open-batches.ts';
import { batchDateOf, type CutBatch, type PartitionBuffer } from './partition-buffer.ts';
import { PartitionChains } from './partition-chains.ts';
import { batchInputOf, batchStartOptions, recordedEnd, startOrFindRecordedEnd } from './start-batch.ts';

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

/** How often open batches are checked for a cut: well under BATCH_IDLE_MS's default, so an idle cut lands soon after the gap. */
const TICK_MS = 25;
/** How much longer than BATCH_MAX_WAIT_MS a partial batch may wait while Kafka holds enough to fill it or its predecessor still runs. */
const BACKLOG_WAIT_FACTOR = 5;

export async function startBridge(deps: BridgeDeps): Promise<Bridge> {
  const { config, consumer, temporal, lake, log } = deps;
  const topic = config.KAFKA_TOPIC;
  const maxOrders = config.BATCH_MAX_ORDERS;
  const maxBytes = config.BATCH_MAX_BYTES;
  const maxWaitMs = config.BATCH_MAX_WAIT_MS;
  const cutLimits = { maxOrders, maxBytes, maxWaitMs, idleMs: config.BATCH_IDLE_MS, backlogWaitMs: maxWaitMs * BACKLOG_WAIT_FACTOR };
  const stats = { started: 0, adopted: 0 };

  // Everything of one group generation; a rebalance starts a fresh one.
  const group = new GroupGeneration(deps.committedOffset);
  const chains = new PartitionChains((partition, error) => log.warn({ partition, err: error }, 'batch start failed; it will be retried'));
  const openBatches = new OpenBatches((open) => metrics.openBatches.set(open));
  let stopping = false;
  // Ends the long polls on batch results at stop: left running, their retries fire on the closed
  // connection after stop and throw "Channel has been shut down" out of a timer, killing the process.
  const polls = new AbortController();

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    group.join(event.payload.memberAssignment[topic] ?? []);
    log.info({ generation: group.number, assignment: event.payload.memberAssignment }, 'joined consumer group');
  });

  const trackCompletion = (workflowId: string, partition: number): void => {
    const closed = temporal
      .withAbortSignal(polls.signal, () => temporal.workflow.getHandle(workflowId).result())
      .then(() => metrics.batchesCompleted.inc())
      .catch((error: unknown) => {
        // Only a batch that closed unsuccessfully counts; polls ended at shutdown do not.
        if (!polls.signal.aborted && error instanceof WorkflowFailedError) metrics.batchesFailed.inc();
      });
    openBatches.track(partition, closed);
  };

  const commit = async (partition: number, nextOffset: number): Promise<void> => {
    await commitAfterBatch(consumer, log, topic, partition, nextOffset);
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
    if (!group.isCurrent(gen)) return;
    const buffer = await group.bufferFor(partition);
    const batch = buffer.cut(maxOrders, Date.now(), maxBytes);
    if (!batch) return;
    const workflowId = batchWorkflowId(topic, partition, batch.startOffset);
    try {
      // After a restart or rebalance the first batch may already exist: adopt its range.
      if (!group.verified.has(partition)) {
        const end = await recordedEnd(temporal, workflowId);
        group.verified.add(partition);
        if (end !== undefined) return await adopt(partition, buffer, batch, workflowId, end);
      }
      const batchDate = batchDateOf(batch.records, Date.now());
      const undatable = batch.records.filter((r) => !isPlausibleKafkaTimestamp(r.timestamp));
      if (undatable.length > 0) {
        log.warn({ partition, count: undatable.length, offsets: undatable.slice(0, 10).map((r) => r.offset) }, 'Kafka timestamps outside years 0000-9999: ingest quarantines these records');
      }
      const key = rawKey(batchDate, partition, batch.startOffset, batch.endOffset);
      await lake.put(key, encodeRawBatch(batch.records), 'application/gzip');
      const input = batchInputOf(topic, partition, batch, key, batchDate);
      const existingEnd = await startOrFindRecordedEnd(temporal, batchStartOptions(workflowId, config.TEMPORAL_TASK_QUEUE, input));
      if (existingEnd !== undefined) {
        if (existingEnd !== batch.endOffset) await lake.delete(key); // our raw copy covers a range nobody owns
        return await adopt(partition, buffer, batch, workflowId, existingEnd);
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

  // Cuts of partial batches (src/bridge/cut-decision.ts): on an idle partition without backlog, or on time.
  const scheduled = new Set<number>();
  const ticker = setInterval(() => {
    if (stopping) return;
    const gen = group.number;
    for (const [partition, pending] of group.buffers) {
      void pending.then((buffer) => {
        const load = { pendingInKafka: group.pendingInKafka.get(partition) ?? 0, predecessorOpen: openBatches.hasOpen(partition) };
        if (scheduled.has(partition) || buffer.cutReason(Date.now(), cutLimits, load) === undefined) return;
        scheduled.add(partition);
        void chains.enqueue(partition, () => flush(partition, gen)).finally(() => scheduled.delete(partition));
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
      // Backpressure: fetching waits (heartbeating) while too many batch workflows are open.
      await openBatches.waitForRoom(config.BRIDGE_MAX_OPEN_BATCHES, heartbeat, () => stopping);
      const gen = group.number;
      const buffer = await group.bufferFor(batch.partition);
      buffer.add(batch.messages.map(recordOf), Date.now());
      // "Resolved" tells kafkajs where to fetch next (without it, it fetches the same bytes again
      // forever); it commits nothing, since autoCommit is off: offsets are committed after starts.
      const last = batch.messages.at(-1);
      if (last) resolveOffset(last.offset);
      // How far Kafka is ahead of this fetch: a backlog lets a partial batch wait to fill up (the lag
      // metric itself is read from the broker at scrape time).
      if (last) group.pendingInKafka.set(batch.partition, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));
      // Full batches are cut right here, which also slows fetching down to the pace of starts.
      while (buffer.isFull(maxOrders, maxBytes) && group.isCurrent(gen) && !stopping) {
        const before = buffer.size;
        await chains.enqueue(batch.partition, () => flush(batch.partition, gen));
        await heartbeat();
        if (buffer.size >= before) break; // the start failed; the ticker retries it
      }
    },
  });

  return {
    stats,
    assignedPartitions: () => (stopping ? [] : group.assigned),
    async stop() {
      stopping = true;
      clearInterval(ticker);
      await chains.settled();
      polls.abort();
      await consumer.disconnect();
    },
  };
}
