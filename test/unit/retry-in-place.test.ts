// The in-place retry that keeps an alert's sent-marker write from re-sending its mail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryInPlace } from '../../src/activities/retry-in-place.ts';

/** A clock that only moves when the retry sleeps. */
function fakeClock() {
  let nowMs = 0;
  const waits: number[] = [];
  return { waits, now: () => nowMs, sleep: async (ms: number) => void (waits.push(ms), (nowMs += ms)) };
}

describe('retryInPlace', () => {
  it('retries with growing waits until the write succeeds', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retryInPlace(async () => (++calls < 5 ? Promise.reject(new Error('S3 down')) : 'written'), { forMs: 60_000, maxWaitMs: 1_000, ...clock });
    assert.equal(result, 'written');
    assert.equal(calls, 5);
    assert.deepEqual(clock.waits, [200, 400, 800, 1_000]);
  });

  it('gives up with the last error once the next wait would pass the deadline', async () => {
    const clock = fakeClock();
    let calls = 0;
    await assert.rejects(retryInPlace(async () => Promise.reject(new Error(`S3 down ${++calls}`)), { forMs: 1_000, ...clock }), /S3 down 3/);
    assert.deepEqual(clock.waits, [200, 400]);
  });
});
