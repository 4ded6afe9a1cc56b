// Scaling out keeps exactly-once: two workers and two bridges in one consumer group, and mid-run
// one bridge leaves gracefully and another joins (two rebalances), while orders stream in.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exactlyOnceVerdict, failures, type Check } from '../helpers/exactly-once.ts';
import { readPipelineFacts } from '../helpers/lake-facts.ts';
import { oracleOf, readTruth } from '../helpers/oracle.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const ORDERS = Number(process.env.TWO_OF_EACH_ORDERS ?? 5_000);
const RATE = 1_000;

describe('two workers and two bridges with a rebalance in the middle', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '200', BATCH_MAX_WAIT_MS: '500' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  let verdict: Check[];
  const started = { before: 0, after: 0 };

  before(async () => {
    await pipeline.start({ workers: 2, bridges: 2 });
    const rebalance = (async () => {
      await sleep((ORDERS / RATE) * 300);
      await pipeline.bridges[0]!.stop(); // leaves the group: its partitions move to the other bridge
      await sleep((ORDERS / RATE) * 200);
      await pipeline.addBridge(); // joins: the partitions are shared again
    })();
    await pipeline.simulate({ count: ORDERS, rate: RATE, seed: 77, anomalyRate: 0.03, truthFile, startMs: Date.now(), eventRatePerHour: RATE * 3600, dailyRhythm: false });
    await rebalance;
    await pipeline.waitUntilDrained(150_000);
    const facts = await readPipelineFacts(pipeline);
    const processes = [...pipeline.bridges, ...pipeline.workers].map((p) => ({ name: p.name, kills: p.kills, crashes: p.crashes }));
    verdict = exactlyOnceVerdict({ facts, oracle: oracleOf(readTruth(truthFile)), processes, mailWindowKills: pipeline.workers.flatMap((w) => w.killTimes) });
    Object.assign(started, { before: pipeline.bridges.length, after: pipeline.bridges.filter((b) => b.running).length });
  });

  after(async () => {
    await pipeline.stop();
  });

  it('ran three bridges over the run, two at the end, and nothing crashed', () => {
    assert.deepEqual(started, { before: 3, after: 2 });
    assert.deepEqual(failures(verdict, 'processes'), []);
  });

  it('tiles every partition with completed batches across the rebalances', () => {
    assert.deepEqual(failures(verdict, 'batches'), []);
  });

  it('keeps every order once in silver and every invalid event once in the quarantine', () => {
    assert.deepEqual([...failures(verdict, 'orders'), ...failures(verdict, 'bad messages')], []);
  });

  it('has gold totals equal to the truth and one mail per fraud alert', () => {
    assert.deepEqual([...failures(verdict, 'gold'), ...failures(verdict, 'alerts')], []);
  });
});
