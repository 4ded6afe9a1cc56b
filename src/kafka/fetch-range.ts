// Reads one partition's records [from, to] back from Kafka (a backfill whose raw zone is gone).
// kafkajs has no manual partition assignment, so a throwaway consumer group joins, seeks the
// partition to `from` and pauses every other partition it is given.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { KafkaRecord } from './record.ts';
import { recordOf } from './record.ts';

export async function fetchRange(kafka: Kafka, topic: string, partition: number, from: number, to: number, timeoutMs = 60_000): Promise<KafkaRecord[]> {
  const consumer = kafka.consumer({ groupId: `backfill-${randomUUID()}`, allowAutoTopicCreation: false });
  const records: KafkaRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Kafka: ${topic}[${partition}] offsets ${from}..${to} not read within ${timeoutMs} ms (retention may have removed them)`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (batch.partition !== partition) {
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              return;
            }
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset >= from && offset <= to) records.push(recordOf(message));
              if (offset >= to) {
                clearTimeout(timer);
                resolve();
                return;
              }
            }
          },
        })
        .catch(reject);
    });
    consumer.seek({ topic, partition, offset: String(from) });
    await done;
    return records;
  } finally {
    await consumer.disconnect();
  }
}
