// The exactly-once promise, on the real stack: orders stream in while the bridge and the worker are
// SIGKILLed again and again (and the S3 server and the SMTP catcher restarted); afterwards DuckDB
// reads the lake and every figure must match the simulator's truth file exactly.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { restartService } from '../../src/stack/index.ts';
import { withLakeSnapshot } from '../helpers/duckdb.ts';
import { oracleOf, readTruth, type Oracle } from '../helpers/oracle.ts';
import { TestPipeline, type BatchRun } from '../helpers/pipeline.ts';
import { caughtMail } from '../helpers/services.ts';
import { waitFor } from '../helpers/wait.ts';

// CRASH_TEST_ORDERS changes the size (the issue asks for 20,000, the default).
const ORDERS = Number(process.env.CRASH_TEST_ORDERS ?? 20_000);
const RATE = 1_000;
const MIN_KILLS = 6;

describe('the pipeline under repeated crashes', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '200', BATCH_MAX_WAIT_MS: '500' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  let oracle: Oracle;
  let runs: BatchRun[];
  let kills = 0;

  before(async () => {
    await pipeline.start({ workers: 1, bridges: 1 });
    let producing = true;
    const chaos = (async () => {
      // Kill at random moments while orders arrive, then a few more times while the backlog drains.
      const random = mulberry(42);
      while (producing || kills < MIN_KILLS) {
        await sleep(2_000 + random() * 3_000);
        const victim = kills % 2 === 0 ? pipeline.bridges[0]! : pipeline.workers[0]!;
        await victim.restart();
        kills++;
        if (kills === 3) await restartService(pipeline.config, 's3');
        if (kills === 4) await restartService(pipeline.config, 'mail');
      }
    })();
    await pipeline.simulate({ count: ORDERS, rate: RATE, seed: 2026, anomalyRate: 0.03, truthFile, startMs: Date.now(), eventRatePerHour: RATE * 3600, dailyRhythm: false });
    producing = false;
    await chaos;
    oracle = oracleOf(readTruth(truthFile));
    runs = await pipeline.waitUntilDrained(240_000);
  });

  after(async () => {
    await pipeline.stop();
  });

  it('kills the bridge and the worker at least six times and sees no other crash', () => {
    assert.ok(kills >= MIN_KILLS, `only ${kills} kills`);
    assert.equal(pipeline.bridges[0]!.crashes + pipeline.workers[0]!.crashes, 0, 'a process died without being killed (see test-artifacts/logs)');
  });

  it('tiles every partition with batches: no gap, no overlap, every batch completed', async () => {
    const high = await pipeline.highWatermarks();
    for (const [partition, end] of high) {
      const mine = runs.filter((r) => r.partition === partition).sort((a, b) => a.startOffset - b.startOffset);
      let next = 0;
      for (const run of mine) {
        assert.equal(run.status, 'COMPLETED', `${run.workflowId} is ${run.status}`);
        assert.equal(run.startOffset, next, `partition ${partition}: batch ${run.workflowId} starts at ${run.startOffset}, expected ${next}`);
        next = run.endOffset + 1;
      }
      assert.equal(next, end, `partition ${partition}: batches end at ${next}, the partition at ${end}`);
    }
  });

  it('has every valid event once in bronze, every distinct order once in silver, every invalid one once in the quarantine', async () => {
    await withLakeSnapshot(pipeline.config, ['bronze/', 'silver/', 'quarantine/'], async (db) => {
      const [bronze] = await db.query('SELECT count(*) AS n, count(DISTINCT (partition, "offset")) AS positions FROM {bronze/orders}');
      assert.equal(Number(bronze!.n), oracle.validEvents);
      assert.equal(Number(bronze!.positions), oracle.validEvents);

      const silver = await db.query('SELECT orderId, count(*) AS n FROM {silver/orders} GROUP BY orderId');
      assert.equal(silver.length, oracle.distinctOrderIds.size, 'distinct orders in silver');
      assert.deepEqual(silver.filter((r) => Number(r.n) !== 1), [], 'orders in silver more than once');
      assert.deepEqual(new Set(silver.map((r) => String(r.orderId))), oracle.distinctOrderIds);

      const [quarantine] = await db.query('SELECT count(*) AS n, count(DISTINCT (partition, "offset")) AS positions, count(*) FILTER (WHERE reason IS NULL OR reason = \'\') AS unexplained FROM {quarantine/orders}');
      assert.equal(Number(quarantine!.n), oracle.invalidEvents);
      assert.equal(Number(quarantine!.positions), oracle.invalidEvents);
      assert.equal(Number(quarantine!.unexplained), 0);
    });
  });

  it('reads silver written from v1, v2 and v3 events together, with defaults filled', async () => {
    await withLakeSnapshot(pipeline.config, ['silver/orders/'], async (db) => {
      const versions = await db.query('SELECT schemaVersion AS v, count(*) AS n, count(*) FILTER (WHERE message IS NULL) AS nulls FROM {silver/orders} GROUP BY 1 ORDER BY 1');
      assert.deepEqual(versions.map((r) => Number(r.v)), [1, 2, 3]);
      assert.ok(versions.every((r) => Number(r.nulls) === 0), 'message is filled for every version');
      const [types] = await db.query("SELECT typeof(orderTs) AS ts, typeof(totalAmountUsd) AS usd FROM {silver/orders} LIMIT 1");
      assert.match(String(types!.ts), /^TIMESTAMP/);
      assert.equal(types!.usd, 'DOUBLE');
    });
  });

  it('has gold customer and category totals equal to the truth file to the cent', async () => {
    await withLakeSnapshot(pipeline.config, ['gold/customer_totals/', 'gold/category_totals/'], async (db) => {
      const customers = await db.query(`SELECT customerId, orders, items, spendUsd FROM {gold/customer_totals}
        QUALIFY row_number() OVER (PARTITION BY customerId ORDER BY asOfOffset DESC) = 1`);
      assert.equal(customers.length, oracle.customers.size, 'customers with totals');
      for (const row of customers) {
        const expected = oracle.customers.get(String(row.customerId));
        assert.ok(expected, `unexpected customer ${String(row.customerId)}`);
        assert.deepEqual(
          { orders: Number(row.orders), items: Number(row.items), spendCents: Math.round(Number(row.spendUsd) * 100) },
          expected,
          `customer ${String(row.customerId)}`,
        );
      }
      const categories = await db.query(`SELECT category, sum(items) AS items, sum(revenueUsd) AS revenue FROM (
          SELECT * FROM {gold/category_totals} QUALIFY row_number() OVER (PARTITION BY partition, category ORDER BY asOfOffset DESC) = 1)
        GROUP BY category`);
      const actual = new Map(categories.map((r) => [String(r.category), { items: Number(r.items), revenueCents: Math.round(Number(r.revenue) * 100) }]));
      assert.deepEqual(actual, oracle.categories);
    });
  });

  it('sends every fraud alert exactly once, with its Message-ID', async () => {
    const alerts = await withLakeSnapshot(pipeline.config, ['gold/fraud_alerts/'], (db) => db.query('SELECT alertId FROM {gold/fraud_alerts}').catch(() => []));
    assert.ok(alerts.length > 0, 'the run raised fraud alerts');
    // The catcher stores a mail a moment after accepting it: wait for the count to settle.
    const fraudMailsNow = async () =>
      (await caughtMail(pipeline.config)).filter((m) => m.to.some((t) => t.address === pipeline.config.ALERT_TO) && m.subject.startsWith('[fraud]'));
    await waitFor('one mail per fraud alert in the catcher', async () => (await fraudMailsNow()).length >= alerts.length, { timeoutMs: 20_000 }).catch(() => undefined);
    const fraudMails = await fraudMailsNow();
    const ids = fraudMails.map((m) => String(m.headers?.['message-id'] ?? ''));
    assert.ok(ids.every((id) => /^<[0-9a-f]{40}@streaming-orders>$/.test(id)), 'every alert has its derived Message-ID');
    assert.equal(new Set(ids).size, ids.length, 'duplicate Message-IDs');
    assert.equal(fraudMails.length, alerts.length, 'one mail per alert');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A seeded random source, so a failing chaos schedule can be run again. */
function mulberry(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
