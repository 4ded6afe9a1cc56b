// The bridge's parts without Kafka or Temporal: the group generation, the per-partition queues,
// backpressure, start-and-adopt and the commit (docs/design.md §3). The whole bridge against the
// real stack is in test/integration/pipeline-crash.test.ts and two-of-each.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { commitAfterBatch } from '../../src/bridge/commit.ts';
import { GroupGeneration } from '../../src/bridge/group-generation.ts';
import { OpenBatches } from '../../src/bridge/open-batches.ts';
import type { CutBatch } from '../../src/bridge/partition-buffer.ts';
import { PartitionChains } from '../../src/bridge/partition-chains.ts';
import { batchInputOf, batchStartOptions, recordedEnd, startOrFindRecordedEnd } from '../../src/bridge/start-batch.ts';

const records = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ offset: from + i, key: 'c', timestamp: 0, headers: {}, value: '{}' }));

void describe('GroupGeneration', () => {
  void it('starts each partition at its committed offset, once per generation, and a never-committed one as its first batch', async () => {
    const asked: number[] = [];
    const group = new GroupGeneration(async (partition) => {
      asked.push(partition);
      return partition === 0 ? 100 : undefined;
    });
    group.join([1, 0]);
    const committed = await group.bufferFor(0);
    assert.equal(await group.bufferFor(0), committed, 'the same buffer within a generation');
    committed.add(records(100, 3), 0);
    assert.deepEqual(committed.cut(10, 0)?.startOffset, 100);
    const fresh = await group.bufferFor(1);
    fresh.add(records(7, 2), 0);
    assert.equal(fresh.cut(10, 0)?.firstBatch, true);
    assert.deepEqual(asked, [0, 1]);
    assert.deepEqual(group.assigned, [0, 1], 'assignment sorted');
  });

  void it('forgets buffers, checks and backlog of the old assignment on a rebalance, and tells old work it is stale', async () => {
    const group = new GroupGeneration(async () => 0);
    group.join([0]);
    const gen = group.number;
    const before = await group.bufferFor(0);
    group.verified.add(0);
    group.pendingInKafka.set(0, 50);
    group.join([0, 2]);
    assert.equal(group.isCurrent(gen), false);
    assert.equal(group.isCurrent(group.number), true);
    assert.notEqual(await group.bufferFor(0), before, 'a fresh buffer re-read from the committed offset');
    assert.equal(group.verified.size, 0);
    assert.equal(group.pendingInKafka.size, 0);
  });
});

void describe('PartitionChains', () => {
  void it("runs a partition's tasks in the order queued, and goes on after one fails", async () => {
    const errors: unknown[] = [];
    const chains = new PartitionChains((partition, error) => errors.push([partition, (error as Error).message]));
    const ran: string[] = [];
    const slow = (name: string, ms: number) => () => new Promise<void>((resolve) => setTimeout(() => { ran.push(name); resolve(); }, ms));
    void chains.enqueue(0, slow('0a', 30));
    void chains.enqueue(0, () => Promise.reject(new Error('start failed')));
    void chains.enqueue(0, slow('0c', 1));
    void chains.enqueue(1, slow('1a', 1));
    await chains.settled();
    assert.deepEqual(ran, ['1a', '0a', '0c'], 'partition 1 does not wait for partition 0; 0c waits for 0a');
    assert.deepEqual(errors, [[0, 'start failed']]);
  });
});

void describe('OpenBatches', () => {
  void it('counts a batch open until its result settles, failed or not, per partition and in total', async () => {
    const gauge: number[] = [];
    const open = new OpenBatches((n) => gauge.push(n));
    let finish!: () => void;
    let fail!: (e: Error) => void;
    open.track(3, new Promise<void>((resolve) => (finish = resolve)));
    open.track(3, new Promise<void>((_, reject) => (fail = reject)));
    assert.equal(open.count, 2);
    assert.equal(open.hasOpen(3), true);
    assert.equal(open.hasOpen(4), false);
    finish();
    fail(new Error('workflow failed'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(open.count, 0);
    assert.equal(open.hasOpen(3), false);
    assert.deepEqual(gauge, [1, 2, 1, 0]);
  });

  void it('holds fetching, heartbeating, while the limit is reached, and lets go when a batch closes or the bridge stops', async () => {
    const open = new OpenBatches();
    let finish!: () => void;
    open.track(0, new Promise<void>((resolve) => (finish = resolve)));
    let beats = 0;
    const waiting = open.waitForRoom(1, async () => { beats++; }, () => false, 5);
    setTimeout(finish, 40);
    await waiting;
    assert.ok(beats >= 2, `heartbeats while waiting: ${beats}`);
    open.track(0, new Promise<void>(() => {}));
    await open.waitForRoom(1, async () => {}, () => true, 5); // stopping: returns at once
  });
});

void describe('start-and-adopt', () => {
  const batch: CutBatch = { startOffset: 1200, endOffset: 1202, records: records(1200, 3), firstBatch: false };
  const input = batchInputOf('orders', 3, batch, 'raw/orders/batch_date=2026-12-07/partition=3/1200-1202.jsonl.gz', '2026-12-07');
  const options = batchStartOptions('orders-3-1200', 'orders-queue', input);

  const fakeTemporal = (start: () => Promise<unknown>, describeRun: () => Promise<unknown>) =>
    ({ workflow: { start, getHandle: () => ({ describe: describeRun }) } }) as unknown as Pick<Client, 'workflow'>;
  const taken = () => Promise.reject(new WorkflowExecutionAlreadyStartedError('already started', 'orders-3-1200', 'processOrderBatch'));
  const notFound = () => Promise.reject(Object.assign(new Error('no such workflow'), { name: 'WorkflowNotFoundError' }));

  void it('starts the workflow with the range in input, memo and search attributes, rejecting a duplicate id', () => {
    assert.deepEqual(input, { topic: 'orders', partition: 3, startOffset: 1200, endOffset: 1202, rawKey: input.rawKey, recordCount: 3, firstBatch: false, batchDate: '2026-12-07' });
    assert.equal(options.workflowIdReusePolicy, 'REJECT_DUPLICATE');
    assert.deepEqual(options.memo, { partition: 3, startOffset: 1200, endOffset: 1202, rawKey: input.rawKey, recordCount: 3 });
    assert.deepEqual((options.typedSearchAttributes as { key: { name: string }; value: unknown }[]).map((pair) => [pair.key.name, pair.value]), [['Partition', 3], ['StartOffset', 1200], ['EndOffset', 1202], ['BatchDate', '2026-12-07']]);
    assert.equal(options.staticSummary, 'partition 3, offsets 1200..1202, 3 records, 2026-12-07');
  });

  void it('reports a start it made as no existing end', async () => {
    assert.equal(await startOrFindRecordedEnd(fakeTemporal(async () => ({}), notFound), options), undefined);
  });

  void it('adopts the range an existing run recorded when the id is taken', async () => {
    assert.equal(await startOrFindRecordedEnd(fakeTemporal(taken, async () => ({ memo: { endOffset: 1250 } })), options), 1250);
  });

  void it('rethrows when the id is taken but the run recorded no end, and any other start error', async () => {
    await assert.rejects(startOrFindRecordedEnd(fakeTemporal(taken, async () => ({ memo: {} })), options), WorkflowExecutionAlreadyStartedError);
    await assert.rejects(startOrFindRecordedEnd(fakeTemporal(() => Promise.reject(new Error('unavailable')), notFound), options), /unavailable/);
  });

  void it('finds no recorded end for a workflow that does not exist, and passes other describe errors on', async () => {
    assert.equal(await recordedEnd(fakeTemporal(taken, notFound), 'orders-3-1200'), undefined);
    await assert.rejects(recordedEnd(fakeTemporal(taken, () => Promise.reject(new Error('deadline exceeded'))), 'orders-3-1200'), /deadline exceeded/);
  });
});

void describe('the commit after a batch', () => {
  void it('commits the first offset after the batch', async () => {
    const commits: unknown[] = [];
    const ok = await commitAfterBatch({ commitOffsets: async (offsets) => void commits.push(...offsets) }, { warn: () => {} }, 'orders', 3, 1203);
    assert.equal(ok, true);
    assert.deepEqual(commits, [{ topic: 'orders', partition: 3, offset: '1203' }]);
  });

  void it('logs a commit refused after a rebalance instead of failing the batch: the new owner adopts it', async () => {
    const warned: string[] = [];
    const ok = await commitAfterBatch(
      { commitOffsets: () => Promise.reject(new Error('not the partition leader')) },
      { warn: ((_: unknown, msg: string) => void warned.push(msg)) as never },
      'orders',
      3,
      1203,
    );
    assert.equal(ok, false);
    assert.deepEqual(warned, ['offset commit failed']);
  });
});
