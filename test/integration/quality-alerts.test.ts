// Data-quality alerts once per breach episode, on the real stack (issue 18, point 5): two surges of
// invalid records, each over several batches of three partitions at once and three hours apart in
// Kafka time, must make exactly two schema mails in maildev (one per episode), each Message-ID
// once. Batches of different partitions breach concurrently: per-batch sending with a shared
// sent-marker raced here and mailed one episode two or three times.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Partitioners } from 'kafkajs';
import { createKafka } from '../../src/kafka/client.ts';
import { qualityAlertsWorkflowId } from '../../src/contract/batch.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { TestPipeline, type BatchRun } from '../helpers/pipeline.ts';
import { caughtMail, type CaughtMail } from '../helpers/services.ts';
import { waitFor } from '../helpers/wait.ts';

const HOUR_MS = 3_600_000;
const PARTITIONS = [0, 1, 2];
/** Rounds per partition and episode, a second apart in wall time, each of more records than a batch holds. */
const ROUNDS = 3;
const VALID_PER_ROUND = 10;
const INVALID_PER_ROUND = 15;
/** Kafka time of the two surges: 3 h apart, more than ALERT_COOLDOWN (1 h), so two episodes. */
const EPISODES_MS = [Date.now() - 5 * HOUR_MS, Date.now() - 2 * HOUR_MS].map((t) => Math.floor(t / 60_000) * 60_000);

const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

/** A valid v3 order dated at its Kafka time (neither late nor future). */
const validOrder = (atMs: number): string =>
  JSON.stringify({
    orderId: unique('q'),
    orderDate: new Date(atMs).toISOString().slice(0, 19) + 'Z',
    customerId: unique('cust'),
    shippingAddress: 'Hauptstraße 5, Berlin, DE',
    totalAmount: 25,
    items: [{ productId: 'P001', quantity: 1 }],
    paymentMethod: 'PAYPAL',
    paymentStatus: 'PAID',
    orderStatus: 'PLACED',
    message: '',
  });

/** The mail's alert id, from its text (`Alert id: <topic>:dq:<check>:<field>:<episode start>:<n>`). */
const alertIdOf = (mail: CaughtMail): string => /Alert id: (\S+)/.exec(mail.text ?? '')?.[1] ?? '';

describe('data-quality alerts on the real stack', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '20', BATCH_MAX_WAIT_MS: '300', KAFKA_PARTITIONS: String(PARTITIONS.length) });
  let runs: BatchRun[] = [];
  let mails: CaughtMail[] = [];

  before(async () => {
    await pipeline.start();
    const producer = createKafka(pipeline.config).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (const episodeMs of EPISODES_MS) {
        // The first surge is processed before the second is sent: no batch holds records of both
        // (it would span three hours of Kafka time and, rightly, continue the first episode).
        if (episodeMs !== EPISODES_MS[0]) runs = await pipeline.waitUntilDrained(240_000);
        for (let round = 0; round < ROUNDS; round++) {
          // Every partition at once, so their batches breach concurrently.
          await Promise.all(
            PARTITIONS.map((partition) => {
              const at = episodeMs + round * 60_000 + partition * 1_000;
              const valid = Array.from({ length: VALID_PER_ROUND }, () => ({ value: validOrder(at), headers: { 'schema-version': '3' } }));
              const invalid = Array.from({ length: INVALID_PER_ROUND }, () => ({ value: JSON.stringify({ orderId: unique('bad'), note: 'not an order' }) }));
              const messages = [...valid, ...invalid].sort(() => Math.random() - 0.5).map((m) => ({ ...m, partition, key: 'k', timestamp: String(at) }));
              return producer.send({ topic: pipeline.config.KAFKA_TOPIC, messages });
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    } finally {
      await producer.disconnect();
    }
    runs = await pipeline.waitUntilDrained(240_000);

    // The mails come from the topic's quality-alerts workflow, after the batches: wait until both
    // episodes are mailed and it has nothing left to send, then a few seconds more for any extra copy.
    const ours = async () => (await caughtMail(pipeline.config)).filter((m) => m.to.some((t) => t.address === pipeline.config.ALERT_TO) && m.subject.startsWith('[data-quality]'));
    const handle = (await pipeline.client()).workflow.getHandle(qualityAlertsWorkflowId(pipeline.config.KAFKA_TOPIC));
    await waitFor(
      'a schema mail per episode, and no send in flight',
      async () => {
        const schema = (await ours()).filter((m) => alertIdOf(m).includes(':dq:schema:record:'));
        const { raw } = await handle.describe();
        return schema.length >= EPISODES_MS.length && (raw.pendingActivities ?? []).length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    mails = await ours();
  });

  after(async () => {
    await pipeline.stop();
  });

  it('breaches the schema check in several batches of every partition, in both surges', async (t) => {
    assert.ok(runs.length > 0 && runs.every((r) => r.status === 'COMPLETED'), 'every batch completed');
    const rows = await queryLake(pipeline.config, `SELECT batchId FROM {gold/dq_metrics} WHERE breached AND "check" = 'schema'`);
    const batches = rows.map((r) => String(r.batchId));
    const partitions = new Set(batches.map((id) => id.split('-').at(-2)));
    t.diagnostic(`${runs.length} batches, ${batches.length} breached the schema check; quality mails: ${mails.map(alertIdOf).join(', ')}`);
    assert.ok(batches.length >= 2 * PARTITIONS.length * 2, `breached batches: ${batches.length} (per-batch mails would have been that many)`);
    assert.deepEqual([...partitions].sort(), PARTITIONS.map(String), 'every partition breached');
  });

  it('sends exactly one schema mail per episode, the second one starting three hours of Kafka time later', () => {
    const schema = mails.filter((m) => alertIdOf(m).includes(':dq:schema:record:')).map(alertIdOf).sort();
    const episodes = EPISODES_MS.map((t) => new Date(t).toISOString());
    assert.equal(schema.length, 2, `schema mails: ${schema.join(', ')}`);
    for (const [i, id] of schema.entries()) {
      assert.ok(id.startsWith(`${pipeline.config.KAFKA_TOPIC}:dq:schema:record:${episodes[i]!.slice(0, 16)}`), `${id} opens the episode at ${episodes[i]}`);
      assert.ok(id.endsWith(':1'), `${id} is its episode's first and only mail`);
    }
  });

  it('sends every quality mail once: no Message-ID twice, one mail per check and episode', () => {
    const messageIds = mails.map((m) => String(m.headers?.['message-id'] ?? ''));
    assert.ok(messageIds.every(Boolean), 'every mail has a Message-ID');
    assert.equal(new Set(messageIds).size, messageIds.length, `repeated Message-IDs among ${messageIds.length} mails`);
    const perEpisode = new Map<string, number>();
    for (const id of mails.map(alertIdOf)) perEpisode.set(id.replace(/:\d+$/, ''), (perEpisode.get(id.replace(/:\d+$/, '')) ?? 0) + 1);
    assert.deepEqual([...perEpisode].filter(([, n]) => n > 1), [], 'a check and episode mailed twice');
  });
});
