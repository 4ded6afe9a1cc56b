// The exactly-once promise, on the real stack: orders stream in while the bridge and the worker are
// SIGKILLed again and again (and the S3 server and the SMTP catcher restarted); afterwards DuckDB
// and delta-rs read the lake's Delta snapshots and every figure must match the simulator's truth file exactly.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seededRandom } from '../../chaos/random.ts';
import { restartService } from '../../src/stack/index.ts';
import { withLakeSnapshot } from '../helpers/duckdb.ts';
import { readWithDeltaRs } from '../helpers/delta-rs.ts';
import { exactlyOnceVerdict, failures, type Check, type PipelineFacts } from '../helpers/exactly-once.ts';
import { readPipelineFacts } from '../helpers/lake-facts.ts';
import { oracleOf, readTruth } from '../helpers/oracle.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { setTimeout as sleep } from 'node:timers/promises';

// CRASH_TEST_ORDERS changes the size (the issue asks for 20,000, the default).
const ORDERS = Number(process.env.CRASH_TEST_ORDERS ?? 20_000);
const RATE = 1_000;
const MIN_KILLS = 6;

describe('the pipeline under repeated crashes', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '200', BATCH_MAX_WAIT_MS: '500' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  let facts: PipelineFacts;
  let verdict: Check[];
  let kills = 0;
  const mailKills: number[] = [];

  before(async () => {
    await pipeline.start({ workers: 1, bridges: 1 });
    let producing = true;
    const chaos = (async () => {
      // Kill at random moments while orders arrive, then a few more times while the backlog drains.
      const random = seededRandom(42).next;
      while (producing || kills < MIN_KILLS) {
        await sleep(2_000 + random() * 3_000);
        const victim = kills % 2 === 0 ? pipeline.bridges[0]! : pipeline.workers[0]!;
        await victim.restart();
        kills++;
        if (kills === 3) await restartService(pipeline.config, 's3');
        if (kills === 4) {
          mailKills.push(Date.now());
          await restartService(pipeline.config, 'mail');
        }
      }
    })();
    await pipeline.simulate({ count: ORDERS, rate: RATE, seed: 2026, anomalyRate: 0.03, truthFile, startMs: Date.now(), eventRatePerHour: RATE * 3600, dailyRhythm: false });
    producing = false;
    await chaos;
    await pipeline.waitUntilDrained(240_000);
    facts = await readPipelineFacts(pipeline);
    const processes = [pipeline.bridges[0]!, pipeline.workers[0]!].map((p) => ({ name: p.name, kills: p.kills, crashes: p.crashes }));
    verdict = exactlyOnceVerdict({ facts, oracle: oracleOf(readTruth(truthFile)), processes, minKills: MIN_KILLS, mailWindowKills: [...pipeline.workers[0]!.killTimes, ...mailKills] });
  });

  after(async () => {
    await pipeline.stop();
  });

  it('kills the bridge and the worker at least six times and sees no other crash', () => {
    assert.deepEqual(failures(verdict, 'processes'), []);
  });

  it('tiles every partition with batches: no gap, no overlap, every batch completed', () => {
    assert.deepEqual(failures(verdict, 'batches'), []);
  });

  it('has every valid event once in bronze, every distinct order once in silver, every invalid one once in the quarantine', () => {
    assert.deepEqual([...failures(verdict, 'orders'), ...failures(verdict, 'bad messages')], []);
  });

  it('has each valid order once in the Delta snapshot of silver, as delta-rs reads it', async () => {
    const distinct = oracleOf(readTruth(truthFile)).distinctOrderIds;
    await withLakeSnapshot(pipeline.config, ['silver/orders/'], async (db, dir) => {
      const rs = (await readWithDeltaRs({ ...pipeline.config, LAKE_URI: `file://${dir}` }, [{ path: 'silver/orders', column: 'orderId' }]))['silver/orders']!;
      assert.ok(rs.version > 0, `silver has a Delta log (version ${rs.version})`);
      assert.deepEqual(rs.values, [...distinct].sort(), 'the snapshot holds every distinct valid order once');
      // The folder may hold parts a killed attempt wrote but no commit added; the snapshot must not.
      const [{ n }] = (await db.query('SELECT count(*) AS n FROM {silver/orders}')) as [{ n: number }];
      assert.equal(n, distinct.size);
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

  it('has gold customer and category totals equal to the truth file to the cent', () => {
    assert.deepEqual(failures(verdict, 'gold'), []);
  });

  it('sends every fraud alert exactly once, with its Message-ID', () => {
    assert.ok(facts.fraudAlertIds.length > 0, 'the run raised fraud alerts');
    assert.ok(facts.mails.every((m) => /^<[0-9a-f]{40}@streaming-orders>$/.test(m.messageId)), 'every alert has its derived Message-ID');
    assert.deepEqual(failures(verdict, 'alerts'), []);
  });
});
