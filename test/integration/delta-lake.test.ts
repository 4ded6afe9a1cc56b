// The lake's tables are Delta tables (docs/lake.md, "Delta tables"): a run's tables read with
// delta-rs (an independent reader, from PyPI) give exactly the rows DuckDB reads from the data
// files of the current snapshot, and Spark with delta-spark reads silver the same; a reader polling
// the log during the run never sees part of a batch; every valid order is once in silver; a
// backfill over the day replaces its files under new keys with one version per table, leaving every
// file an earlier version names as it was (time travel reads the old rows), twice.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { batchRangeOf, TABLE_PATHS } from '../../src/lake/keys.ts';
import { commitKey, dataKeyOf, decodeCommit, DELTA_TABLES, DeltaLog, fileStatsOf, planCommit, type DeltaSnapshot, type FileStats } from '../../src/lake/delta/index.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { writeParquet } from '../../src/lake/parquet.ts';
import { loadConfig } from '../../src/config.ts';
import { openLake } from '../../src/lake/store.ts';
import { isLakeUnavailable } from '../../src/lake/errors.ts';
import { withLakeSnapshot } from '../helpers/duckdb.ts';
import { fingerprints } from '../helpers/lake-stamps.ts';
import { readWithDeltaRs, type DeltaRsTable } from '../helpers/delta-rs.ts';
import { readWithSpark } from '../helpers/spark.ts';
import { oracleOf, readTruth, type Oracle } from '../helpers/oracle.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { ordersJson } from '../helpers/cli.ts';
import type { BatchRun } from '../../src/temporal/batch-runs.ts';
import type { BackfillProgress } from '../../src/contract/batch.ts';

const pipelineFreeConfig = loadConfig();
const ORDERS = 3_000;
const RATE = 500;
const TABLES = Object.values(TABLE_PATHS);
/** Tables whose rows name a batch's orders, for the snapshot check during the run. */
const WATCHED = [TABLE_PATHS.silverOrders, TABLE_PATHS.silverOrderItems, TABLE_PATHS.bronzeOrders];

/** Rows per batch (`partition-start`) of one snapshot, from its files' statistics. */
type BatchRows = Map<string, number>;

function rowsPerBatch(files: Iterable<[string, { stats?: string }]>): BatchRows {
  const rows: BatchRows = new Map();
  for (const [file, add] of files) {
    const range = batchRangeOf(file);
    if (!range) continue;
    const batch = `${range.partition}-${range.start}`;
    rows.set(batch, (rows.get(batch) ?? 0) + (JSON.parse(add.stats ?? '{"numRecords":0}') as FileStats).numRecords);
  }
  return rows;
}

/** From each completed batch's history: the time from its first commit request (a signal to the committer, or its start) to the answer. */
async function commitWaits(pipeline: TestPipeline): Promise<number[]> {
  const client = await pipeline.client();
  const runs = (await pipeline.batches()).filter((r) => r.status === 'COMPLETED');
  const waits: number[] = [];
  for (const run of runs) {
    const events = (await client.workflow.getHandle(run.workflowId).fetchHistory()).events ?? [];
    const ms = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    const asked = events.find((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'deltaCommitRequest' || e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name === 'deltaCommitter');
    const answered = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'deltaCommitted');
    if (asked && answered) waits.push(ms(answered) - ms(asked));
  }
  return waits;
}

describe('the lake as Delta tables', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '200', BATCH_MAX_WAIT_MS: '500' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  /** Every distinct snapshot the polling reader saw, per table. */
  const seen = new Map<string, { version: number; rows: BatchRows }[]>(WATCHED.map((t) => [t, []]));
  let deltaRs: Record<string, DeltaRsTable>;
  let deltaRsOverS3: Record<string, DeltaRsTable>;
  let duck: Record<string, { rows: number; files: string[]; values?: string[]; perBatch: BatchRows }>;
  let oracle: Oracle;
  /** Per batch, ms from its commit request to the committer's answer (from the batch's history). */
  let commitWaitsMs: number[];

  before(async () => {
    await pipeline.start({ workers: 1, bridges: 1 });
    // A reader of its own (its own store and logs) polls the watched tables while orders stream in.
    let polling = true;
    const lake = openLake(pipeline.config);
    const poller = (async () => {
      const logs = WATCHED.map((t) => new DeltaLog(lake, t));
      while (polling) {
        for (const log of logs) {
          // Another test's restart of the shared S3 server: a reader tries again.
          const snapshot = await log.snapshot().catch((error: unknown) => {
            if (isLakeUnavailable(error)) return undefined;
            throw error;
          });
          if (!snapshot) continue;
          const list = seen.get(log.tablePath)!;
          if (snapshot.version >= 0 && list.at(-1)?.version !== snapshot.version) list.push({ version: snapshot.version, rows: rowsPerBatch(snapshot.files) });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await pipeline.simulate({ count: ORDERS, rate: RATE, seed: 16, anomalyRate: 0.03, truthFile, startMs: Date.now(), eventRatePerHour: RATE * 3600, dailyRhythm: false });
      await pipeline.waitUntilDrained(300_000);
    } finally {
      polling = false;
      await poller;
    }
    const tables = TABLES.map((t) => ({ path: t, column: t === TABLE_PATHS.silverOrders ? 'orderId' : undefined }));
    deltaRsOverS3 = await readWithDeltaRs(pipeline.config, tables, { rows: false });
    duck = await withLakeSnapshot(pipeline.config, TABLES.map((t) => `${t}/`), async (db, dir) => {
      deltaRs = await readWithDeltaRs({ ...pipeline.config, LAKE_URI: `file://${dir}` }, tables);
      const result: typeof duck = {};
      for (const table of TABLES) {
        const rows = await db.query(`SELECT filename AS file, count(*) AS n FROM {${table}} GROUP BY filename`).catch((error: Error) => {
          if (/No files found/i.test(error.message)) return [];
          throw error;
        });
        const perBatch: BatchRows = new Map();
        for (const r of rows) {
          const range = batchRangeOf(String(r.file));
          if (range) perBatch.set(`${range.partition}-${range.start}`, (perBatch.get(`${range.partition}-${range.start}`) ?? 0) + Number(r.n));
        }
        const values = table === TABLE_PATHS.silverOrders ? (await db.query(`SELECT orderId FROM {${table}}`)).map((r) => String(r.orderId)).sort() : undefined;
        result[table] = { rows: rows.reduce((sum, r) => sum + Number(r.n), 0), files: rows.map((r) => path.relative(dir, String(r.file))).sort(), values, perBatch };
      }
      return result;
    });
    commitWaitsMs = await commitWaits(pipeline);
    oracle = oracleOf(readTruth(truthFile));
  });

  after(async () => {
    await pipeline.stop();
  });

  it('gives delta-rs exactly the rows and files DuckDB reads from the current snapshot of every table', () => {
    for (const table of TABLES) {
      const rs = deltaRs[table]!;
      const ours = duck[table]!;
      assert.ok(rs.version >= 0, `${table} has a Delta log`);
      assert.equal(rs.rows, ours.rows, `${table}: delta-rs reads ${rs.rows} rows, DuckDB ${ours.rows} in the snapshot's files`);
      const rsFiles = rs.files.map((uri) => uri.slice(uri.indexOf(`${table}/`))).sort();
      assert.deepEqual(rsFiles, ours.files, `${table}: the same data files`);
      const overS3 = deltaRsOverS3[table]!;
      assert.deepEqual([overS3.version, overS3.files.map((uri) => uri.slice(uri.indexOf(`${table}/`))).sort()], [rs.version, rsFiles], `${table}: delta-rs reads the same log over S3`);
      assert.equal(rs.commits, rs.version + 1, `${table}: one history entry per version`);
    }
    assert.ok(duck[TABLE_PATHS.silverOrders]!.rows > ORDERS * 0.9, `silver holds the run's orders (${duck[TABLE_PATHS.silverOrders]!.rows})`);
    assert.deepEqual(deltaRs[TABLE_PATHS.silverOrders]!.values, duck[TABLE_PATHS.silverOrders]!.values, 'the same order ids in silver');
  });

  it('keeps every valid order once in silver and every invalid event once in the quarantine, read through the snapshot', () => {
    assert.deepEqual(deltaRs[TABLE_PATHS.silverOrders]!.values, [...oracle.distinctOrderIds].sort());
    assert.equal(deltaRs[TABLE_PATHS.quarantineOrders]!.rows, oracle.invalidEvents);
  });

  it('answers every batch\'s commit request, within seconds (median and p95 printed)', () => {
    const sorted = [...commitWaitsMs].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    console.log(`delta commit wait per batch: ${sorted.length} batches, median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1)} ms`);
    assert.ok(sorted.length > 10, `batches that committed: ${sorted.length}`);
    // Seconds on an idle machine; the bound leaves room for a shared, loaded one (p95 21 s seen under a parallel soak).
    assert.ok(at(0.95) < 60_000, `p95 commit wait ${at(0.95)} ms`);
  });

  it('never shows a reader part of a batch: every batch in every snapshot seen during the run has all its rows', () => {
    for (const table of WATCHED) {
      const snapshots = seen.get(table)!;
      const complete = duck[table]!.perBatch;
      assert.ok(snapshots.length >= 3, `${table}: the reader saw the table grow (${snapshots.length} versions)`);
      for (const { version, rows } of snapshots) {
        for (const [batch, n] of rows) assert.equal(n, complete.get(batch), `${table} version ${version}: batch ${batch} has ${n} of its ${complete.get(batch)} rows`);
      }
    }
  });

  it('reads silver with Spark and delta-spark: the same order ids at the same version as delta-rs', { timeout: 900_000 }, async () => {
    await withLakeSnapshot(pipeline.config, [`${TABLE_PATHS.silverOrders}/`], async (_db, dir) => {
      const spark = await readWithSpark(path.join(dir, TABLE_PATHS.silverOrders), 'orderId');
      assert.equal(spark.version, deltaRs[TABLE_PATHS.silverOrders]!.version);
      assert.equal(spark.commits, spark.version + 1, 'one history entry per version');
      assert.equal(spark.rows, duck[TABLE_PATHS.silverOrders]!.rows);
      assert.deepEqual(spark.values, duck[TABLE_PATHS.silverOrders]!.values);
    });
  });

  it('replaces a day\'s files in a backfill under new keys with one commit per table: no file of an earlier version changes, the row counts stay, time travel reads the old rows, and a second run does the same', { timeout: 600_000 }, async () => {
    const days = [...new Set((await ordersJson<BatchRun[]>(['batches', 'list'], pipeline.env)).map((run) => run.batchDate!))].sort();
    assert.equal(days.length, 1, `the run's batches arrived on one day: ${days.join(', ')}`);
    const lake = openLake(pipeline.config);
    const snapshots = async () => new Map(await Promise.all(TABLES.map(async (t) => [t, await new DeltaLog(lake, t).snapshot()] as const)));
    /** Every data file a version so far names (this run has no VACUUM: live files and tombstones), with its bytes' hash and its S3 stamp. */
    const filesOfEveryVersion = async (of: Map<string, DeltaSnapshot>) => {
      const keys = [...of].flatMap(([table, snapshot]) => [...snapshot.files.keys(), ...snapshot.tombstones.keys()].map((p) => dataKeyOf(table, p)));
      return fingerprints(pipeline.config, keys, TABLES.map((t) => `${t}/`));
    };
    /** Rows per table read by DuckDB and by delta-rs from a copy of the lake, and, with `travelTo`, by delta-rs at those versions. */
    const readTables = (travelTo?: Map<string, number>) =>
      withLakeSnapshot(pipeline.config, TABLES.map((t) => `${t}/`), async (db, dir) => {
        const local = { ...pipeline.config, LAKE_URI: `file://${dir}` };
        const duckRows: Record<string, number> = {};
        for (const table of TABLES) duckRows[table] = Number((await db.query(`SELECT count(*) AS n FROM {${table}}`).catch(() => [{ n: 0 }]))[0]!.n);
        const rs = await readWithDeltaRs(local, TABLES.map((t) => ({ path: t, column: t === TABLE_PATHS.silverOrders ? 'orderId' : undefined })));
        const travelled = travelTo ? await readWithDeltaRs(local, [...travelTo].map(([t, version]) => ({ path: t, version, column: t === TABLE_PATHS.silverOrders ? 'orderId' : undefined }))) : undefined;
        return { duckRows, rs, travelled };
      });
    const backfill = async (run: string) => {
      const before = await snapshots();
      const named = await filesOfEveryVersion(before);
      const progress = await ordersJson<BackfillProgress>(['backfill', '--from', days[0]!, '--to', days[0]!, '--concurrency', '3'], pipeline.env);
      assert.equal(progress.failed.length, 0, `${run}: ${JSON.stringify(progress.failed)}`);
      const after = await snapshots();
      // A table the run left without any file (no version yet) gets none from the backfill either.
      for (const table of TABLES) {
        const was = before.get(table)!.version;
        assert.equal(after.get(table)!.version, was < 0 ? was : was + 1, `${run}, ${table}: one new version (was ${was}, now ${after.get(table)!.version})`);
      }
      const now = await fingerprints(pipeline.config, [...named.keys()], TABLES.map((t) => `${t}/`));
      const changed = [...named].filter(([key, print]) => now.get(key) !== print).map(([key]) => key);
      assert.deepEqual(changed, [], `${run}: ${changed.length} of the ${named.size} files earlier versions name were written again or deleted`);
      const silverFiles = [...after.get(TABLE_PATHS.silverOrders)!.files.keys()];
      assert.ok(silverFiles.length > 0 && silverFiles.every((p) => /\.backfill-[0-9a-f]{16}\.parquet$/.test(p)), `${run}: silver is the backfill's new parts: ${silverFiles.slice(0, 3).join(', ')}`);
      const read = await readTables(new Map(TABLES.filter((t) => before.get(t)!.version >= 0).map((t) => [t, before.get(t)!.version])));
      for (const table of TABLES) {
        assert.equal(read.duckRows[table], duck[table]!.rows, `${run}, ${table}: DuckDB reads ${read.duckRows[table]} rows, ${duck[table]!.rows} before any backfill`);
        assert.equal(read.rs[table]!.rows, duck[table]!.rows, `${run}, ${table}: delta-rs reads ${read.rs[table]!.rows} rows`);
        const travelled = read.travelled![table];
        if (travelled) assert.equal(travelled.rows, duck[table]!.rows, `${run}, ${table}: delta-rs at version ${before.get(table)!.version} (before the backfill) reads ${travelled.rows} rows`);
      }
      assert.deepEqual(read.rs[TABLE_PATHS.silverOrders]!.values, duck[TABLE_PATHS.silverOrders]!.values, `${run}: the same order ids in silver`);
      assert.deepEqual(read.travelled![TABLE_PATHS.silverOrders]!.values, duck[TABLE_PATHS.silverOrders]!.values, `${run}: the same order ids in silver at the version before`);
      assert.deepEqual(await lake.list('control/delta-backfill/'), [], `${run}: the backfill manifests are gone once committed`);
      return silverFiles;
    };
    const first = await backfill('first backfill');
    const second = await backfill('the same backfill run again');
    assert.ok(second.every((p) => !first.includes(p)), 'the second run wrote keys of its own, replacing the first run\'s');
  });
});

describe('schema evolution of a Delta table', () => {
  it('adds a column as a metaData change in the table\'s history; delta-rs reads the older file with the column null', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'delta-evolve-'));
    const lake = new FileLakeStore(dir);
    const current = DELTA_TABLES.get(TABLE_PATHS.dqMetrics)!;
    // The table as it was before its last column (`detail`) was added.
    const older = { ...current, spec: { ...current.spec, columns: current.spec.columns.slice(0, -1) } };
    const row = { batchId: 'b', check: 'future', field: 'orderTs', count: 1, total: 10, breached: false, rate: 0.1, maxRate: 0.2, detail: 'one order ahead' };
    const log = new DeltaLog(lake, current.spec.path);
    const commitFile = async (table: typeof current, key: string, timestampMs: number) => {
      const bytes = writeParquet(table.spec, [row]);
      await lake.put(key, bytes);
      const snapshot = await log.snapshot();
      await log.commit(snapshot, planCommit({ table, snapshot, add: [{ key, size: bytes.byteLength, stats: fileStatsOf(table.spec, [row]) }], txns: new Map(), timestampMs, operation: 'WRITE' })!);
    };
    await commitFile(older, `${current.spec.path}/batch_date=2026-11-27/part-0-${'0'.repeat(20)}-${'0'.repeat(19)}9.parquet`, 1_000);
    await commitFile(current, `${current.spec.path}/batch_date=2026-11-28/part-0-${'0'.repeat(18)}10-${'0'.repeat(18)}19.parquet`, 2_000);
    const commits = await Promise.all([0, 1].map(async (v) => decodeCommit(new TextDecoder().decode((await lake.get(commitKey(current.spec.path, v)))!))));
    assert.ok(commits[1]!.some((a) => 'metaData' in a && a.metaData.schemaString.includes('"detail"')), 'version 1 carries the new schema');
    const read = await readWithDeltaRs({ ...pipelineFreeConfig, LAKE_URI: `file://${dir}` }, [{ path: current.spec.path, column: 'detail' }]);
    const table = read[current.spec.path]!;
    assert.equal(table.version, 1);
    assert.equal(table.commits, 2);
    assert.deepEqual(table.values, ['None', 'one order ahead'], 'the older file reads the new column as null');
  });
});
