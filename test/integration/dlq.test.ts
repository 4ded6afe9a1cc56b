// `orders dlq list|show|redrive` on the real stack: invalid simulated records are quarantined by
// the pipeline; the CLI lists exactly what DuckDB reads in the quarantine table, shows a record as
// Kafka holds it, and re-publishes records once each (a second redrive adds nothing to the topic).
// The redriven copies are still invalid, so the pipeline quarantines them again, naming their origin.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ListedMessage, ShownMessage } from '../../src/dlq/views.ts';
import type { RedriveResult } from '../../src/dlq/redrive.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { fetchRange } from '../../src/kafka/fetch-range.ts';
import type { KafkaRecord } from '../../src/kafka/record.ts';
import { ordersJson, runOrders } from '../helpers/cli.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { TestPipeline, type BatchRun } from '../helpers/pipeline.ts';

const INVALID_TYPES = ['missing-field', 'wrong-type', 'malformed-json', 'negative-amount', 'empty-items', 'unknown-version'] as const;

describe('the dead-letter queue: list, show, redrive', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '50', BATCH_MAX_WAIT_MS: '300' });
  let runs: BatchRun[];
  let quarantine: { id: string; reason: string; raw: string }[];
  let listed: ListedMessage[];

  const list = (...args: string[]): Promise<ListedMessage[]> => ordersJson<ListedMessage[]>(['dlq', 'list', '--limit', '10000', ...args], pipeline.env);
  const kafkaRecord = async (id: string): Promise<KafkaRecord> => {
    const [partition, offset] = id.split('-').map(Number);
    const [record] = await fetchRange(createKafka(pipeline.config), pipeline.config.KAFKA_TOPIC, partition!, offset!, offset!);
    assert.ok(record, `Kafka has ${id}`);
    return record;
  };
  const readQuarantine = async () =>
    (await queryLake(pipeline.config, `SELECT "partition" || '-' || "offset" AS id, reason, raw FROM {quarantine/orders} ORDER BY "partition", "offset"`)).map((r) => ({ id: String(r.id), reason: String(r.reason), raw: String(r.raw) }));

  before(async () => {
    await pipeline.start();
    await pipeline.simulate({ count: 300, rate: 300, seed: 21, anomalyRate: 0.08, anomalyTypes: INVALID_TYPES, startMs: Date.now(), eventRatePerHour: 300 * 3600, dailyRhythm: false });
    runs = await pipeline.waitUntilDrained(180_000);
    quarantine = await readQuarantine();
    listed = await list();
  });

  after(async () => {
    await pipeline.stop();
  });

  it('lists every quarantined record with its reason and batch, as DuckDB reads the quarantine table', () => {
    assert.ok(quarantine.length >= 5, `the run quarantined records (${quarantine.length})`);
    assert.deepEqual(new Map(listed.map((m) => [m.id, m.reason])), new Map(quarantine.map((q) => [q.id, q.reason])));
    for (const m of listed) {
      const run = runs.find((r) => r.workflowId === m.batchId);
      assert.ok(run && run.partition === m.partition && run.startOffset <= m.offset && m.offset <= run.endOffset, `${m.id} belongs to ${m.batchId}`);
    }
    const times = listed.map((m) => Date.parse(m.kafkaTime));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  });

  it('filters by reason text and by arrival time, and keeps the newest N', async () => {
    const field = listed[0]!.reason.split(':')[0]!;
    const byReason = await list('--reason', field.toUpperCase());
    assert.deepEqual(byReason.map((m) => m.id).sort(), quarantine.filter((q) => q.reason.toLowerCase().includes(field.toLowerCase())).map((q) => q.id).sort());
    assert.equal((await list('--since', '7d')).length, quarantine.length);
    assert.deepEqual((await ordersJson<ListedMessage[]>(['dlq', 'list', '--limit', '3'], pipeline.env)).map((m) => m.id), listed.slice(0, 3).map((m) => m.id));
  });

  it('shows one record whole: payload, reasons, key and headers as Kafka holds them', async () => {
    const id = listed.find((m) => m.reason.includes('schema-version'))?.id ?? listed[0]!.id;
    const shown = await ordersJson<ShownMessage>(['dlq', 'show', id], pipeline.env);
    const record = await kafkaRecord(id);
    assert.equal(shown.id, id);
    assert.equal(shown.topic, pipeline.config.KAFKA_TOPIC);
    assert.equal(`${shown.partition}-${shown.offset}`, id);
    assert.equal(shown.key, record.key);
    assert.deepEqual(shown.headers, record.headers);
    const value = typeof record.value === 'string' ? record.value : Buffer.from(record.value!).toString('utf8');
    assert.equal(typeof shown.payload === 'string' ? shown.payload : JSON.stringify(shown.payload), typeof shown.payload === 'string' ? value : JSON.stringify(JSON.parse(value)));
    assert.deepEqual(shown.reasons, quarantine.find((q) => q.id === id)!.reason.split('; '));
    assert.match(shown.batchUrl, new RegExp(`/workflows/${shown.batchId}$`));
    assert.deepEqual(shown.redriveOf, []);

    const text = await runOrders(['dlq', 'show', id], pipeline.env);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`^id\\s+${id}$`, 'm'));
    assert.match(text.stdout, /^reasons$/m);
  });

  describe('redrive', () => {
    let chosen: string[];
    let first: RedriveResult[];
    let highBefore: number;

    const highWatermarkSum = async (): Promise<number> => [...(await pipeline.highWatermarks()).values()].reduce((a, b) => a + b, 0);

    before(async () => {
      chosen = [listed.at(-1)!.id, listed[0]!.id];
      highBefore = await highWatermarkSum();
      first = await ordersJson<RedriveResult[]>(['dlq', 'redrive', '--id', ...chosen], pipeline.env);
    });

    it('re-publishes each record to its partition with its key, bytes and headers, naming the original', async () => {
      assert.deepEqual(first.map((r) => r.outcome), ['redriven', 'redriven']);
      assert.deepEqual(new Set(first.map((r) => r.id)), new Set(chosen));
      assert.equal(await highWatermarkSum(), highBefore + 2, 'two records added to the topic');
      for (const result of first) {
        const [original, copy] = await Promise.all([kafkaRecord(result.id), kafkaRecord(result.copyId)]);
        assert.equal(result.copyId.split('-')[0], result.id.split('-')[0], 'same partition');
        assert.equal(copy.key, original.key);
        assert.equal(copy.value, original.value);
        assert.deepEqual(copy.headers, { ...original.headers, 'redrive-of': result.id });
      }
    });

    it('does nothing the second time: no new record on the topic', async () => {
      const again = await ordersJson<RedriveResult[]>(['dlq', 'redrive', '--id', ...chosen], pipeline.env);
      assert.deepEqual(again.map((r) => [r.outcome, r.copyId]), first.map((r) => ['already-redriven', r.copyId]));
      assert.equal(await highWatermarkSum(), highBefore + 2);
    });

    it('lands a still-invalid copy in the quarantine again, with its reason and its origin', async () => {
      await pipeline.waitUntilDrained(180_000);
      const after = await list();
      for (const result of first) {
        const copy = after.find((m) => m.id === result.copyId);
        assert.ok(copy, `copy ${result.copyId} is quarantined`);
        assert.equal(copy.reason, quarantine.find((q) => q.id === result.id)!.reason);
        assert.equal(after.find((m) => m.id === result.id)!.redrivenAs, result.copyId);
        const shown = await ordersJson<ShownMessage>(['dlq', 'show', result.copyId], pipeline.env);
        assert.deepEqual(shown.redriveOf.map((r) => r.id), [result.id]);
      }
    });

    it('--all re-publishes every record not redriven before, and only those', async () => {
      const before = await list();
      const results = await ordersJson<RedriveResult[]>(['dlq', 'redrive', '--all'], pipeline.env);
      const redriven = results.filter((r) => r.outcome === 'redriven').map((r) => r.id).sort();
      assert.deepEqual(redriven, before.filter((m) => m.redrivenAs === undefined).map((m) => m.id).sort());
      assert.deepEqual(results.filter((r) => r.outcome === 'already-redriven').map((r) => r.id).sort(), [...chosen].sort());
      assert.equal(await highWatermarkSum(), highBefore + 2 + redriven.length);
    });
  });

  it('answers mistakes with usage and exit code 2, never a stack trace', async () => {
    for (const args of [['dlq', 'show', 'seven'], ['dlq', 'show', '0-999999'], ['dlq', 'redrive'], ['dlq', 'redrive', '--id', '0-1', '--all'], ['dlq', 'list', '--limit', 'x'], ['dlq', 'list', '--since', '3 days'], ['dlq', 'list', '--bogus'], ['report', '--since', 'yesterday']]) {
      const result = await runOrders(args, pipeline.env);
      assert.equal(result.code, 2, `orders ${args.join(' ')}`);
      assert.match(result.stderr, /Usage: orders /, `orders ${args.join(' ')} prints usage`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, `orders ${args.join(' ')} prints no stack trace`);
    }
  });
});
