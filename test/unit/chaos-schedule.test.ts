import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { killSchedule, VICTIMS, type PlannedKill } from '../../chaos/schedule.ts';

const take = (n: number, seed: number): PlannedKill[] => {
  const out: PlannedKill[] = [];
  for (const kill of killSchedule({ seed })) {
    out.push(kill);
    if (out.length === n) break;
  }
  return out;
};

describe('the kill schedule', () => {
  it('kills every kind of process once before any twice', () => {
    assert.deepEqual(new Set(take(VICTIMS.length, 3).map((k) => k.victim)), new Set(VICTIMS));
  });

  it('repeats itself for the same seed and differs for another', () => {
    assert.deepEqual(take(40, 3), take(40, 3));
    assert.notDeepEqual(take(40, 3), take(40, 4));
  });

  it('restarts bridge and worker at once and keeps pauses within bounds', () => {
    for (const kill of take(200, 5)) {
      assert.ok(kill.pauseMs >= 2_000 && kill.pauseMs <= 6_000);
      if (kill.victim === 'bridge' || kill.victim === 'worker') assert.equal(kill.downMs, 0);
    }
  });
});
