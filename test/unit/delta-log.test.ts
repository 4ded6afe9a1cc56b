// The Delta log this project writes (src/lake/delta): commit files, replay, statistics, schema
// evolution, and the committer's activity on a file:// lake (idempotent, one version per table).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDeltaCommitActivities } from '../../src/activities/delta-commit.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { silverItemsKey, silverOrdersKey } from '../../src/lake/keys.ts';
import { TABLES, writeParquet } from '../../src/lake/parquet.ts';
import { extendTable } from '../../src/lake/tables.ts';
import {
  applyCommit,
  commitKey,
  decodeCommit,
  DeltaLog,
  DELTA_TABLES,
  emptySnapshot,
  encodeCommit,
  fileStatsOf,
  liveDataKeys,
  planCommit,
  schemaStringOf,
  type DeltaAction,
} from '../../src/lake/delta/index.ts';

const silver = DELTA_TABLES.get('silver/orders')!;
const facts = (key: string) => ({ key, size: 100, stats: { numRecords: 1, minValues: {}, maxValues: {}, nullCount: {} } });

void describe('the Delta log', () => {
  void it('names commits by their 20-digit version and keeps one action per line', () => {
    assert.equal(commitKey('silver/orders', 7), 'silver/orders/_delta_log/00000000000000000007.json');
    const actions: DeltaAction[] = [{ txn: { appId: 'orders-0', version: 9 } }, { commitInfo: { timestamp: 1, operation: 'WRITE', operationParameters: {} } }];
    const text = encodeCommit(actions);
    assert.equal(text.split('\n').length, 3, 'two lines and a final newline');
    assert.deepEqual(decodeCommit(text), actions);
    assert.throws(() => decodeCommit('{"add":\n'), /line 1 is not JSON/);
  });

  void it('starts a table with protocol 1/2 and its schema and partition columns, and adds files with their partition values', () => {
    const key = silverOrdersKey('2026-11-28', 3, 100, 199);
    const actions = planCommit({ table: silver, snapshot: emptySnapshot(), add: [facts(key)], txns: new Map([['orders-3', 199]]), timestampMs: 1000, operation: 'WRITE' })!;
    assert.deepEqual(actions[0], { protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    const meta = (actions[1] as { metaData: { partitionColumns: string[]; schemaString: string } }).metaData;
    assert.deepEqual(meta.partitionColumns, ['order_date']);
    const fields = (JSON.parse(meta.schemaString) as { fields: { name: string; type: string }[] }).fields;
    assert.equal(fields.length, TABLES.silverOrders.columns.length + 1);
    assert.deepEqual(fields.at(-1), { name: 'order_date', type: 'date', nullable: true, metadata: {} });
    assert.deepEqual(fields.find((f) => f.name === 'orderTs')?.type, 'timestamp');
    const add = (actions[2] as { add: { path: string; partitionValues: Record<string, string> } }).add;
    assert.equal(add.path, 'order_date=2026-11-28/part-3-00000000000000000100-00000000000000000199.parquet');
    assert.deepEqual(add.partitionValues, { order_date: '2026-11-28' });
    assert.deepEqual(actions[3], { txn: { appId: 'orders-3', version: 199, lastUpdated: 1000 } });
    assert.ok('commitInfo' in actions[4]!);
    assert.deepEqual(planCommit({ table: silver, snapshot: emptySnapshot(), add: [facts(key)], txns: new Map([['orders-3', 199]]), timestampMs: 1000, operation: 'WRITE' }), actions, 'the same inputs give the same commit');
  });

  void it('replays commits: a later add of a path replaces it, a remove takes it out, txn keeps the highest version', () => {
    const snapshot = emptySnapshot();
    applyCommit(snapshot, 0, [{ add: { path: 'a', partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } }, { txn: { appId: 'p0', version: 5 } }]);
    applyCommit(snapshot, 1, [{ add: { path: 'a', partitionValues: {}, size: 2, modificationTime: 0, dataChange: true } }, { add: { path: 'b', partitionValues: {}, size: 3, modificationTime: 0, dataChange: true } }, { txn: { appId: 'p0', version: 3 } }]);
    applyCommit(snapshot, 2, [{ remove: { path: 'b', deletionTimestamp: 0, dataChange: true } }]);
    assert.deepEqual([...snapshot.files.keys()], ['a']);
    assert.equal(snapshot.files.get('a')!.size, 2);
    assert.equal(snapshot.txns.get('p0'), 5);
    assert.throws(() => applyCommit(snapshot, 5, []), /does not follow/);
  });

  void it('writes a metaData with the new schema when the table spec gained a nullable column (schema evolution), keeping the table id', () => {
    const snapshot = emptySnapshot();
    applyCommit(snapshot, 0, planCommit({ table: silver, snapshot, add: [], txns: new Map([['x', 1]]), timestampMs: 5, operation: 'WRITE' })!);
    const evolved = { ...silver, spec: extendTable<object, { giftNote: string | null }>(silver.spec, { giftNote: { type: 'STRING', nullable: true } }) };
    const actions = planCommit({ table: evolved, snapshot, add: [], txns: new Map([['x', 2]]), timestampMs: 6, operation: 'WRITE' })!;
    const meta = actions.find((a) => 'metaData' in a) as { metaData: { id: string; schemaString: string } };
    assert.equal(meta.metaData.id, snapshot.metadata!.id);
    assert.equal(meta.metaData.schemaString, schemaStringOf(evolved));
    assert.match(meta.metaData.schemaString, /"giftNote","type":"string","nullable":true/);
    assert.equal(planCommit({ table: silver, snapshot, add: [], txns: new Map([['x', 1]]), timestampMs: 7, operation: 'WRITE' }), undefined, 'nothing new: no commit');
  });

  void it('keeps statistics a reader may trust: nulls counted, strings compared as UTF-8 and left out past 32 characters, timestamps in ISO', () => {
    const stats = fileStatsOf(TABLES.quarantineOrders, [
      { partition: 1, offset: 7, kafkaTs: 1_764_000_000_123, reason: '\u{1F600} emoji', raw: 'x'.repeat(40) },
      { partition: 1, offset: 3, kafkaTs: 1_764_000_000_000, reason: '\uFF21 wide', raw: 'y' },
    ], ['partition']);
    assert.equal(stats.numRecords, 2);
    assert.deepEqual(stats.minValues, { offset: 3, kafkaTs: '2025-11-24T16:00:00.000Z', reason: '\uFF21 wide' });
    assert.deepEqual(stats.maxValues, { offset: 7, kafkaTs: '2025-11-24T16:00:00.123Z', reason: '\u{1F600} emoji' });
    assert.deepEqual(stats.nullCount, { offset: 0, kafkaTs: 0, reason: 0, raw: 0 });
  });
});

void describe('the committer activity on a file:// lake', () => {
  let dir: string;
  let lake: FileLakeStore;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'delta-unit-'));
    lake = new FileLakeStore(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const order = (orderId: string, offset: number) => ({
    orderId, customerId: 'c1', orderTs: 1_764_000_000_000, orderDate: '2026-11-28', totalAmount: 10, totalAmountUsd: 10, paymentMethod: 'card', paymentStatus: 'paid', orderStatus: 'new',
    message: '', shippingStreet: 's', city: 'c', country: 'US', lat: null, lon: null, itemCount: 1, schemaVersion: 2, partition: 0, offset, kafkaTs: 1_764_000_000_000,
    customerName: 'n', customerSegment: 'Normal', customerAgeBand: '30-39', homeCity: 'c', homeCountry: 'US', distanceFromHomeKm: null, shipsToHome: true,
  });

  void it('commits the requests of a round in one version per table, and a retried round adds nothing', async () => {
    const keys = [silverOrdersKey('2026-11-28', 0, 0, 9), silverOrdersKey('2026-11-28', 0, 10, 19)];
    await lake.put(keys[0]!, writeParquet(TABLES.silverOrders, [order('a', 0), order('b', 1)]));
    await lake.put(keys[1]!, writeParquet(TABLES.silverOrders, [order('c', 10)]));
    const { commitDeltaBatches } = createDeltaCommitActivities({ lake });
    const input = {
      topic: 'orders',
      timestampMs: 1000,
      requests: [
        { requester: 'orders-0-0', partition: 0, startOffset: 0, endOffset: 9, keys: [keys[0]!] },
        { requester: 'orders-0-10', partition: 0, startOffset: 10, endOffset: 19, keys: [keys[1]!] },
      ],
    };
    const first = await commitDeltaBatches(input);
    assert.deepEqual(first.commits, [{ table: 'silver/orders', version: 0, added: 2, removed: 0, files: 2 }]);
    assert.deepEqual(await commitDeltaBatches(input), { commits: [] }, 'a retry commits nothing');
    const snapshot = await new DeltaLog(lake, 'silver/orders').snapshot();
    assert.equal(snapshot.version, 0);
    assert.equal(snapshot.txns.get('orders-0'), 19);
    const stats = [...snapshot.files.values()].map((f) => (JSON.parse(f.stats!) as { numRecords: number }).numRecords).sort();
    assert.deepEqual(stats, [1, 2]);
    assert.deepEqual(await liveDataKeys(lake, 'silver/orders'), [...keys].sort());
  });

  void it('commits a batch that arrives after a later one of its partition (the txn version alone would skip it)', async () => {
    const late = silverOrdersKey('2026-11-28', 0, 20, 29);
    const later = silverOrdersKey('2026-11-28', 0, 30, 39);
    await lake.put(late, writeParquet(TABLES.silverOrders, [order('d', 20)]));
    await lake.put(later, writeParquet(TABLES.silverOrders, [order('e', 30)]));
    const { commitDeltaBatches } = createDeltaCommitActivities({ lake });
    await commitDeltaBatches({ topic: 'orders', timestampMs: 2000, requests: [{ requester: 'orders-0-30', partition: 0, startOffset: 30, endOffset: 39, keys: [later] }] });
    await commitDeltaBatches({ topic: 'orders', timestampMs: 3000, requests: [{ requester: 'orders-0-20', partition: 0, startOffset: 20, endOffset: 29, keys: [late] }] });
    const keys = await liveDataKeys(lake, 'silver/orders');
    assert.ok(keys.includes(late) && keys.includes(later));
  });

  void it('refuses a request naming a file that is not there, and a key outside the tables', async () => {
    const { commitDeltaBatches } = createDeltaCommitActivities({ lake });
    const missing = silverItemsKey('2026-11-28', 1, 0, 9);
    await assert.rejects(commitDeltaBatches({ topic: 'orders', timestampMs: 1, requests: [{ requester: 'x', partition: 1, startOffset: 0, endOffset: 9, keys: [missing] }] }), /is missing/);
    await assert.rejects(commitDeltaBatches({ topic: 'orders', timestampMs: 1, requests: [{ requester: 'x', partition: 1, startOffset: 0, endOffset: 9, keys: ['state/partition=1/x.json'] }] }), /not a data file/);
    assert.equal((await new DeltaLog(lake, 'silver/order_items').snapshot()).version, -1);
  });
});
