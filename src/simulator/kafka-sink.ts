// The Kafka side of the simulator: a producer that ships batches of generated messages, keyed by
// customer id with the schema-version header. Acks from the leader only (acks=1): on the local
// single-broker stack it is as durable as acks=all, and it is what a high-rate event producer uses.
// No compression: on loopback, compression costs CPU (the scarce resource here) and saves nothing.
import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Config } from '../config.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { createKafka } from '../kafka/client.ts';
import { probeKafkaBrokers } from '../kafka/reachable.ts';
import type { WireMessage } from './source.ts';

export interface MessageSink {
  send(messages: readonly WireMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** Fails fast, naming Kafka and the address, when no broker answers or one refuses the settings' transport. */
export { probeKafkaBrokers as probeKafka } from '../kafka/reachable.ts';

/** Creates the topic when it does not exist; true when it was created. */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (topics.includes(topic)) return false;
    return await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export function kafkaSink(producer: Pick<Producer, 'send' | 'disconnect'>, topic: string): MessageSink {
  return {
    async send(messages) {
      await producer.send({
        topic,
        acks: 1,
        compression: CompressionTypes.None,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
    },
    async close() {
      await producer.disconnect();
    },
  };
}

/** Probes Kafka, makes sure the topic exists (KAFKA_PARTITIONS partitions) and connects a producer. */
export async function connectKafkaSink(config: Parameters<typeof createKafka>[0] & Pick<Config, 'KAFKA_PARTITIONS'>, topic: string): Promise<MessageSink> {
  await probeKafkaBrokers(config);
  const kafka = createKafka(config, 'orders-simulator');
  try {
    await ensureTopic(kafka, topic, config.KAFKA_PARTITIONS);
    // The Java client's partitioner (murmur2 of the key), so the same customer lands on the same
    // partition whichever client produced the event.
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return kafkaSink(producer, topic);
  } catch (error) {
    throw new ServiceUnavailableError('Kafka', `${config.KAFKA_BROKERS}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}
