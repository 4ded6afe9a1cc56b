// Wires the bridge to real clients: Kafka consumer group, Temporal client, the lake, /metrics.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.ts';
import { createKafka, ensureTopics } from '../kafka/client.ts';
import { openLake } from '../lake/store.ts';
import { createLogger } from '../logger.ts';
import { metrics, serveMetrics } from '../metrics.ts';
import { whenReachable } from '../startup.ts';
import { startBridge } from './bridge.ts';
import { createLagReader } from './consumer-lag.ts';
import { probeKafkaBrokers } from '../kafka/reachable.ts';
import { temporalConnectionOptions } from '../temporal/connection-options.ts';

/** A scrape waits at most this long for Kafka's offsets. */
const LAG_READ_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface RunningBridge {
  stop(): Promise<void>;
  stopped: Promise<void>;
}

export async function startBridgeProcess(config: Config, options: { metrics?: boolean } = {}): Promise<RunningBridge> {
  const log = createLogger('bridge', config.LOG_LEVEL);
  const kafka = createKafka(config, 'orders-bridge');
  await whenReachable('Kafka', () => probeKafkaBrokers(config), { log });
  await whenReachable('Kafka', () => ensureTopics(kafka, [{ topic: config.KAFKA_TOPIC, partitions: config.KAFKA_PARTITIONS }]), { log });
  const admin = kafka.admin();
  await whenReachable('Kafka', () => admin.connect(), { log });
  const consumer = kafka.consumer({
    groupId: config.KAFKA_GROUP_ID,
    maxWaitTimeInMs: Math.min(250, config.BATCH_MAX_WAIT_MS),
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  await whenReachable('Kafka', () => consumer.connect(), { log });
  const connection = await whenReachable('Temporal', () => Connection.connect(temporalConnectionOptions(config)), { log });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const readLag = createLagReader(admin, config.KAFKA_TOPIC, config.KAFKA_GROUP_ID);
  const refreshLag = async (): Promise<void> => {
    try {
      const lags = await withTimeout(readLag(bridge.assignedPartitions()), LAG_READ_TIMEOUT_MS);
      metrics.consumerLag.reset();
      for (const [partition, lag] of lags) metrics.consumerLag.set({ partition: String(partition) }, lag);
    } catch (error) {
      // Keep the last figures: a scrape must not fail because Kafka is slow to answer.
      log.warn({ err: error }, 'consumer lag not read');
    }
  };

  const bridge = await startBridge({
    config,
    consumer,
    temporal,
    lake: openLake(config),
    log,
    async committedOffset(partition) {
      const [topic] = await admin.fetchOffsets({ groupId: config.KAFKA_GROUP_ID, topics: [config.KAFKA_TOPIC] });
      const entry = topic?.partitions.find((p) => p.partition === partition);
      const offset = entry ? Number(entry.offset) : -1;
      return offset >= 0 ? offset : undefined;
    },
  });
  const closeMetrics = options.metrics === false ? async () => {} : await serveMetrics(config.BRIDGE_METRICS_PORT, 'bridge', { beforeScrape: refreshLag });
  log.info({ topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID }, 'bridge running');

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  return {
    stopped,
    stop() {
      stopping ??= (async () => {
        await bridge.stop();
        await admin.disconnect();
        await connection.close();
        await closeMetrics();
        log.info('bridge stopped');
        resolveStopped();
      })();
      return stopping;
    },
  };
}
