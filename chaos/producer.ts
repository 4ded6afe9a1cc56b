// The chaos run's producer: idempotent (acks=all, one request in flight, broker-side sequence
// numbers), and it retries a failed send with the same messages until the broker takes them.
// The Kafka broker is one of the processes the run kills, and a plain producer that retries a
// send whose acknowledgement was lost would write the messages twice: the truth file could then
// no longer say exactly what the topic holds. With idempotence the broker drops the repeat.
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Config } from '../src/config.ts';
import { kafkaSecurityOptions, type KafkaSecuritySettings } from '../src/kafka/security.ts';
import type { MessageSink } from '../src/simulator/kafka-sink.ts';
import { whenReachable } from '../src/startup.ts';

export interface OutgoingMessage {
  key: string;
  value: string | Buffer;
  headers: Record<string, string>;
}

export interface ChaosProducer extends MessageSink {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  /** Sends that failed (broker away) and were retried. */
  readonly retries: number;
}

const RETRY_PAUSE_MS = 1_000;

export async function connectChaosProducer(config: Pick<Config, 'KAFKA_BROKERS'> & KafkaSecuritySettings, topic: string, { giveUpAfterMs = 300_000 } = {}): Promise<ChaosProducer> {
  // Silent: while the broker is down kafkajs logs every reconnect attempt, and we retry anyway.
  const kafka = new Kafka({ clientId: 'orders-chaos', brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()), ...kafkaSecurityOptions(config), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // the Java client's partitioner, as the simulator uses: same key, same partition
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  // The broker may be the process just killed: connecting waits for it like every send does.
  await whenReachable('Kafka', () => producer.connect(), { timeoutMs: giveUpAfterMs });
  let retries = 0;
  return {
    get retries() {
      return retries;
    },
    async send(messages) {
      const deadline = Date.now() + giveUpAfterMs;
      for (;;) {
        try {
          await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          retries++;
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        }
      }
    },
    close: () => producer.disconnect(),
  };
}
