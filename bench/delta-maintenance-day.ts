// A day of small files in one table and the maintenance that takes them back (docs/growth.md,
// "Delta metadata at full speed"): FILES one-row silver parts (default 250,000, a day at full
// speed: one per batch per order date) over 5 order dates, committed 1,000 per version over a day;
// then OPTIMIZE as the lake-maintenance workflow runs it (writeCompactedFiles → the committer's
// commitDeltaBatches, round after round while nextOptimizeStep says so), a checkpoint, and the
// same table 8 days later (tombstones expired) with its VACUUM. Reports live files, tombstones and
// the heap a fresh DeltaLog's snapshot takes before and after, and how long each step took. On a
// file:// lake (the CPU and the local disk, not S3). Figures: docs/benchmarks.md.
//
//   node_modules/.bin/node --expose-gc --import tsx bench/delta-maintenance-day.ts [files]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDeltaCommitActivities } from '../src/activities/delta-commit.ts';
import { createLakeMaintenanceActivities } from '../src/activities/lake-maintenance.ts';
import { nextOptimizeStep } from '../src/contract/lake-maintenance.ts';
import { DELTA_TABLES, DeltaLog, fileStatsOf, planCommit, tombstoneRetentionMs, type DataFileFacts } from '../src/lake/delta/index.ts';
import { FileLakeStore } from '../src/lake/file-store.ts';
import { silverOrdersKey } from '../src/lake/keys.ts';
import { TABLES, writeParquet } from '../src/lake/parquet.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the header)');
const FILES = Number(process.argv[2] ?? 250_000);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const DATES = ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'];
const TODAY = '2026-11-28';
const dayStart = Date.parse(`${TODAY}T00:00:00Z`);
const table = DELTA_TABLES.get('silver/orders')!;
const config = { DELTA_CHECKPOINT_INTERVAL: 10, DELTA_VACUUM_RETENTION: 7 * DAY, DELTA_OPTIMIZE_MIN_FILES: 50, DELTA_OPTIMIZE_SMALL_FILE_MB: 32, DELTA_LOG_RETENTION: 30 * DAY, LAKE_MAINTENANCE_EVERY: HOUR };
const keepTombstonesMs = tombstoneRetentionMs({ vacuumRetentionMs: config.DELTA_VACUUM_RETENTION, maintenanceEveryMs: config.LAKE_MAINTENANCE_EVERY });

const row = (i: number, orderDate: string) => ({
  orderId: `order-${i}`, customerId: `c${i % 5000}`, orderTs: dayStart + i, orderDate, totalAmount: 10 + (i % 100), totalAmountUsd: 10 + (i % 100), paymentMethod: 'card', paymentStatus: 'paid', orderStatus: 'new',
  message: '', shippingStreet: 'street', city: 'city', country: 'US', lat: null, lon: null, itemCount: 1, schemaVersion: 2, partition: i % 6, offset: i * 10, kafkaTs: dayStart + i,
  customerName: 'name', customerSegment: 'Normal', customerAgeBand: '30-39', homeCity: 'city', homeCountry: 'US', distanceFromHomeKm: null, shipsToHome: true,
});

/** Live files, tombstones and the heap a snapshot read by a new DeltaLog holds (as a fresh worker would). */
async function snapshotCost(lake: FileLakeStore, label: string): Promise<void> {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const log = new DeltaLog(lake, table.spec.path).keepTombstonesFor(keepTombstonesMs);
  const snapshot = await log.snapshot();
  const loadMs = performance.now() - t0;
  gc!();
  const heapMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  console.log(`${label}: version ${snapshot.version}, ${snapshot.files.size.toLocaleString('en-US')} live files, ${snapshot.tombstones.size.toLocaleString('en-US')} tombstones, snapshot heap ${heapMb.toFixed(0)} MB, loaded in ${(loadMs / 1000).toFixed(1)} s`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'delta-maintenance-day-'));
try {
  const lake = new FileLakeStore(dir);
  const commit = createDeltaCommitActivities({ lake, config });
  const maintenance = createLakeMaintenanceActivities({ lake, config });

  // A day of batches: file i is batch i of partition i % 6, order date i % 5, committed 1,000 a
  // version over the day. One row per file, the same bytes per date (writing 250,000 distinct
  // files would take the bench longer than the maintenance), each add with its own row's statistics.
  const perDate = new Map(DATES.map((date) => {
    const rows = [row(0, date)];
    return [date, { bytes: writeParquet(TABLES.silverOrders, rows), stats: fileStatsOf(table.spec, rows, ['order_date']) }];
  }));
  let t = performance.now();
  const writer = new DeltaLog(lake, table.spec.path).keepTombstonesFor(keepTombstonesMs);
  let snapshot = await writer.snapshot();
  const chunk = 1_000;
  for (let first = 0; first < FILES; first += chunk) {
    const add: DataFileFacts[] = [];
    for (let i = first; i < Math.min(FILES, first + chunk); i++) {
      const date = DATES[i % DATES.length]!;
      const { bytes } = perDate.get(date)!;
      const stats = fileStatsOf(table.spec, [row(i, date)], ['order_date']);
      const key = silverOrdersKey(date, i % 6, i * 10, i * 10 + 9);
      await lake.put(key, bytes, 'application/octet-stream');
      add.push({ key, size: bytes.byteLength, stats });
    }
    const timestampMs = dayStart + Math.floor((first / FILES) * (DAY - HOUR));
    snapshot = await writer.commit(snapshot, planCommit({ table, snapshot, add, txns: new Map(), timestampMs, operation: 'WRITE' })!);
  }
  await commit.writeDeltaCheckpoints({ tables: [table.spec.path], timestampMs: dayStart + DAY - HOUR });
  console.log(`wrote and committed ${FILES.toLocaleString('en-US')} files in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  await snapshotCost(lake, 'before OPTIMIZE');

  // OPTIMIZE as the workflow runs it at the end of the day.
  const nowMs = dayStart + DAY - 1;
  t = performance.now();
  let rounds = 0;
  let compacted = 0;
  for (;;) {
    const roundMs = nowMs + rounds * 60_000;
    const { requests, more } = await maintenance.writeCompactedFiles({ nowMs: roundMs });
    let committedFiles = 0;
    if (requests.length > 0) {
      const outcome = await commit.commitDeltaBatches({ topic: 'orders', timestampMs: roundMs, requests: [{ requester: 'bench', partition: -1, startOffset: -1, endOffset: -1, keys: [], compact: requests }] });
      committedFiles = outcome.commits.reduce((n, c) => n + c.removed, 0);
      if (outcome.checkpointDue) await commit.writeDeltaCheckpoints({ tables: outcome.checkpointDue, timestampMs: roundMs });
    }
    compacted += committedFiles;
    rounds++;
    if (nextOptimizeStep({ more, committedFiles, rounds, elapsedMs: 0 }) !== 'again') break;
  }
  const optimizeS = (performance.now() - t) / 1000;
  console.log(`OPTIMIZE: ${rounds} rounds, ${compacted.toLocaleString('en-US')} files compacted in ${optimizeS.toFixed(0)} s (${((compacted / optimizeS) || 0).toFixed(0)} files/s)`);
  t = performance.now();
  await commit.writeDeltaCheckpoints({ tables: [table.spec.path], timestampMs: nowMs + rounds * 60_000 });
  console.log(`checkpoint after OPTIMIZE: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await snapshotCost(lake, 'after OPTIMIZE');

  // VACUUM at the retention, as the hourly schedule does, in a new process (from the checkpoint).
  const vacuumAt = nowMs + config.DELTA_VACUUM_RETENTION + HOUR;
  const fresh = createLakeMaintenanceActivities({ lake: new FileLakeStore(dir), config });
  t = performance.now();
  const vacuumed = await fresh.vacuumTables({ nowMs: vacuumAt });
  console.log(`VACUUM 7 days + 1 h after OPTIMIZE (a new process, from the checkpoint): ${JSON.stringify(vacuumed)} in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  // A day after that: one more batch commits, the tombstones are past their retention.
  const later = nowMs + keepTombstonesMs + HOUR;
  const key = silverOrdersKey(TODAY, 0, FILES * 10 + 10, FILES * 10 + 19);
  await lake.put(key, perDate.get(TODAY)!.bytes, 'application/octet-stream');
  await commit.commitDeltaBatches({ topic: 'orders', timestampMs: later, requests: [{ requester: 'b', partition: 0, startOffset: FILES * 10 + 10, endOffset: FILES * 10 + 19, keys: [key] }] });
  await commit.writeDeltaCheckpoints({ tables: [table.spec.path], timestampMs: later });
  await snapshotCost(lake, `${(keepTombstonesMs / DAY).toFixed(0)} days + 1 h after OPTIMIZE`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
