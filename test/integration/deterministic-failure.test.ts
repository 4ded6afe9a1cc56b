// A failure no retry can cure fails its batch at once, on the real stack: the state delta of the
// first batch overwritten with garbage, and a fresh worker (whose local state store starts empty,
// so it reads the lake), make the next batch fail as CorruptStateError, not retryable. The batch fails after one attempt (not after minutes of
// retries, not never), `orders batches list --failed` and `batches show` name it, and once the
// checkpoint is repaired `orders replay --wait` completes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Partitioners } from 'kafkajs';
import { createKafka } from '../../src/kafka/client.ts';
import { stateDeltaKey } from '../../src/lake/keys.ts';
import { openLake, type LakeStore } from '../../src/lake/store.ts';
import type { BatchRun } from '../../src/temporal/batch-runs.ts';
import { ordersJson } from '../helpers/cli.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

/** Far below what 60 bounded retries take (about 9 minutes): proof that the failure was not retried. */
const FAILS_WITHIN_MS = 60_000;

const order = (orderId: string): string =>
  JSON.stringify({
    orderId,
    orderDate: new Date().toISOString().slice(0, 19) + 'Z',
    dateOrder: new Date().toISOString().slice(0, 10),
    customerId: '42',
    shippingAddress: 'Lindenstraße 5, Berlin, DE',
    totalAmount: 25,
    items: [{ productId: 'P001', quantity: 1 }],
    paymentMethod: 'PAYPAL',
    paymentStatus: 'PAID',
    orderStatus: 'PLACED',
  });

describe('a deterministic failure fails its batch at once, and replay heals it', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '20', BATCH_MAX_WAIT_MS: '300' });
  let lake: LakeStore;
  let goodState: Uint8Array;
  let failedId = '';
  const second = `second-${pipeline.name}`;
  const DELTA = stateDeltaKey(0, 0, 1, true);

  const send = async (value: string): Promise<void> => {
    const producer = createKafka(pipeline.config).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: pipeline.config.KAFKA_TOPIC, messages: [{ partition: 0, key: '42', value, headers: { 'schema-version': '3' } }] });
    await producer.disconnect();
  };

  before(async () => {
    await pipeline.start();
    lake = openLake(pipeline.config);
    await send(order(`first-${pipeline.name}`));
    await pipeline.waitUntilDrained(120_000);
    // The state delta of the first batch [0, 0], which the next batch reads: corrupt it, and start a
    // fresh worker, which must read it from the lake.
    goodState = (await lake.get(DELTA))!;
    assert.ok(goodState, 'the first batch wrote its state delta');
    await lake.put(DELTA, new TextEncoder().encode('not a state delta'), 'application/gzip');
    await pipeline.replaceWorkers({});
    await send(order(second));
  });

  after(async () => {
    await pipeline.stop();
  });

  it('fails the batch after one attempt, typed CorruptStateError, listed by `orders batches list --failed`', async () => {
    const sentAt = Date.now();
    const failed = await waitFor(
      'the batch after the corrupt checkpoint to fail',
      async () => {
        const runs = await ordersJson<BatchRun[]>(['batches', 'list', '--failed'], pipeline.env);
        return runs.length > 0 ? runs : undefined;
      },
      { timeoutMs: FAILS_WITHIN_MS, intervalMs: 1_000 },
    );
    assert.ok(Date.now() - sentAt < FAILS_WITHIN_MS);
    assert.deepEqual(failed.map((r) => [r.partition, r.startOffset]), [[0, 1]]);
    failedId = failed[0]!.workflowId;

    const shown = await ordersJson<{ status: string; failure?: string }>(['batches', 'show', failedId], pipeline.env);
    assert.equal(shown.status, 'FAILED');
    assert.match(shown.failure ?? '', /partition state is unreadable/);

    // The history holds the activity's one attempt and its failure type.
    const history = await (await pipeline.client()).workflow.getHandle(failedId).fetchHistory();
    const events = history.events!;
    const activityFailures = events.filter((e) => e.activityTaskFailedEventAttributes).map((e) => e.activityTaskFailedEventAttributes!);
    assert.deepEqual(activityFailures.map((f) => [f.failure?.applicationFailureInfo?.type, f.failure?.applicationFailureInfo?.nonRetryable]), [['CorruptStateError', true]]);
    const startedOfFailed = events.find((e) => String(e.eventId) === String(activityFailures[0]!.startedEventId))!;
    assert.equal(startedOfFailed.activityTaskStartedEventAttributes!.attempt, 1, 'failed on its first attempt, not retried');
  });

  it('completes the batch on `orders replay --wait` once the checkpoint is repaired', async () => {
    await lake.put(DELTA, goodState, 'application/gzip');
    const replayed = await ordersJson<{ workflowId: string; replayed: boolean; outcome?: string }[]>(['replay', failedId, '--wait'], pipeline.env);
    assert.deepEqual(replayed.map((r) => [r.workflowId, r.replayed, r.outcome]), [[failedId, true, 'COMPLETED']]);
    const rows = await queryLake(pipeline.config, `SELECT orderId FROM {silver/orders} WHERE orderId = '${second}'`);
    assert.equal(rows.length, 1, 'the order of the healed batch is in silver');
  });
});
