// The simulator against the real Kafka of the local stack: a seeded run to a fresh topic is read
// back and checked against its truth file, and a second run with the same seed is identical.
// Kafka down fails the test naming Kafka (withService); it never skips.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logLevel, type Kafka } from 'kafkajs';
import { loadConfig } from '../../src/config.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { decodeOrder } from '../../src/schemas/index.ts';
import { ANOMALY_TYPES, connectKafkaSink, OrderSimulator, simulate, type SimulateOptions, type SimulationSummary, type TruthRecord } from '../../src/simulator/index.ts';
import { withService } from '../helpers/services.ts';
import { uniqueName, waitFor } from '../helpers/wait.ts';

const config = loadConfig();
const reference = loadReferenceData(config);
const COUNT = 6000;
const OPTIONS: SimulateOptions = { seed: 42, count: COUNT, anomalyRate: 0.25, batchSize: 500 };

interface Consumed {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

interface Run {
  topic: string;
  summary: SimulationSummary;
  truthText: string;
  truth: TruthRecord[];
  consumed: Consumed[];
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'simulator-it-'));
const topics: string[] = [];
let kafka: Kafka;

/** Reads a topic from the beginning until `expected` messages arrived. */
async function consumeAll(topic: string, expected: number): Promise<Consumed[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('simulator-it') });
  const out: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = String(Array.isArray(value) ? value[0] : value);
        out.push({ partition, offset: Number(message.offset), key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers });
      },
    });
    await waitFor(`${expected} messages on ${topic} (have ${out.length})`, () => out.length >= expected, { timeoutMs: 90_000 });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

async function runOnce(label: string): Promise<Run> {
  const topic = uniqueName(`simulator-it-${label}`);
  topics.push(topic);
  const truthFile = path.join(dir, `${label}.jsonl`);
  const sink = await connectKafkaSink(config, topic);
  let summary: SimulationSummary;
  try {
    summary = await simulate({ ...OPTIONS, truthFile, topic }, { sink, reference });
  } finally {
    await sink.close();
  }
  const truthText = readFileSync(truthFile, 'utf8');
  const truth = truthText.trimEnd().split('\n').map((line) => JSON.parse(line) as TruthRecord);
  const consumed = await consumeAll(topic, COUNT);
  return { topic, summary, truthText, truth, consumed };
}

const count = <T>(items: readonly T[], keyOf: (item: T) => string | undefined): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

const byPartition = (consumed: Consumed[]): Map<number, Omit<Consumed, 'offset' | 'partition'>[]> => {
  const out = new Map<number, Omit<Consumed, 'offset' | 'partition'>[]>();
  for (const c of [...consumed].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    out.set(c.partition, [...(out.get(c.partition) ?? []), { key: c.key, value: c.value, headers: c.headers }]);
  }
  return out;
};

describe('the simulator on the real Kafka', () => {
  let first: Run;

  before(async () => {
    kafka = createKafka(config, uniqueName('simulator-it'));
    kafka.logger().setLogLevel(logLevel.NOTHING);
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (topics.length === 0 || !kafka) return;
    const admin = kafka.admin();
    await admin.connect().then(() => admin.deleteTopics({ topics }).catch(() => {})).catch(() => {});
    await admin.disconnect().catch(() => {});
  });

  it('a seeded run arrives whole: every message matches its truth line, counted per version and per anomaly type', { timeout: 180_000 }, async () => {
    await withService('kafka', async () => {
      first = await runOnce('first');
      const { summary, truth, consumed } = first;
      assert.equal(summary.sent, COUNT);
      assert.equal(truth.length, COUNT);
      assert.equal(consumed.length, COUNT);

      // Pair each consumed message with a truth line of the same bytes (a duplicate has two). The
      // truth file does not hold the bytes; the generator is deterministic, so regenerate them.
      const byValue = new Map<string, TruthRecord[]>();
      const generator = new OrderSimulator(reference, { ...OPTIONS });
      for (let m = generator.next(); m; m = generator.next()) {
        assert.deepEqual(m.truth, truth[m.truth.seq]);
        byValue.set(m.value, [...(byValue.get(m.value) ?? []), m.truth]);
      }
      const matched: TruthRecord[] = [];
      for (const c of consumed) {
        const candidates = byValue.get(c.value);
        assert.ok(candidates && candidates.length > 0, `a consumed message matches no truth line: ${c.value.slice(0, 80)}`);
        const t = candidates.shift()!;
        matched.push(t);
        assert.equal(c.key, t.key);
        assert.deepEqual(c.headers, t.headerSent ? { 'schema-version': String(t.version) } : {});
      }
      assert.deepEqual([...byValue.values()].flat(), [], 'truth lines without a consumed message');
      assert.deepEqual(matched.map((t) => t.seq).sort((a, b) => a - b), truth.map((t) => t.seq));

      // Per version: headers on the wire against the truth file and the summary.
      const wireVersions = count(consumed, (c) => c.headers['schema-version'] ?? 'none');
      const truthVersions = count(truth, (t) => (t.headerSent ? String(t.version) : 'none'));
      assert.deepEqual(wireVersions, truthVersions);
      assert.deepEqual(count(truth, (t) => String(t.version)), summary.perVersion);
      assert.equal(wireVersions.none, summary.headerless);

      // Per anomaly type: the consumed messages' truth against the truth file and the summary.
      const perAnomaly = (records: TruthRecord[]): Record<string, number> => count(records.flatMap((t) => [...t.fraud, ...(t.defect ? [t.defect] : [])]), (x) => x);
      assert.deepEqual(perAnomaly(matched), perAnomaly(truth));
      for (const type of ANOMALY_TYPES) assert.equal(perAnomaly(truth)[type] ?? 0, summary.perAnomaly[type], type);
      for (const type of ANOMALY_TYPES) assert.ok((summary.perAnomaly[type] ?? 0) > 0, `no ${type} in the run`);

      // What the pipeline's ingest will decide, message by message, is what the truth says.
      consumed.forEach((c, i) => {
        const t = matched[i]!;
        assert.equal(decodeOrder(c.value, c.headers).ok, t.valid, `${t.seq} ${t.defect}`);
      });

      // Keyed by customer: every customer's messages sit on one partition.
      const partitionsOf = new Map<string, Set<number>>();
      for (const c of consumed) partitionsOf.set(c.key, (partitionsOf.get(c.key) ?? new Set()).add(c.partition));
      for (const [key, partitions] of partitionsOf) assert.equal(partitions.size, 1, `customer ${key} spans partitions`);
    }, config);
  });

  it('a second run with the same seed sends the same messages, byte for byte, in the same order per partition', { timeout: 180_000 }, async () => {
    await withService('kafka', async () => {
      assert.ok(first, 'the first run did not complete');
      const second = await runOnce('second');
      assert.equal(second.truthText, first.truthText);
      assert.deepEqual(byPartition(second.consumed), byPartition(first.consumed));
      const { elapsedMs: _a, ratePerSec: _b, topic: _c, truthFile: _d, ...summary } = second.summary;
      const { elapsedMs: _e, ratePerSec: _f, topic: _g, truthFile: _h, ...firstSummary } = first.summary;
      assert.deepEqual(summary, firstSummary);
    }, config);
  });
});
