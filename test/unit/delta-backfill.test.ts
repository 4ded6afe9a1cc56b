// A backfill's commit on a file:// lake (docs/design.md §12, "Backfill"): the re-derived parts go
// under new keys and one REPLACE version per table swaps them in, so no file an earlier version
// names ever changes; a retried commit, a re-sent stream request and a second backfill behave; a
// compacted file is taken apart with its parts under their own (tagged or not) names; and a
// compacted file whose group a backfill overtook is deleted, since no version names it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDeltaCommitActivities } from '../../src/activities/delta-commit.ts';
import { createLakeMaintenanceActivities } from '../../src/activities/lake-maintenance.ts';
import { backfillRewriteTag } from '../../src/contract/batch.ts';
import type { DeltaCommitRequest } from '../../src/contract/delta-commit.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { customerTotalsKey, silverOrdersKey } from '../../src/lake/keys.ts';
import { readParquet, TABLES, writeParquet } from '../../src/lake/parquet.ts';
import { COMPACTED_BATCHES_TAG, dataKeyOf, DeltaLog, liveDataKeys } from '../../src/lake/delta/index.ts';

const DAY = '2026-11-27';
const SILVER = 'silver/orders';
const TOTALS = 'gold/customer_totals';

const order = (orderId: string, offset: number, city = 'c') => ({
  orderId, customerId: 'c1', orderTs: 1_764_000_000_000, orderDate: DAY, totalAmount: 10, totalAmountUsd: 10, paymentMethod: 'card', paymentStatus: 'paid', orderStatus: 'new',
  message: '', shippingStreet: 's', city, country: 'US', lat: null, lon: null, itemCount: 1, schemaVersion: 2, partition: 0, offset, kafkaTs: 1_764_000_000_000,
  customerName: 'n', customerSegment: 'Normal', customerAgeBand: '30-39', homeCity: 'c', homeCountry: 'US', distanceFromHomeKm: null, shipsToHome: true,
});
const totals = (endOffset: number, segment = 'Normal') => ({ customerId: 'c1', orders: 1, items: 1, spendUsd: 10, firstOrderTs: 1, lastOrderTs: 1, segment, partition: 0, asOfOffset: endOffset + 1 });

/** Batch i of partition 0 covers offsets 10i..10i+9. */
const start = (i: number) => i * 10;
const end = (i: number) => i * 10 + 9;

void describe('a backfill\'s Delta commit on a file:// lake', () => {
  let dir: string;
  let lake: FileLakeStore;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'delta-backfill-'));
    lake = new FileLakeStore(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const config = { DELTA_CHECKPOINT_INTERVAL: 100, DELTA_VACUUM_RETENTION: 1_000_000, DELTA_OPTIMIZE_MIN_FILES: 50, DELTA_OPTIMIZE_SMALL_FILE_MB: 32, DELTA_LOG_RETENTION: 1_000_000 };
  const commit = () => createDeltaCommitActivities({ lake, config });
  const version = async (table: string) => (await new DeltaLog(lake, table).snapshot()).version;

  /** Writes batch i's silver part and totals snapshot (under the backfill's tag, if any) and returns its request. */
  const derive = async (i: number, rewrite?: string, city = 'c'): Promise<DeltaCommitRequest> => {
    const silverKey = silverOrdersKey(DAY, 0, start(i), end(i), rewrite);
    const totalsKey = customerTotalsKey(0, end(i), rewrite);
    await lake.put(silverKey, writeParquet(TABLES.silverOrders, [order(`o${i}a`, start(i), city), order(`o${i}b`, start(i) + 1, city)]));
    await lake.put(totalsKey, writeParquet(TABLES.customerTotals, [totals(end(i), city === 'c' ? 'Normal' : 'VIP')]));
    return { requester: rewrite ? `backfill-${rewrite}` : `orders-0-${start(i)}`, partition: 0, startOffset: start(i), endOffset: end(i), keys: [silverKey, totalsKey], ...(rewrite ? { replace: {} } : {}) };
  };

  /** sha256 of every file the table's current version names. */
  const fingerprints = async (table: string): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const key of await liveDataKeys(lake, table)) out.set(key, createHash('sha256').update((await lake.get(key))!).digest('hex'));
    return out;
  };
  const unchanged = async (before: Map<string, string>, what: string) => {
    for (const [key, hash] of before) {
      const bytes = await lake.get(key);
      assert.ok(bytes, `${what}: ${key} is still there`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), hash, `${what}: ${key} has the bytes its version named`);
    }
  };
  const rowsOf = async (table: string) => (await Promise.all((await liveDataKeys(lake, table)).map(async (key) => readParquet((await lake.get(key))!)))).flat();

  const first = backfillRewriteTag('backfill-orders-2026-11-27-2026-11-27', 'run-1');
  const second = backfillRewriteTag('backfill-orders-2026-11-27-2026-11-27', 'run-2');

  void it('derives a backfill\'s tag from its run: 16 hex digits, the same for the same run, new for a new run of the same backfill', () => {
    assert.match(first, /^[0-9a-f]{16}$/);
    assert.equal(backfillRewriteTag('backfill-orders-2026-11-27-2026-11-27', 'run-1'), first);
    assert.notEqual(second, first);
  });

  void it('swaps a backfill\'s new parts in with one REPLACE version per table, never changing a file an earlier version names', async () => {
    for (const i of [0, 1, 2]) await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 1_000 + i, requests: [await derive(i)] });
    const before = new Map([...(await fingerprints(SILVER)), ...(await fingerprints(TOTALS))]);
    const versions = [await version(SILVER), await version(TOTALS)];

    // Re-derived with a changed rule (the city): new keys, one commit for both batches.
    const requests = [await derive(0, first, 'changed'), await derive(1, first, 'changed')];
    const outcome = await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 2_000, requests });
    assert.deepEqual(outcome.commits.map((c) => [c.table, c.version, c.added, c.removed]).sort(), [[TOTALS, versions[1]! + 1, 2, 2], [SILVER, versions[0]! + 1, 2, 2]].sort());
    await unchanged(before, 'after the backfill');
    assert.deepEqual(await liveDataKeys(lake, SILVER), [silverOrdersKey(DAY, 0, 0, 9, first), silverOrdersKey(DAY, 0, 10, 19, first), silverOrdersKey(DAY, 0, 20, 29)].sort());
    assert.deepEqual((await rowsOf(SILVER)).map((r) => `${r.orderId} ${r.city}`).sort(), ['o0a changed', 'o0b changed', 'o1a changed', 'o1b changed', 'o2a c', 'o2b c']);
    assert.equal((await rowsOf(TOTALS)).length, 3, 'one totals snapshot per batch');

    assert.deepEqual((await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 2_001, requests })).commits, [], 'a retried backfill commit adds nothing');
    const resent = { requester: 'orders-0-0', partition: 0, startOffset: 0, endOffset: 9, keys: [silverOrdersKey(DAY, 0, 0, 9), customerTotalsKey(0, 9)] };
    assert.deepEqual((await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 2_002, requests: [resent] })).commits, [], 'the stream\'s request of a backfilled batch (re-sent, or a replay) adds nothing');

    // The same backfill run again: new keys again, replacing the first run's parts.
    const again = await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 3_000, requests: [await derive(0, second, 'again')] });
    assert.deepEqual(again.commits.map((c) => [c.table, c.added, c.removed]).sort(), [[TOTALS, 1, 1], [SILVER, 1, 1]].sort());
    assert.deepEqual((await rowsOf(SILVER)).map((r) => `${r.orderId} ${r.city}`).sort(), ['o0a again', 'o0b again', 'o1a changed', 'o1b changed', 'o2a c', 'o2b c']);
    await unchanged(before, 'after the second backfill');
  });

  void it('takes a compacted file apart for a backfill, its other parts back under their own names, and deletes a compacted file whose group a backfill overtook', async () => {
    const maintenance = createLakeMaintenanceActivities({ lake, config });
    const nowMs = Date.parse('2026-11-28T12:00:00Z');
    const { requests } = await maintenance.writeCompactedFiles({ nowMs });
    const compaction = { requester: 'maint', partition: -1, startOffset: -1, endOffset: -1, keys: [], compact: requests };
    await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 4_000, requests: [compaction] });
    const [compacted] = await liveDataKeys(lake, SILVER);
    assert.match(compacted!, /compacted-/);
    const tag = (await new DeltaLog(lake, SILVER).snapshot()).files.get(compacted!.slice(SILVER.length + 1))!.tags![COMPACTED_BATCHES_TAG];
    assert.equal(tag, `0-0-9@${second} 0-10-19@${first} 0-20-29`, 'the tag names each part with its backfill tag');
    const resent = { requester: 'orders-0-20', partition: 0, startOffset: 20, endOffset: 29, keys: [silverOrdersKey(DAY, 0, 20, 29)] };
    assert.deepEqual((await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 4_001, requests: [resent] })).commits, [], 'a re-sent request of a compacted batch adds nothing');

    const third = backfillRewriteTag('backfill-orders-2026-11-27-2026-11-27', 'run-3');
    const replaced = await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 5_000, requests: [await derive(2, third)] });
    assert.deepEqual(replaced.commits.find((c) => c.table === SILVER)!.removed, 1, 'the compacted file goes');
    assert.deepEqual(await liveDataKeys(lake, SILVER), [silverOrdersKey(DAY, 0, 0, 9, second), silverOrdersKey(DAY, 0, 10, 19, first), silverOrdersKey(DAY, 0, 20, 29, third)].sort());
    assert.equal((await rowsOf(SILVER)).length, 6, 'every row once');

    // OPTIMIZE plans on the three parts; a backfill commits before its group does: the group is skipped and its file deleted.
    const planned = await maintenance.writeCompactedFiles({ nowMs });
    const target = planned.requests[0]!.groups[0]!.target;
    assert.ok(await lake.get(target), 'the compacted file is written before its commit');
    await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 6_000, requests: [await derive(1, third)] });
    const skipped = await commit().commitDeltaBatches({ topic: 'orders', timestampMs: 6_001, requests: [{ ...compaction, compact: planned.requests }] });
    assert.equal(skipped.commits.filter((c) => c.table === SILVER).length, 0, 'the overtaken group is not committed');
    assert.equal(await lake.get(target), undefined, 'and its file, which no version names, is deleted');
    const snapshot = await new DeltaLog(lake, SILVER).snapshot();
    assert.ok([...snapshot.files.keys()].every((p) => dataKeyOf(SILVER, p) !== target));
  });
});
