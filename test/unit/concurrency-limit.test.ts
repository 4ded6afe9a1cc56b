// The worker's limit on batch derivations at once (src/activities/concurrency-limit.ts) and its setting.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ConcurrencyLimit } from '../../src/activities/concurrency-limit.ts';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

/** A task that runs until its `finish` is called, recording when it started. */
function controlledTask(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish: () => finish(),
    run: async () => {
      started.push(name);
      await done;
      return name;
    },
  };
}

/** Lets every settled promise's callbacks run. */
const settle = () => sleep(0);

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once and starts the others in arrival order as slots free', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((name) => controlledTask(started, name));
    const results = tasks.map((task) => limit.run(task.run));
    await settle();
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(limit.active, 2);
    assert.equal(limit.waiting, 2);

    tasks[1]!.finish();
    await settle();
    assert.deepEqual(started, ['a', 'b', 'c'], 'the first waiter gets the freed slot');
    tasks[0]!.finish();
    await settle();
    assert.deepEqual(started, ['a', 'b', 'c', 'd']);
    tasks[2]!.finish();
    tasks[3]!.finish();
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
    assert.equal(limit.active, 0);
    assert.equal(limit.waiting, 0);
  });

  it('frees the slot of a task that throws', async () => {
    const limit = new ConcurrencyLimit(1);
    await assert.rejects(
      limit.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(limit.active, 0);
    assert.equal(await limit.run(async () => 'next'), 'next');
  });

  it('a newcomer does not overtake a task already waiting, even in the turn a slot frees', async () => {
    const limit = new ConcurrencyLimit(1);
    const order: string[] = [];
    const first = await limit.acquire();
    const second = limit.acquire().then((slot) => (order.push('second'), slot));
    first.release();
    const third = limit.acquire().then((slot) => (order.push('third'), slot));
    (await second).release();
    (await third).release();
    assert.deepEqual(order, ['second', 'third']);
    assert.equal(limit.active, 0);
  });

  it('a cancelled waiter leaves the queue and rejects with the cancellation, without taking a slot', async () => {
    const limit = new ConcurrencyLimit(1);
    const started: string[] = [];
    const holder = controlledTask(started, 'holder');
    const held = limit.run(holder.run);
    const cancel = new AbortController();
    const waiting = limit.run(async () => 'never', { signal: cancel.signal });
    await settle();
    assert.equal(limit.waiting, 1);
    cancel.abort(new Error('activity cancelled'));
    await assert.rejects(waiting, /activity cancelled/);
    assert.equal(limit.waiting, 0);
    holder.finish();
    await held;
    assert.equal(limit.active, 0);
    await assert.rejects(limit.acquire({ signal: cancel.signal }), /activity cancelled/, 'an already cancelled task does not even queue');
  });

  it('a task that waited maxWaitMs runs over the limit, says so, and its release frees no extra slot', async () => {
    const limit = new ConcurrencyLimit(1);
    const started: string[] = [];
    const holder = controlledTask(started, 'holder');
    const held = limit.run(holder.run);
    const slot = await limit.acquire({ maxWaitMs: 20 });
    assert.equal(slot.overdue, true);
    assert.ok(slot.waitedMs >= 15, `waited ${slot.waitedMs} ms`);
    assert.equal(limit.active, 2);

    const late = controlledTask(started, 'late');
    const lateRun = limit.run(late.run);
    slot.release();
    slot.release(); // a second release does nothing
    await settle();
    assert.equal(limit.active, 1, 'the holder still runs: no slot for `late` yet');
    assert.deepEqual(started, ['holder']);
    holder.finish();
    await held;
    await settle();
    assert.deepEqual(started, ['holder', 'late']);
    late.finish();
    await lateRun;
  });

  it('a slot granted in time is not overdue', async () => {
    const slot = await new ConcurrencyLimit(1).acquire({ maxWaitMs: 1_000 });
    assert.equal(slot.overdue, false);
    slot.release();
  });

  it('refuses a limit below 1 or not whole', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new ConcurrencyLimit(bad), RangeError, String(bad));
  });
});

describe('WORKER_MAX_CONCURRENT_DERIVATIONS', () => {
  it('defaults to 2 and takes a whole number of at least 1', () => {
    assert.equal(loadConfig({}).WORKER_MAX_CONCURRENT_DERIVATIONS, 2);
    assert.equal(loadConfig({ WORKER_MAX_CONCURRENT_DERIVATIONS: '6' }).WORKER_MAX_CONCURRENT_DERIVATIONS, 6);
  });

  it('a bad value stops start-up naming the variable', () => {
    for (const bad of ['0', '-2', '1.5', 'two', '']) {
      assert.throws(
        () => loadConfig({ WORKER_MAX_CONCURRENT_DERIVATIONS: bad }),
        (error: unknown) => error instanceof ConfigError && error.message.includes('WORKER_MAX_CONCURRENT_DERIVATIONS'),
        bad,
      );
    }
  });
});
