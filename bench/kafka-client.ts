// The Kafka client, measured (issue 14, point 3; docs/benchmarks.md "Kafka client"): kafkajs, the
// project's client, against @platformatic/kafka on the local broker, in the same run.
// - produce: the simulator's path (kafka-sink.ts): the simulator's own messages (generated before
//   the clock starts, so only the client is timed), keyed by customer id with the schema-version
//   header, batches of 500, 2 in flight, acks=1, no compression, the Java client's partitioner;
// - consume: the bridge's path: a group member reading the topic from the start, each message
//   turned into the raw zone's record (kafka/record.ts: strict UTF-8 value, headers as text),
//   timed from the first message to the last (the group join is not the client's throughput).
// Per client and round: records/s and CPU seconds (this process, user + system) per 100k records.
// The clients alternate (A B A B …) so that load changes on the shared machine hit both.
//
//   npm run bench -- --only kafka-client [--records N]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, compatibilityPartitioner, Consumer as PlatformaticConsumer, Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka';
import { CompressionTypes, Partitioners, type Kafka } from 'kafkajs';
import { loadConfig, type Config } from '../src/config.ts';
import { createKafka, ensureTopics } from '../src/kafka/client.ts';
import { recordOf } from '../src/kafka/record.ts';
import type { KafkaRecord } from '../src/kafka/record.ts';
import { loadReferenceData } from '../src/reference/index.ts';
import { OrderSimulator, type WireMessage } from '../src/simulator/index.ts';
import { ratio } from './lib/stats.ts';

export type ClientName = 'kafkajs' | 'platformatic';
export const PLATFORMATIC_VERSION = '2.12.1';

export interface PhaseFigures {
  records: number;
  elapsedMs: number;
  recordsPerSec: number;
  /** CPU seconds of this process per 100,000 records. */
  cpuSecPer100k: number;
}

export interface ClientRound {
  client: ClientName;
  round: number;
  produce: PhaseFigures;
  consume: PhaseFigures;
  /** Records per partition as produced: equal for both clients when their partitioners agree. */
  perPartition: number[];
  loadAverage: number;
}

export interface KafkaClientBenchResult {
  records: number;
  meanValueBytes: number;
  partitions: number;
  versions: Record<ClientName, string>;
  rounds: ClientRound[];
  /** platformatic / kafkajs, medians over the rounds: > 1 on rates means platformatic is faster, < 1 on CPU that it is cheaper. */
  ratios: { produceRate: number | null; consumeRate: number | null; produceCpu: number | null; consumeCpu: number | null };
  samePartitioning: boolean;
}

const BATCH = 500;
const IN_FLIGHT = 2;
/** kafkajs's fetch defaults, given to both clients (platformatic's own default is 50 MB per fetch). */
const FETCH = { maxBytes: 10 * 2 ** 20, maxBytesPerPartition: 2 ** 20, maxWaitTime: 250 };

const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

function figures(records: number, elapsedMs: number, cpuSec: number): PhaseFigures {
  return {
    records,
    elapsedMs: Math.round(elapsedMs),
    recordsPerSec: Math.round((records * 1000) / elapsedMs),
    cpuSecPer100k: Math.round((cpuSec / records) * 100_000 * 100) / 100,
  };
}

/** Sends `messages` in batches, `IN_FLIGHT` at a time, and times it. */
async function timedSends(messages: readonly WireMessage[], send: (batch: WireMessage[]) => Promise<unknown>): Promise<PhaseFigures> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < messages.length; i += BATCH) {
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    const p: Promise<unknown> = send(messages.slice(i, i + BATCH)).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return figures(messages.length, performance.now() - t0, cpuSeconds() - cpu0);
}

/** Counts consumed records until `expected`, timing from the first to the last. */
class ConsumeClock {
  private seen = 0;
  private t0 = 0;
  private cpu0 = 0;
  private resolve!: (f: PhaseFigures) => void;
  readonly done = new Promise<PhaseFigures>((resolve) => (this.resolve = resolve));
  /** Sum of value lengths, so that the conversion cannot be optimized away. */
  bytes = 0;

  constructor(private readonly expected: number) {}

  add(record: KafkaRecord): void {
    if (this.seen === 0) {
      this.t0 = performance.now();
      this.cpu0 = cpuSeconds();
    }
    this.bytes += typeof record.value === 'string' ? record.value.length : (record.value?.length ?? 0);
    if (++this.seen === this.expected) this.resolve(figures(this.expected - 1, performance.now() - this.t0, cpuSeconds() - this.cpu0));
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bridge's record of a @platformatic/kafka message (the same fields as kafka/record.ts's). */
function platformaticRecord(message: { offset: bigint; key: Buffer | undefined; timestamp: bigint; headers: Map<Buffer, Buffer>; value: Buffer | undefined }): KafkaRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of message.headers) headers[name.toString('utf8')] = value.toString('utf8');
  let value: string | Uint8Array | null = null;
  if (message.value && message.value.length > 0) {
    try {
      value = strictUtf8.decode(message.value);
    } catch {
      value = new Uint8Array(message.value);
    }
  }
  return { offset: Number(message.offset), key: message.key && message.key.length > 0 ? message.key.toString('utf8') : null, timestamp: Number(message.timestamp), headers, value };
}

async function kafkajsRound(kafka: Kafka, topic: string, messages: readonly WireMessage[]): Promise<Pick<ClientRound, 'produce' | 'consume'>> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const produce = await timedSends(messages, (batch) =>
    producer.send({ topic, acks: 1, compression: CompressionTypes.None, messages: batch.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) }),
  );
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: FETCH.maxWaitTime, maxBytes: FETCH.maxBytes, maxBytesPerPartition: FETCH.maxBytesPerPartition });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const clock = new ConsumeClock(messages.length);
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      for (const message of batch.messages) clock.add(recordOf(message));
      await heartbeat();
    },
  });
  const consume = await clock.done;
  await consumer.disconnect();
  return { produce, consume };
}

async function platformaticRound(brokers: string[], topic: string, messages: readonly WireMessage[]): Promise<Pick<ClientRound, 'produce' | 'consume'>> {
  const producer = new PlatformaticProducer({ clientId: 'bench-kafka-client', bootstrapBrokers: brokers, serializers: stringSerializers, acks: 1, partitioner: compatibilityPartitioner, autocreateTopics: false });
  const produce = await timedSends(messages, (batch) =>
    producer.send({ messages: batch.map((m) => ({ topic, key: m.key, value: m.value, headers: new Map(Object.entries(m.headers)) })) }),
  );
  await producer.close();

  const consumer = new PlatformaticConsumer({ clientId: 'bench-kafka-client', groupId: `${topic}-group`, bootstrapBrokers: brokers, ...FETCH });
  const clock = new ConsumeClock(messages.length);
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  stream.on('data', (message) => clock.add(platformaticRecord(message)));
  const consume = await clock.done;
  await stream.close();
  await consumer.close();
  return { produce, consume };
}

async function perPartition(admin: Admin, topic: string): Promise<number[]> {
  const offsets = await admin.listOffsets({ topics: [{ name: topic, partitions: [] }] }).catch(() => undefined);
  if (!offsets) return [];
  return offsets.flatMap((t) => t.partitions.map((p) => ({ partition: p.partitionIndex, n: Number(p.offset) }))).sort((a, b) => a.partition - b.partition).map((p) => p.n);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

export async function runKafkaClientBench(options: { records: number; rounds: number; config?: Config; log?: (line: string) => void }): Promise<KafkaClientBenchResult> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? (() => undefined);
  const brokers = config.KAFKA_BROKERS.split(',').map((b) => b.trim());
  const reference = loadReferenceData(config);
  const generator = new OrderSimulator(reference, { seed: 14, count: options.records });
  const messages: WireMessage[] = [];
  for (let m = generator.next(); m; m = generator.next()) messages.push({ key: m.key, value: m.value, headers: m.headers });
  const meanValueBytes = Math.round(messages.reduce((n, m) => n + Buffer.byteLength(m.value), 0) / messages.length);
  log(`kafka-client: ${messages.length.toLocaleString('en-US')} simulator messages, ${meanValueBytes} bytes on average`);

  const kafka = createKafka(config, 'bench-kafka-client');
  const admin = new Admin({ clientId: 'bench-kafka-client', bootstrapBrokers: brokers });
  const stamp = `bench-kclient-${Date.now().toString(36)}`;
  const topics: string[] = [];
  const rounds: ClientRound[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const client of ['kafkajs', 'platformatic'] as const) {
        const topic = `${stamp}-${client}-${round}`;
        topics.push(topic);
        // A loaded broker may not have the new topic's leaders yet when kafkajs checks: ask again.
        await ensureTopics(kafka, [{ topic, partitions: config.KAFKA_PARTITIONS }]).catch(async () => {
          await sleep(2000);
          await ensureTopics(kafka, [{ topic, partitions: config.KAFKA_PARTITIONS }]);
        });
        const result = client === 'kafkajs' ? await kafkajsRound(kafka, topic, messages) : await platformaticRound(brokers, topic, messages);
        const entry: ClientRound = { client, round, ...result, perPartition: await perPartition(admin, topic), loadAverage: os.loadavg()[0]! };
        rounds.push(entry);
        log(`${client} round ${round}: produce ${entry.produce.recordsPerSec.toLocaleString('en-US')}/s, ${entry.produce.cpuSecPer100k} CPU s/100k; consume ${entry.consume.recordsPerSec.toLocaleString('en-US')}/s, ${entry.consume.cpuSecPer100k} CPU s/100k; load ${entry.loadAverage.toFixed(2)}`);
      }
    }
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.close();
  }
  const of = (client: ClientName, pick: (r: ClientRound) => number): number => median(rounds.filter((r) => r.client === client).map(pick));
  const both = (pick: (r: ClientRound) => number): number | null => ratio(of('platformatic', pick), of('kafkajs', pick));
  const partitionings = new Set(rounds.map((r) => r.perPartition.join(',')));
  return {
    records: messages.length,
    meanValueBytes,
    partitions: config.KAFKA_PARTITIONS,
    versions: { kafkajs: '2.2.4', platformatic: PLATFORMATIC_VERSION },
    rounds,
    ratios: { produceRate: both((r) => r.produce.recordsPerSec), consumeRate: both((r) => r.consume.recordsPerSec), produceCpu: both((r) => r.produce.cpuSecPer100k), consumeCpu: both((r) => r.consume.cpuSecPer100k) },
    samePartitioning: partitionings.size === 1,
  };
}
