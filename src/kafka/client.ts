// One place that builds Kafka clients from the configuration.
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../config.ts';

export function createKafka(config: Pick<Config, 'KAFKA_BROKERS'>, clientId = 'streaming-orders'): Kafka {
  return new Kafka({
    clientId,
    brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/** Header names on order messages (CONTRACT §1). */
export const HEADER_SCHEMA_VERSION = 'schema-version';
