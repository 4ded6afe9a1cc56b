// Maintenance of the lake's Delta tables on the real stack (docs/design.md §12, "Maintenance"):
// the committer writes checkpoints every DELTA_CHECKPOINT_INTERVAL versions and delta-rs and Spark
// read the same rows as DuckDB; OPTIMIZE, run while batches still commit, lowers the file count and
// keeps every row (every valid order once in silver); VACUUM deletes the removed files and old log
// files, and a second run of each finds nothing to do.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TABLE_PATHS } from '../../src/lake/keys.ts';
import { dataKeyOf, DeltaLog, lastCheckpointKey, type DeltaSnapshot } from '../../src/lake/delta/index.ts';
import { openLake } from '../../src/lake/store.ts';
import type { LakeMaintenanceResult } from '../../src/contract/lake-maintenance.ts';
import { withLakeSnapshot } from '../helpers/duckdb.ts';
import { readWithDeltaRs, type DeltaRsTable } from '../helpers/delta-rs.ts';
import { readWithSpark } from '../helpers/spark.ts';
import { oracleOf, readTruth } from '../helpers/oracle.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { ordersJson } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';

const ORDERS = 2_000;
const RATE = 200;
const TABLES = Object.values(TABLE_PATHS);
const SILVER = TABLE_PATHS.silverOrders;

type Maintenance = LakeMaintenanceResult & { workflowId: string };

describe('maintenance of the lake\'s Delta tables', () => {
  const pipeline = new TestPipeline({
    BATCH_MAX_ORDERS: '100',
    BATCH_MAX_WAIT_MS: '300',
    DELTA_CHECKPOINT_INTERVAL: '5',
    DELTA_OPTIMIZE_MIN_FILES: '2',
    DELTA_VACUUM_RETENTION: '2s',
    DELTA_LOG_RETENTION: '2s',
  });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  const lake = () => openLake(pipeline.config);
  const snapshotOf = (table: string): Promise<DeltaSnapshot> => new DeltaLog(lake(), table).snapshot();
  /** Per table: rows DuckDB reads from the snapshot's files, and their count. */
  const readAll = async (): Promise<{ duck: Record<string, { rows: number; files: number }>; rs: Record<string, DeltaRsTable>; silverIds: string[] }> =>
    withLakeSnapshot(pipeline.config, TABLES.map((t) => `${t}/`), async (db, dir) => {
      const rs = await readWithDeltaRs({ ...pipeline.config, LAKE_URI: `file://${dir}` }, TABLES.map((t) => ({ path: t, column: t === SILVER ? 'orderId' : undefined })));
      const duck: Record<string, { rows: number; files: number }> = {};
      for (const table of TABLES) {
        const rows = await db.query(`SELECT filename AS file, count(*) AS n FROM {${table}} GROUP BY filename`).catch((error: Error) => {
          if (/No files found/i.test(error.message)) return [];
          throw error;
        });
        duck[table] = { rows: rows.reduce((sum, r) => sum + Number(r.n), 0), files: (await snapshotOf(table)).files.size };
      }
      const silverIds = (await db.query(`SELECT orderId FROM {${SILVER}}`)).map((r) => String(r.orderId)).sort();
      return { duck, rs, silverIds };
    });

  let beforeOptimize: Awaited<ReturnType<typeof readAll>>;
  let racing: Maintenance;
  let optimized: Maintenance;
  let afterOptimize: Awaited<ReturnType<typeof readAll>>;

  before(async () => {
    await pipeline.start({ workers: 1, bridges: 1 });
    const stream = pipeline.simulate({ count: ORDERS, rate: RATE, seed: 161, anomalyRate: 0.03, truthFile, startMs: Date.now(), eventRatePerHour: RATE * 3600, dailyRhythm: false });
    // While batches keep committing (once silver has a few parts): OPTIMIZE's commit goes through the same committer as theirs.
    await waitFor('silver has 4 parts', async () => ((await snapshotOf(SILVER)).files.size >= 4 ? true : undefined), { timeoutMs: 120_000 });
    racing = await ordersJson<Maintenance>(['lake', 'optimize', '--json'], pipeline.env);
    await stream;
    await pipeline.waitUntilDrained(300_000);
    beforeOptimize = await readAll();
    optimized = await ordersJson<Maintenance>(['lake', 'optimize', '--json'], pipeline.env);
    afterOptimize = await readAll();
  });

  after(async () => {
    await pipeline.stop();
  });

  it('checkpoints the tables every 5 versions, and delta-rs reads the rows DuckDB reads from the snapshot', async () => {
    const silver = await snapshotOf(SILVER);
    // At least one checkpoint's worth: how many versions a run makes depends on how many batches the committer folds into one round.
    assert.ok(silver.version >= 5, `silver has ${silver.version + 1} versions`);
    const last = JSON.parse(new TextDecoder().decode((await lake().get(lastCheckpointKey(SILVER)))!)) as { version: number; size: number };
    assert.equal(last.version % 5, 0, `_last_checkpoint names version ${last.version}`);
    assert.ok(silver.version - last.version < 5 + 2, `the newest checkpoint (${last.version}) is close to the newest version (${silver.version})`);
    for (const table of TABLES) {
      assert.equal(beforeOptimize.rs[table]!.rows, beforeOptimize.duck[table]!.rows, `${table}: delta-rs ${beforeOptimize.rs[table]!.rows} rows, DuckDB ${beforeOptimize.duck[table]!.rows}`);
    }
    const oracle = oracleOf(readTruth(truthFile));
    assert.deepEqual(beforeOptimize.silverIds, [...oracle.distinctOrderIds].sort(), 'every valid order once in silver, with a compaction committed during the run');
    assert.ok(racing.optimized!.tables.length > 0, `the OPTIMIZE during the run compacted something: ${JSON.stringify(racing.optimized)}`);
  });

  it('compacts the small files: fewer files, the same rows in DuckDB and delta-rs, and a second OPTIMIZE finds nothing', async () => {
    const compacted = optimized.optimized!.tables;
    assert.ok(compacted.some((t) => t.table === SILVER), `silver compacted: ${JSON.stringify(compacted)}`);
    for (const table of TABLES) {
      assert.equal(afterOptimize.duck[table]!.rows, beforeOptimize.duck[table]!.rows, `${table}: ${afterOptimize.duck[table]!.rows} rows after OPTIMIZE, ${beforeOptimize.duck[table]!.rows} before`);
      assert.equal(afterOptimize.rs[table]!.rows, beforeOptimize.duck[table]!.rows, `${table}: delta-rs reads the same rows after OPTIMIZE`);
    }
    assert.ok(afterOptimize.duck[SILVER]!.files < beforeOptimize.duck[SILVER]!.files, `silver files ${beforeOptimize.duck[SILVER]!.files} → ${afterOptimize.duck[SILVER]!.files}`);
    assert.deepEqual(afterOptimize.silverIds, beforeOptimize.silverIds);
    const again = await ordersJson<Maintenance>(['lake', 'optimize', '--json'], pipeline.env);
    assert.deepEqual(again.optimized!.tables, [], 'nothing left to compact');
  });

  it('reads silver with Spark and delta-spark after the compaction and checkpoints: the same order ids as DuckDB', { timeout: 900_000 }, async () => {
    await withLakeSnapshot(pipeline.config, [`${SILVER}/`], async (_db, dir) => {
      const spark = await readWithSpark(path.join(dir, SILVER), 'orderId');
      assert.equal(spark.version, afterOptimize.rs[SILVER]!.version);
      assert.deepEqual(spark.values, afterOptimize.silverIds);
    });
  });

  it('vacuums the removed files and the log before the newest checkpoint once past the retention; the tables still read; a second VACUUM finds nothing', { timeout: 300_000 }, async () => {
    const tombstones = new Map(await Promise.all(TABLES.map(async (t) => [t, [...(await snapshotOf(t)).tombstones.keys()]] as const)));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const vacuumed = await ordersJson<Maintenance>(['lake', 'vacuum', '--json'], pipeline.env);
    const silverVacuum = vacuumed.vacuumed!.tables.find((t) => t.table === SILVER);
    assert.ok(silverVacuum && silverVacuum.files > 0 && silverVacuum.logFiles > 0, `silver vacuumed: ${JSON.stringify(vacuumed.vacuumed)}`);
    for (const [table, paths] of tombstones) {
      for (const p of paths) assert.equal(await lake().get(dataKeyOf(table, p)), undefined, `${table}: removed file ${p} deleted`);
    }
    const afterVacuum = await readAll();
    for (const table of TABLES) {
      assert.equal(afterVacuum.rs[table]!.rows, beforeOptimize.duck[table]!.rows, `${table}: delta-rs reads the table after VACUUM`);
      assert.equal(afterVacuum.duck[table]!.rows, beforeOptimize.duck[table]!.rows, `${table}: DuckDB reads the table after VACUUM`);
    }
    const again = await ordersJson<Maintenance>(['lake', 'vacuum', '--json'], pipeline.env);
    assert.deepEqual(again.vacuumed!.tables, [], 'nothing left to delete');
  });
});
