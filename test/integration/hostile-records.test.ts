// No record can stop a partition, on the real stack: hostile records (a 1.8e306 total, a 3e9
// quantity, 20,000 items, a 300-character customer id, an unparsable v3 date, a Kafka timestamp in
// the year 20000, deep JSON, control/bidi/CJK text, a near-1 MB value, a producer's own `reason`
// header) go to every partition, then one normal order per partition. Every normal order must be
// in silver within 60 s, every hostile record in bronze or the quarantine, no batch may fail, and
// the DLQ copies must carry the pipeline's headers (the producer's kept as original-*) and a claim
// check for the record too large to copy. No workflow history holds a customer id or address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Partitioners, type Producer } from 'kafkajs';
import { createKafka } from '../../src/kafka/client.ts';
import { fetchRange } from '../../src/kafka/fetch-range.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { TestPipeline, type BatchRun } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const NORMAL_WITHIN_MS = 60_000;

/** Customer data of every order sent, each value unique: none of it may appear in a Temporal history. */
const customerData: string[] = [];
const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

const order = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
  const customerId = unique('cust');
  const street = `${unique('Geheimweg')} 5`;
  customerData.push(customerId, street);
  return {
    orderId: unique('h'),
    orderDate: new Date().toISOString().slice(0, 19) + 'Z',
    dateOrder: new Date().toISOString().slice(0, 10),
    customerId,
    shippingAddress: `${street}, Berlin, DE`,
  totalAmount: 25,
  items: [{ productId: 'P001', quantity: 1 }],
  paymentMethod: 'PAYPAL',
  paymentStatus: 'PAID',
  orderStatus: 'PLACED',
    message: '',
    ...overrides,
  };
};

/** Every string in a decoded history, payloads (JSON bytes) included. */
function textsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) textsOf(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) textsOf(v, out);
  return out;
}

interface Hostile {
  name: string;
  value: string;
  headers?: Record<string, string>;
  timestamp?: string;
  /** Where it must end: silver, or the quarantine with a reason starting with this field. */
  expect: 'silver' | { quarantine: string };
}

const YEAR_20000_MS = '568971820800000';

const HOSTILE: Hostile[] = [
  { name: 'total 1.8e306', value: JSON.stringify(order({ totalAmount: 1.8e306 })), expect: { quarantine: 'totalAmount' } },
  { name: 'quantity 3e9', value: JSON.stringify(order({ items: [{ productId: 'P001', quantity: 3e9 }] })), expect: { quarantine: 'items[0].quantity' } },
  { name: '20,000 items', value: JSON.stringify(order({ items: Array.from({ length: 20_000 }, () => ({ productId: 'P001', quantity: 1 })) })), expect: { quarantine: 'items' } },
  { name: '300-character customer id', value: JSON.stringify(order({ customerId: '7'.repeat(300) })), expect: { quarantine: 'customerId' } },
  { name: 'unparsable v3 date', value: JSON.stringify(order({ orderDate: 'garbage' })), headers: { 'schema-version': '3' }, expect: { quarantine: 'orderDate' } },
  { name: 'Kafka timestamp in the year 20000', value: JSON.stringify(order()), timestamp: YEAR_20000_MS, expect: { quarantine: 'kafkaTimestamp' } },
  { name: 'deep JSON in an unknown field', value: JSON.stringify(order()).replace(/}$/, `,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`), expect: 'silver' },
  { name: 'control, bidi and CJK text', value: JSON.stringify(order({ message: '\u0007\u001b[31m\u202Egnp.exe 注文', shippingAddress: '東京都千代田区1, Tokyo, JP' })), expect: 'silver' },
  { name: 'every bound at its limit', value: JSON.stringify(order({ items: Array.from({ length: 1_000 }, () => ({ productId: 'P001', quantity: 1_000_000 })), totalAmount: 100_000_000 })), expect: 'silver' },
  { name: "a producer's own reason header", value: JSON.stringify(order({ totalAmount: -5 })), headers: { reason: 'all fine', 'batch-id': 'mine', 'source-offset': '0' }, expect: { quarantine: 'totalAmount' } },
  { name: 'a value near 1 MB', value: JSON.stringify(order({ orderStatus: 'LOST', message: 'x'.repeat(950_000) })), expect: { quarantine: 'orderStatus' } },
];

describe('hostile records never stop a partition', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '20', BATCH_MAX_WAIT_MS: '300' });
  const sent = new Map<string, { hostile: Hostile; partition: number; offset: number }>();
  const normal = new Map<number, string>();
  let normalSentAt = 0;
  let runs: BatchRun[] = [];

  const send = async (producer: Producer, partition: number, message: { value: string; headers?: Record<string, string>; timestamp?: string }): Promise<number> => {
    const [meta] = await producer.send({ topic: pipeline.config.KAFKA_TOPIC, messages: [{ partition, key: '42', ...message }] });
    return Number(meta!.baseOffset);
  };

  before(async () => {
    await pipeline.start();
    const kafka = createKafka(pipeline.config);
    // Kafka 4 refuses timestamps more than an hour ahead by default; a producer can still send one
    // where the topic allows it, and the pipeline must cope: allow it on this test's topic.
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2 /* TOPIC */, name: pipeline.config.KAFKA_TOPIC, configEntries: [{ name: 'message.timestamp.after.max.ms', value: '9223372036854775807' }] }],
    });
    await admin.disconnect();

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const partitions = pipeline.config.KAFKA_PARTITIONS;
      for (const [i, hostile] of HOSTILE.entries()) {
        const partition = i % partitions;
        const offset = await send(producer, partition, { value: hostile.value, headers: hostile.headers, timestamp: hostile.timestamp });
        sent.set(`${partition}-${offset}`, { hostile, partition, offset });
      }
      normalSentAt = Date.now();
      for (let partition = 0; partition < partitions; partition++) {
        // High-value (above 4,000 USD): each raises a fraud alert, so alert ids pass through Temporal.
        const orderId = `normal-${pipeline.name}-${partition}`;
        await send(producer, partition, { value: JSON.stringify(order({ orderId, totalAmount: 4_500 })), headers: { 'schema-version': '3' } });
        normal.set(partition, orderId);
      }
    } finally {
      await producer.disconnect();
    }
  });

  after(async () => {
    await pipeline.stop();
  });

  it('puts every normal order into silver within 60 s, on every partition', async () => {
    const ids = [...normal.values()];
    await waitFor(
      'one normal order per partition in silver',
      async () => {
        const rows = await queryLake(pipeline.config, `SELECT orderId FROM {silver/orders} WHERE orderId IN (${ids.map((id) => `'${id}'`).join(',')})`).catch(() => []);
        return rows.length === ids.length || undefined;
      },
      { timeoutMs: NORMAL_WITHIN_MS - (Date.now() - normalSentAt), intervalMs: 1_000 },
    );
    runs = await pipeline.waitUntilDrained(120_000);
  });

  it('fails no batch', () => {
    assert.deepEqual(runs.filter((r) => r.status !== 'COMPLETED').map((r) => `${r.workflowId} ${r.status}`), []);
  });

  it('keeps customer ids and addresses out of every workflow history (fraud alerts included)', async () => {
    const client = await pipeline.client();
    const fraudCount = Number((await queryLake(pipeline.config, 'SELECT count(*) AS n FROM {gold/fraud_alerts}'))[0]!.n);
    assert.ok(fraudCount >= normal.size, `the run raised fraud alerts (${fraudCount})`);
    for (const run of runs) {
      const history = await client.workflow.getHandle(run.workflowId).fetchHistory();
      const text = textsOf(history).join('\n');
      assert.ok(text.includes('"rawKey"'), 'payloads are read (the workflow input names its raw object)');
      const leaked = customerData.filter((value) => text.includes(value));
      assert.deepEqual(leaked, [], `${run.workflowId} holds no customer data`);
    }
  });

  it('puts every hostile record into silver or the quarantine, with the reason its breach names', async () => {
    const silver = new Set((await queryLake(pipeline.config, `SELECT "partition" || '-' || "offset" AS id FROM {silver/orders}`)).map((r) => String(r.id)));
    const quarantine = new Map((await queryLake(pipeline.config, `SELECT "partition" || '-' || "offset" AS id, reason FROM {quarantine/orders}`)).map((r) => [String(r.id), String(r.reason)]));
    for (const [id, { hostile }] of sent) {
      if (hostile.expect === 'silver') assert.ok(silver.has(id), `${hostile.name} (${id}) is in silver${quarantine.has(id) ? `, not quarantined: ${quarantine.get(id)}` : ''}`);
      else assert.ok(quarantine.get(id)?.startsWith(`${hostile.expect.quarantine}: `), `${hostile.name} (${id}) is quarantined for ${hostile.expect.quarantine}: ${quarantine.get(id) ?? 'missing'}`);
    }
  });

  it("copies to the DLQ with the pipeline's headers winning, and a claim check for the record too large to copy", async () => {
    const kafka = createKafka(pipeline.config);
    const dlq = pipeline.config.KAFKA_DLQ_TOPIC;
    const admin = kafka.admin();
    await admin.connect();
    const high = (await admin.fetchTopicOffsets(dlq))[0]!.high;
    await admin.disconnect();
    const copies = new Map((await fetchRange(kafka, dlq, 0, 0, Number(high) - 1)).map((r) => [r.key!, r]));

    const spoofed = [...sent.values()].find((s) => s.hostile.name === "a producer's own reason header")!;
    const copy = copies.get(`${spoofed.partition}-${spoofed.offset}`);
    assert.ok(copy, 'the spoofed record has a DLQ copy');
    assert.match(copy.headers.reason!, /^totalAmount: /);
    assert.equal(copy.headers['source-offset'], String(spoofed.offset));
    assert.equal(copy.headers['batch-id']!.startsWith(`${pipeline.config.KAFKA_TOPIC}-${spoofed.partition}-`), true);
    assert.deepEqual([copy.headers['original-reason'], copy.headers['original-batch-id'], copy.headers['original-source-offset']], ['all fine', 'mine', '0']);

    const large = [...sent.values()].find((s) => s.hostile.name === 'a value near 1 MB')!;
    const claim = copies.get(`${large.partition}-${large.offset}`);
    assert.ok(claim, 'the near-1 MB record has a DLQ copy');
    assert.equal(claim.headers['claim-check'], 'raw');
    const body = JSON.parse(String(claim.value)) as { claimCheck: { rawKey: string; offset: number }; reason: string };
    assert.equal(body.claimCheck.offset, large.offset);
    assert.match(body.claimCheck.rawKey, new RegExp(`^raw/orders/batch_date=\\d{4}-\\d{2}-\\d{2}/partition=${large.partition}/`));
    assert.match(body.reason, /orderStatus: /);
  });
});
