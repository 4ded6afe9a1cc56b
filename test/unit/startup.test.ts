import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whenReachable } from '../../src/startup.ts';

/** A clock that advances only when the code under test sleeps. */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('waiting for a service at start-up', () => {
  it('retries a connection until the service answers, warning each time', async () => {
    const warnings: unknown[] = [];
    let calls = 0;
    const value = await whenReachable('Temporal', async () => {
      if (++calls < 4) throw new Error('connect ECONNREFUSED');
      return 'connected';
    }, { ...fakeTime(), log: { warn: (obj: unknown) => void warnings.push(obj) } as never });
    assert.equal(value, 'connected');
    assert.equal(calls, 4);
    assert.equal(warnings.length, 3);
  });

  it('gives up with the last error once the deadline has passed', async () => {
    let calls = 0;
    await assert.rejects(
      whenReachable('Kafka', async () => {
        calls++;
        throw new Error(`refused ${calls}`);
      }, { ...fakeTime(), timeoutMs: 5_000, pauseMs: 1_000 }),
      /refused 6/,
    );
  });
});
