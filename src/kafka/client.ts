// One place that builds Kafka clients from the configuration.
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../config.ts';
import { createLogger, kafkaLogCreator } from '../logger.ts';
import { kafkaSecurityOptions, type KafkaSecuritySettings } from './security.ts';

/** Every Kafka client of the project comes from here, with the transport security of the settings. */
export function createKafka(config: Pick<Config, 'KAFKA_BROKERS'> & KafkaSecuritySettings, clientId = 'streaming-orders'): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(config),
    ...kafkaSecurityOptions(config),
    logLevel: logLevel.ERROR,
    // Into the process's log format, with the retries of a normal start demoted to debug.
    logCreator: kafkaLogCreator(createLogger('kafka')),
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

export const kafkaBrokers = (config: Pick<Config, 'KAFKA_BROKERS'>): string[] => config.KAFKA_BROKERS.split(',').map((b) => b.trim());

/**
 * Creates the topics that do not exist yet (replication factor: the broker's default). Returns the
 * names it created. Used at start-up by the bridge (orders) and the worker (DLQ).
 */
export async function ensureTopics(kafka: Kafka, topics: { topic: string; partitions: number }[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    await admin.createTopics({ topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true });
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
