// The chaos run in small (`npm run chaos` is the big one): 10,000 orders and 1,000 fuzzed bad
// messages while bridge, worker, Temporal, Kafka, S3 and SMTP are each SIGKILLed at least once;
// afterwards every figure of the exactly-once verdict must hold.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runChaos, type ChaosResult } from '../../chaos/scenario.ts';
import { formatChecks } from '../../chaos/table.ts';
import { failures } from '../helpers/exactly-once.ts';

const ORDERS = Number(process.env.CHAOS_TEST_ORDERS ?? 10_000);

describe('the pipeline while every kind of process is killed', () => {
  let result: ChaosResult;

  before(async () => {
    result = await runChaos({ orders: ORDERS, rate: 1_000, kills: 8, fuzz: 1_000, seed: 11, pauseMs: [1_000, 3_000], drainTimeoutMs: 240_000, log: (line) => console.error(`[chaos] ${line}`) });
    console.log(formatChecks(result.checks));
  });

  it('kills bridge, worker, Temporal, Kafka, S3 and SMTP, eight times at least, and nothing dies on its own', () => {
    assert.deepEqual(failures(result.checks, 'processes'), []);
    const kills = result.checks.find((c) => c.label === 'kills by process')!;
    assert.doesNotMatch(String(kills.actual), /\b0\b/, `a kind of process was never killed: ${String(kills.actual)}`);
  });

  it('tiles every partition with completed batches', () => {
    assert.deepEqual(failures(result.checks, 'batches'), []);
  });

  it('loses no order and counts none twice', () => {
    assert.deepEqual(failures(result.checks, 'orders'), []);
  });

  it('quarantines every bad message once, with the reason it deserves', () => {
    assert.deepEqual(failures(result.checks, 'bad messages'), []);
  });

  it('has gold totals equal to the truth file to the cent', () => {
    assert.deepEqual(failures(result.checks, 'gold'), []);
  });

  it('sends one mail per fraud alert', () => {
    assert.deepEqual(failures(result.checks, 'alerts'), []);
  });
});
