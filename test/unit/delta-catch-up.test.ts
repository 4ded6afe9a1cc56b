// OPTIMIZE until caught up and tombstones bounded by the retention (docs/design.md §12,
// "Maintenance"): the loop's decision, the tombstone retention, the expiry in a DeltaLog's memory
// and in its checkpoints, and the activities on a file:// lake compacting more than one round's
// worth, round after round, until none is left.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDeltaCommitActivities } from '../../src/activities/delta-commit.ts';
import { createLakeMaintenanceActivities, MAX_GROUPS_PER_TABLE } from '../../src/activities/lake-maintenance.ts';
import { nextOptimizeStep, OPTIMIZE_BUDGET_MS, OPTIMIZE_MAX_ROUNDS_PER_RUN } from '../../src/contract/lake-maintenance.ts';
import { silverOrdersKey } from '../../src/lake/keys.ts';
import { TABLES, writeParquet } from '../../src/lake/parquet.ts';
import { useTempLake } from '../helpers/temp-lake.ts';
import { checkpointDueAt, DeltaLog, deltaLogOf, emptySnapshot, applyCommit, expireTombstones, planCommit, DELTA_TABLES, tombstoneRetentionMs, type DeltaAction } from '../../src/lake/delta/index.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const silver = DELTA_TABLES.get('silver/orders')!;

void describe('the OPTIMIZE loop', () => {
  void it('plans again while a table has groups left and the last round committed some, and stops when caught up', () => {
    assert.equal(nextOptimizeStep({ more: true, committedFiles: 4096, rounds: 1, elapsedMs: 60_000 }), 'again');
    assert.equal(nextOptimizeStep({ more: false, committedFiles: 4096, rounds: 1, elapsedMs: 60_000 }), 'done');
  });

  void it('stops when a round could commit nothing (every group overtaken), since planning again now would find the same', () => {
    assert.equal(nextOptimizeStep({ more: true, committedFiles: 0, rounds: 1, elapsedMs: 1 }), 'done');
  });

  void it('hands over to a fresh run once its time or rounds are spent with groups left', () => {
    assert.equal(nextOptimizeStep({ more: true, committedFiles: 10, rounds: 3, elapsedMs: OPTIMIZE_BUDGET_MS }), 'hand-over');
    assert.equal(nextOptimizeStep({ more: true, committedFiles: 10, rounds: OPTIMIZE_MAX_ROUNDS_PER_RUN, elapsedMs: 1 }), 'hand-over');
  });
});

void describe('remove tombstones', () => {
  void it('are kept the VACUUM retention plus a day, or two maintenance intervals when those are longer', () => {
    assert.equal(tombstoneRetentionMs({ vacuumRetentionMs: 7 * DAY, maintenanceEveryMs: HOUR }), 8 * DAY);
    assert.equal(tombstoneRetentionMs({ vacuumRetentionMs: 7 * DAY, maintenanceEveryMs: 0 }), 8 * DAY);
    assert.equal(tombstoneRetentionMs({ vacuumRetentionMs: 7 * DAY, maintenanceEveryMs: 2 * DAY }), 11 * DAY);
  });

  void it('expire by deletion time, and an unchanged map is returned as it is', () => {
    const s = emptySnapshot();
    applyCommit(s, 0, [{ remove: { path: 'a', deletionTimestamp: 10, dataChange: false } }, { remove: { path: 'b', deletionTimestamp: 20, dataChange: false } }, { remove: { path: 'c', deletionTimestamp: 30, dataChange: false } }]);
    assert.deepEqual([...expireTombstones(s.tombstones, 20).keys()], ['c'], 'expired at or before 20, as a checkpoint leaves them out');
    assert.equal(expireTombstones(s.tombstones, 9), s.tombstones);
  });

  void it('count with the files for the checkpoint cadence (a checkpoint rewrites both)', () => {
    assert.equal(checkpointDueAt(10, 100, 10), true);
    assert.equal(checkpointDueAt(10, 100 + 2_000_000, 10), false, 'two million tombstones are not rewritten every 10 versions');
  });
});

void describe('a DeltaLog over weeks of commits', () => {
  const lakeOf = useTempLake('delta-catch-up-');

  void it('keeps in memory only the tombstones within its retention, as its checkpoints do', async () => {
    const lake = lakeOf();
    const log = new DeltaLog(lake, silver.spec.path).keepTombstonesFor(8 * DAY);
    const start = Date.parse('2026-11-01T00:00:00Z');
    const file = (i: number) => ({ key: silverOrdersKey('2026-11-01', 0, i * 10, i * 10 + 9), size: 100, stats: { numRecords: 1, minValues: {}, maxValues: {}, nullCount: {} } });
    let snapshot = await log.snapshot();
    // One file a day for 20 days, each removed the day after it was added.
    for (let day = 0; day < 20; day++) {
      const remove = day > 0 ? [file(day - 1).key] : [];
      const actions = planCommit({ table: silver, snapshot, add: [file(day)], remove, txns: new Map(), timestampMs: start + day * DAY, operation: 'WRITE' }) as DeltaAction[];
      snapshot = await log.commit(snapshot, actions);
    }
    const deletions = [...snapshot.tombstones.values()].map((r) => (r.deletionTimestamp - start) / DAY);
    assert.deepEqual(deletions, [12, 13, 14, 15, 16, 17, 18, 19], 'removes of the last 8 days only (19 days of removes were made)');
    const fresh = await new DeltaLog(lake, silver.spec.path).keepTombstonesFor(8 * DAY).snapshot();
    assert.equal(fresh.tombstones.size, 8, 'a new reader replaying the log holds the same');

    // A checkpoint written by a writer keeping 30 days; a reader of this process keeping the default 8 came first.
    const writer = new DeltaLog(lake, silver.spec.path).keepTombstonesFor(30 * DAY);
    await writer.writeCheckpoint(await writer.snapshot(), { tombstonesAfterMs: start + 19 * DAY - 30 * DAY });
    const shared = deltaLogOf(lake, silver.spec.path);
    let next = await shared.snapshot();
    next = await shared.commit(next, planCommit({ table: silver, snapshot: next, add: [file(20)], remove: [file(19).key], txns: new Map(), timestampMs: start + 20 * DAY, operation: 'WRITE' })!);
    assert.equal(next.tombstones.size, 8, 'the reader keeps 8 days');
    const longer = await deltaLogOf(lake, silver.spec.path, { tombstoneRetentionMs: 30 * DAY }).snapshot();
    assert.equal(longer.tombstones.size, 20, 'the writer asking for 30 days reads them back from the checkpoint (19) and the commit after it (1)');
  });
});

void describe('OPTIMIZE activities on a file:// lake with more than one round of groups', () => {
  const lakeOf = useTempLake('delta-catch-up-');

  const row = (orderId: string, orderDate: string, offset: number) => ({
    orderId, customerId: 'c1', orderTs: 1_764_000_000_000, orderDate, totalAmount: 10, totalAmountUsd: 10, paymentMethod: 'card', paymentStatus: 'paid', orderStatus: 'new',
    message: '', shippingStreet: 's', city: 'c', country: 'US', lat: null, lon: null, itemCount: 1, schemaVersion: 2, partition: 0, offset, kafkaTs: 1_764_000_000_000,
    customerName: 'n', customerSegment: 'Normal', customerAgeBand: '30-39', homeCity: 'c', homeCountry: 'US', distanceFromHomeKm: null, shipsToHome: true,
  });
  const config = { DELTA_CHECKPOINT_INTERVAL: 10, DELTA_VACUUM_RETENTION: 7 * DAY, DELTA_OPTIMIZE_MIN_FILES: 50, DELTA_OPTIMIZE_SMALL_FILE_MB: 32, DELTA_LOG_RETENTION: 30 * DAY, LAKE_MAINTENANCE_EVERY: HOUR };

  void it('say there is more, and compact round after round until no group is left, every row kept', async () => {
    const lake = lakeOf();
    const commit = createDeltaCommitActivities({ lake, config });
    const maintenance = createLakeMaintenanceActivities({ lake, config });
    // Two small files in each of MAX_GROUPS_PER_TABLE + 2 past days: one group per day, more than one round writes.
    const days = MAX_GROUPS_PER_TABLE + 2;
    const keys: string[] = [];
    for (let d = 0; d < days; d++) {
      const date = new Date(Date.parse('2026-10-01T00:00:00Z') + d * DAY).toISOString().slice(0, 10);
      for (let i = 0; i < 2; i++) {
        const offset = (d * 2 + i) * 10;
        const key = silverOrdersKey(date, 0, offset, offset + 9);
        await lake.put(key, writeParquet(TABLES.silverOrders, [row(`o${d}-${i}`, date, offset)]));
        keys.push(key);
      }
    }
    await commit.commitDeltaBatches({ topic: 'orders', timestampMs: 1_000, requests: [{ requester: 'b', partition: 0, startOffset: 0, endOffset: days * 20, keys }] });
    const nowMs = Date.parse('2026-11-28T12:00:00Z');
    const rounds: { files: number; more: boolean }[] = [];
    for (let round = 0; round < 5; round++) {
      const { requests, planned, more } = await maintenance.writeCompactedFiles({ nowMs: nowMs + round });
      rounds.push({ files: planned.reduce((n, p) => n + p.files, 0), more });
      if (requests.length === 0) break;
      await commit.commitDeltaBatches({ topic: 'orders', timestampMs: nowMs + round, requests: [{ requester: 'm', partition: -1, startOffset: -1, endOffset: -1, keys: [], compact: requests }] });
      if (nextOptimizeStep({ more, committedFiles: 1, rounds: round + 1, elapsedMs: 0 }) !== 'again') break;
    }
    assert.deepEqual(rounds, [
      { files: MAX_GROUPS_PER_TABLE * 2, more: true },
      { files: 4, more: false },
    ]);
    const snapshot = await deltaLogOf(lake, 'silver/orders').snapshot();
    assert.equal(snapshot.files.size, days, 'one compacted file per day');
    assert.equal(snapshot.tombstones.size, days * 2, 'every source is a tombstone within the retention');
    assert.deepEqual((await maintenance.writeCompactedFiles({ nowMs: nowMs + 10 })).requests, [], 'caught up: nothing left to plan');
  });
});
