// Delta checkpoints and maintenance, the logic without servers (src/lake/delta/checkpoint.ts,
// maintenance.ts) and the activities on a file:// lake: a checkpoint holds the reconciled state and
// reads back the same, a reader starts from it, OPTIMIZE keeps every row and commits nothing twice,
// VACUUM deletes only removed files past the retention.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDeltaCommitActivities } from '../../src/activities/delta-commit.ts';
import { createLakeMaintenanceActivities } from '../../src/activities/lake-maintenance.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { silverOrdersKey } from '../../src/lake/keys.ts';
import { readParquet, TABLES, writeParquet } from '../../src/lake/parquet.ts';
import {
  applyCommit,
  batchesHeldByRewrites,
  checkpointActions,
  checkpointKey,
  COMPACTED_BATCHES_TAG,
  commitKey,
  decodeCheckpoint,
  DELTA_TABLES,
  DeltaLog,
  emptySnapshot,
  encodeCheckpoint,
  heldAfterCommit,
  lastCheckpointKey,
  liveDataKeys,
  orphanedCompactedKeys,
  planCompaction,
  planCompactionCommit,
  snapshotOfCheckpoint,
  vacuumablePaths,
  type AddAction,
  type DeltaAction,
} from '../../src/lake/delta/index.ts';

const silver = DELTA_TABLES.get('silver/orders')!;
const add = (p: string, size = 100, extra: Partial<AddAction> = {}): DeltaAction => ({ add: { path: p, partitionValues: { order_date: p.slice(11, 21) }, size, modificationTime: 1, dataChange: true, stats: '{"numRecords":1}', ...extra } });
const PROTOCOL: DeltaAction = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };
const META: DeltaAction = { metaData: { id: 'id', format: { provider: 'parquet', options: {} }, schemaString: '{"type":"struct","fields":[]}', partitionColumns: ['order_date'], configuration: {}, createdTime: 1 } };

void describe('Delta checkpoints', () => {
  void it('hold protocol, metaData, one txn per appId, the live adds and the tombstones within retention, and read back as the same snapshot', async () => {
    const s = emptySnapshot();
    applyCommit(s, 0, [PROTOCOL, META, add('order_date=2026-11-27/a.parquet'), add('order_date=2026-11-27/b.parquet', 100, { tags: { [COMPACTED_BATCHES_TAG]: '0-9 0-19' } }), { txn: { appId: 'orders-0', version: 9 } }]);
    applyCommit(s, 1, [{ remove: { path: 'order_date=2026-11-27/a.parquet', deletionTimestamp: 500, dataChange: true, size: 100 } }, { txn: { appId: 'orders-0', version: 19 } }, { txn: { appId: 'orders-1', version: 4 } }]);
    applyCommit(s, 2, [{ remove: { path: 'order_date=2026-11-27/old.parquet', deletionTimestamp: 10, dataChange: true } }]);
    const actions = checkpointActions(s, { tombstonesAfterMs: 100 });
    assert.deepEqual(actions.map((a) => Object.keys(a)[0]), ['protocol', 'metaData', 'txn', 'txn', 'add', 'remove'], 'the old tombstone (10 < 100) is left out');
    const decoded = await decodeCheckpoint(encodeCheckpoint(actions));
    const back = snapshotOfCheckpoint(2, decoded);
    assert.deepEqual([...back.txns], [['orders-0', 19], ['orders-1', 4]]);
    assert.deepEqual([...back.files.keys()], ['order_date=2026-11-27/b.parquet']);
    assert.deepEqual(back.files.get('order_date=2026-11-27/b.parquet')!.tags, { [COMPACTED_BATCHES_TAG]: '0-9 0-19' });
    assert.equal(back.files.get('order_date=2026-11-27/b.parquet')!.stats, '{"numRecords":1}');
    assert.deepEqual([...back.tombstones.keys()], ['order_date=2026-11-27/a.parquet']);
    assert.deepEqual(back.metadata, (META as { metaData: unknown }).metaData);
    assert.deepEqual(encodeCheckpoint(actions), encodeCheckpoint(checkpointActions(s, { tombstonesAfterMs: 100 })), 'the same snapshot gives the same bytes');
  });

  void it('let a reader start from _last_checkpoint, or from the newest checkpoint listed, once the commits before it are gone', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'delta-cp-'));
    try {
      const lake = new FileLakeStore(dir);
      const writer = new DeltaLog(lake, 'silver/orders');
      for (let v = 0; v < 13; v++) {
        const base = await writer.snapshot();
        const snapshot = await writer.commit(base, [...(v === 0 ? [PROTOCOL, META] : []), add(`order_date=2026-11-27/p${v}.parquet`), { txn: { appId: 'orders-0', version: v } }]);
        if (v === 10) await writer.writeCheckpoint(snapshot, { tombstonesAfterMs: 0 });
      }
      for (let v = 0; v < 10; v++) await lake.delete(commitKey('silver/orders', v));
      const fromLast = await new DeltaLog(lake, 'silver/orders').snapshot();
      assert.equal(fromLast.version, 12);
      assert.equal(fromLast.files.size, 13);
      await lake.delete(lastCheckpointKey('silver/orders'));
      const fromListing = await new DeltaLog(lake, 'silver/orders').snapshot();
      assert.deepEqual([fromListing.version, fromListing.files.size, fromListing.txns.get('orders-0')], [12, 13, 12]);
      await lake.delete(checkpointKey('silver/orders', 10));
      await assert.rejects(new DeltaLog(lake, 'silver/orders').snapshot(), /no commit 0/, 'a log with neither its first commits nor a checkpoint is corrupt, not empty');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void describe('OPTIMIZE and VACUUM planning', () => {
  const snapshotOf = (...actions: DeltaAction[]) => applyCommit(emptySnapshot(), 0, [PROTOCOL, META, ...actions]);
  const policy = { today: '2026-11-28', minFilesToday: 3, smallFileBytes: 1000, addedByMs: 1_000 };

  void it('compacts the small files of past days from two, of today from the threshold, and never a per-partition table', () => {
    const s = snapshotOf(add('order_date=2026-11-27/a.parquet'), add('order_date=2026-11-27/b.parquet'), add('order_date=2026-11-27/big.parquet', 5000), add('order_date=2026-11-26/lone.parquet'), add('order_date=2026-11-28/c.parquet'), add('order_date=2026-11-28/d.parquet'));
    const groups = planCompaction(silver, s, policy);
    assert.equal(groups.length, 1);
    assert.deepEqual(groups[0]!.sources, ['silver/orders/order_date=2026-11-27/a.parquet', 'silver/orders/order_date=2026-11-27/b.parquet']);
    assert.match(groups[0]!.target, /^silver\/orders\/order_date=2026-11-27\/compacted-1000-[0-9a-f]{32}\.parquet$/, 'named by the run\'s time and a hash of its sources');
    assert.deepEqual(planCompaction(silver, s, policy), groups, 'the same snapshot, the same target');
    assert.equal(planCompaction(silver, s, { ...policy, minFilesToday: 2 }).length, 2, 'today too from the threshold');
    assert.deepEqual(planCompaction(DELTA_TABLES.get('quarantine/orders')!, s, policy), []);
  });

  void it('names a compacted file after its sources as the log added them: a retry plans the same file after other batches committed, a source added again gives a new name', () => {
    const s = snapshotOf(add('order_date=2026-11-27/a.parquet'), add('order_date=2026-11-27/b.parquet'));
    const [planned] = planCompaction(silver, s, { ...policy, addedByMs: 5 });
    applyCommit(s, 1, [add('order_date=2026-11-27/c.parquet', 100, { modificationTime: 10 })]);
    assert.deepEqual(planCompaction(silver, s, { ...policy, addedByMs: 5 }), [planned], 'a later version with a file added after the run\'s time: the same group, the same key');
    const withLater = planCompaction(silver, s, { ...policy, addedByMs: 20 });
    assert.equal(withLater[0]!.sources.length, 3);
    assert.notEqual(withLater[0]!.target, planned!.target, 'other sources, another key');
    applyCommit(s, 2, [add('order_date=2026-11-27/a.parquet', 100, { modificationTime: 30 })]);
    const readded = planCompaction(silver, s, { ...policy, addedByMs: 20 + 20 });
    const hashOf = (key: string) => key.slice(key.lastIndexOf('-') + 1);
    assert.deepEqual(readded[0]!.sources, withLater[0]!.sources);
    assert.notEqual(hashOf(readded[0]!.target), hashOf(withLater[0]!.target), 'a source added again (its bytes may differ): a key never used before');
  });

  void it('keeps the batches compacted files and backfill parts hold up to date across commits, as a recount would find them', () => {
    const part = (start: number, tag?: string) => `order_date=2026-11-27/part-0-${String(start).padStart(20, '0')}-${String(start + 9).padStart(20, '0')}${tag ? `.backfill-${tag}` : ''}.parquet`;
    const compacted = add('order_date=2026-11-27/compacted-1-cccccccccccccccccccccccccccccccc.parquet', 100, { tags: { [COMPACTED_BATCHES_TAG]: '0-0-9 0-10-19@aa' } });
    const s = snapshotOf(compacted, add(part(20)), add(part(30, 'aa')));
    const held = batchesHeldByRewrites('silver/orders', s);
    assert.deepEqual([...held].sort(), [['0-19', 1], ['0-39', 1], ['0-9', 1]]);
    const actions: DeltaAction[] = [
      { remove: { path: 'order_date=2026-11-27/compacted-1-cccccccccccccccccccccccccccccccc.parquet', deletionTimestamp: 5, dataChange: true } },
      add(part(10, 'aa')),
      add(part(0, 'bb')),
      add(part(30, 'aa')),
      { remove: { path: part(20), deletionTimestamp: 5, dataChange: true } },
      add(part(20, 'bb')),
    ];
    heldAfterCommit(held, 'silver/orders', s, actions);
    applyCommit(s, 1, actions);
    assert.deepEqual([...held].sort(), [...batchesHeldByRewrites('silver/orders', s)].sort());
    assert.deepEqual([...held].sort(), [['0-19', 1], ['0-29', 1], ['0-39', 1], ['0-9', 1]]);
  });

  void it('finds compacted files no version names once their run is past the retention, and leaves live, removed and young ones', () => {
    const s = snapshotOf(add('order_date=2026-11-27/compacted-100-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.parquet'), add('order_date=2026-11-27/compacted-100-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.parquet'));
    applyCommit(s, 1, [{ remove: { path: 'order_date=2026-11-27/compacted-100-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.parquet', deletionTimestamp: 9_000, dataChange: false } }]);
    const listed = ['a', 'b', 'c', 'd'].map((h) => `silver/orders/order_date=2026-11-27/compacted-${h === 'd' ? 9_500 : 100}-${h.repeat(32)}.parquet`);
    listed.push('silver/orders/order_date=2026-11-27/part-0-00000000000000000000-00000000000000000009.parquet', 'silver/orders/order_date=2026-11-27/compacted-cccccccccccccccccccccccccccccccc.parquet');
    assert.deepEqual(orphanedCompactedKeys('silver/orders', s, listed, { nowMs: 10_000, retentionMs: 1_000 }), [listed[2]], 'c only: a live, b removed (VACUUM deletes it by its tombstone), d too young, the part and the unnamed old-style file not OPTIMIZE\'s to judge');
  });

  void it('commits a compaction once: remove and add with dataChange false, the batches tagged; a group overtaken by a commit is skipped', () => {
    const s = snapshotOf(add('order_date=2026-11-27/part-0-00000000000000000000-00000000000000000009.parquet'), add('order_date=2026-11-27/part-0-00000000000000000010-00000000000000000019.parquet'));
    const [group] = planCompaction(silver, s, policy);
    const target = { key: group!.target, size: 150, stats: { numRecords: 2, minValues: {}, maxValues: {}, nullCount: {} } };
    const actions = planCompactionCommit(silver, s, [{ sources: group!.sources, target }], 7)!;
    assert.deepEqual(actions.map((a) => Object.keys(a)[0]), ['remove', 'remove', 'add', 'commitInfo']);
    assert.ok(actions.every((a) => !('add' in a || 'remove' in a) || ('add' in a ? a.add.dataChange : a.remove.dataChange) === false));
    const added = actions.find((a) => 'add' in a) as { add: AddAction };
    assert.equal(added.add.tags![COMPACTED_BATCHES_TAG], '0-0-9 0-10-19', 'the parts it holds, by partition, start and end');
    applyCommit(s, 1, actions);
    assert.equal(planCompactionCommit(silver, s, [{ sources: group!.sources, target }], 8), undefined, 'a second commit of the same group adds nothing');
    assert.deepEqual(planCompaction(silver, s, policy), [], 'one file left: nothing to plan');
  });

  void it('vacuums removed files only past the retention, and never a path that is live again', () => {
    const s = snapshotOf(add('order_date=2026-11-27/a.parquet'), add('order_date=2026-11-27/b.parquet'), add('order_date=2026-11-27/c.parquet'));
    applyCommit(s, 1, [{ remove: { path: 'order_date=2026-11-27/a.parquet', deletionTimestamp: 1_000, dataChange: false } }, { remove: { path: 'order_date=2026-11-27/b.parquet', deletionTimestamp: 9_000, dataChange: false } }, { remove: { path: 'order_date=2026-11-27/c.parquet', deletionTimestamp: 1_000, dataChange: true } }]);
    applyCommit(s, 2, [add('order_date=2026-11-27/c.parquet')]);
    assert.deepEqual(vacuumablePaths(s, { nowMs: 10_000, retentionMs: 5_000 }), ['order_date=2026-11-27/a.parquet']);
  });
});

void describe('maintenance activities on a file:// lake', () => {
  let dir: string;
  let lake: FileLakeStore;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'delta-maint-'));
    lake = new FileLakeStore(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const order = (orderId: string, offset: number) => ({
    orderId, customerId: 'c1', orderTs: 1_764_000_000_000, orderDate: '2026-11-27', totalAmount: 10, totalAmountUsd: 10, paymentMethod: 'card', paymentStatus: 'paid', orderStatus: 'new',
    message: '', shippingStreet: 's', city: 'c', country: 'US', lat: null, lon: null, itemCount: 1, schemaVersion: 2, partition: 0, offset, kafkaTs: 1_764_000_000_000,
    customerName: 'n', customerSegment: 'Normal', customerAgeBand: '30-39', homeCity: 'c', homeCountry: 'US', distanceFromHomeKm: null, shipsToHome: true,
  });
  const config = { DELTA_CHECKPOINT_INTERVAL: 2, DELTA_VACUUM_RETENTION: 1_000, DELTA_OPTIMIZE_MIN_FILES: 50, DELTA_OPTIMIZE_SMALL_FILE_MB: 32, DELTA_LOG_RETENTION: 1_000 };

  void it('compacts a past day through the committer without changing its rows, takes it apart again for a backfill of one of its batches, and vacuums once', async () => {
    const commit = createDeltaCommitActivities({ lake, config });
    const maintenance = createLakeMaintenanceActivities({ lake, config });
    const keys = [0, 1, 2].map((i) => silverOrdersKey('2026-11-27', 0, i * 10, i * 10 + 9));
    for (const [i, key] of keys.entries()) {
      await lake.put(key, writeParquet(TABLES.silverOrders, [order(`o${i}a`, i * 10), order(`o${i}b`, i * 10 + 1)]));
      const outcome = await commit.commitDeltaBatches({ topic: 'orders', timestampMs: 1_000 + i, requests: [{ requester: `b${i}`, partition: 0, startOffset: i * 10, endOffset: i * 10 + 9, keys: [key] }] });
      assert.deepEqual(outcome.checkpointDue, i === 2 ? ['silver/orders'] : undefined, `version ${i}: a checkpoint is due at version 2 only`);
    }
    await commit.writeDeltaCheckpoints({ tables: ['silver/orders'], timestampMs: 2_000 });
    const nowMs = Date.parse('2026-11-28T12:00:00Z');
    const { requests, planned } = await maintenance.writeCompactedFiles({ nowMs });
    assert.deepEqual(planned, [{ table: 'silver/orders', files: 3, into: 1, rows: 6 }]);
    const compaction = { requester: 'maint', partition: -1, startOffset: -1, endOffset: -1, keys: [], compact: requests };
    const outcome = await commit.commitDeltaBatches({ topic: 'orders', timestampMs: 5_000, requests: [compaction] });
    assert.deepEqual(outcome.commits, [{ table: 'silver/orders', version: 3, added: 1, removed: 3, files: 1, tombstones: 3, operation: 'OPTIMIZE' }]);
    assert.deepEqual((await commit.commitDeltaBatches({ topic: 'orders', timestampMs: 5_001, requests: [compaction] })).commits, [], 'a retried compaction commits nothing');
    const live = await liveDataKeys(lake, 'silver/orders');
    assert.equal(live.length, 1);
    const rows = await readParquet((await lake.get(live[0]!))!);
    assert.deepEqual(rows.map((r) => r.orderId).sort(), ['o0a', 'o0b', 'o1a', 'o1b', 'o2a', 'o2b']);
    assert.deepEqual((await maintenance.writeCompactedFiles({ nowMs })).requests, [], 'a second OPTIMIZE finds nothing');

    const vacuumed = await maintenance.vacuumTables({ nowMs: 5_500 });
    assert.deepEqual(vacuumed, [{ table: 'silver/orders', files: 0, logFiles: 2 }], 'the sources were removed within the retention; the commits before the checkpoint at version 2 are past the log retention');
    for (const key of keys) assert.ok(await lake.get(key), `${key} is kept within the retention`);

    // A backfill re-derives batch 0 (its part rewritten in place): the compacted file goes, the parts of batches 1 and 2 come back.
    await lake.put(keys[0]!, writeParquet(TABLES.silverOrders, [order('o0a', 0), order('o0b', 1)]));
    const backfill = { requester: 'bf', partition: 0, startOffset: 0, endOffset: 9, keys: [keys[0]!], replace: {} };
    const replaced = await commit.commitDeltaBatches({ topic: 'orders', timestampMs: 5_200, requests: [backfill] });
    assert.deepEqual(replaced.commits.filter((c) => c.table === 'silver/orders').map((c) => [c.version, c.added, c.removed]), [[4, 3, 1]]);
    assert.deepEqual(await liveDataKeys(lake, 'silver/orders'), [...keys].sort());
    const backRows = await Promise.all(keys.map(async (key) => readParquet((await lake.get(key))!)));
    assert.equal(backRows.flat().length, 6, 'the same six rows, each once');
    await assert.rejects(
      commit.commitDeltaBatches({ topic: 'orders', timestampMs: 5_000 + 600, requests: [{ requester: 'm2', partition: -1, startOffset: -1, endOffset: -1, keys: [], compact: (await maintenance.writeCompactedFiles({ nowMs })).requests }] }).then(async () =>
        commit.commitDeltaBatches({ topic: 'orders', timestampMs: 5_000 + 600 + 600, requests: [backfill] }),
      ),
      /longer than half of DELTA_VACUUM_RETENTION ago/,
      'a compaction older than half the retention is not taken apart',
    );

    const later = await maintenance.vacuumTables({ nowMs: 10_000 });
    assert.deepEqual(later, [{ table: 'silver/orders', files: 4, logFiles: 0 }], 'the first compacted file and the three parts the second compaction removed, past the retention');
    const [second] = await liveDataKeys(lake, 'silver/orders');
    assert.match(second!, /compacted-/);
    assert.equal((await readParquet((await lake.get(second!))!)).length, 6, 'the table still holds its six rows, in the second compacted file');
    assert.deepEqual(await maintenance.vacuumTables({ nowMs: 10_000 }), [], 'a second VACUUM finds nothing');
    assert.equal((await new DeltaLog(lake, 'silver/orders').snapshot()).files.size, 1, 'the table still reads, from its checkpoint');
  });
});
