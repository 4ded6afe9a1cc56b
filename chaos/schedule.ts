// Which process the chaos run kills next: pure and seeded, so a run that found a bug can be
// repeated kill for kill. Every kind is killed once before any is killed twice, so a short run
// (the test's 8 kills) still covers all six; after that, victims are drawn at random.
import { seededRandom } from './random.ts';

export const VICTIMS = ['bridge', 'worker', 'temporal', 'kafka', 's3', 'mail'] as const;
export type Victim = (typeof VICTIMS)[number];

export interface PlannedKill {
  victim: Victim;
  /** pause before this kill, ms */
  pauseMs: number;
  /** how long a killed service stays down before it is started again, ms (bridge and worker restart at once) */
  downMs: number;
}

export interface ScheduleOptions {
  seed: number;
  victims?: readonly Victim[];
  pauseMs?: readonly [number, number];
  downMs?: readonly [number, number];
}

/** An endless sequence of kills; the run takes as many as it needs. */
export function* killSchedule({ seed, victims = VICTIMS, pauseMs = [2_000, 6_000], downMs = [0, 2_000] }: ScheduleOptions): Generator<PlannedKill> {
  const random = seededRandom(seed);
  const plan = (victim: Victim): PlannedKill => ({
    victim,
    pauseMs: random.int(pauseMs[0], pauseMs[1]),
    downMs: victim === 'bridge' || victim === 'worker' ? 0 : random.int(downMs[0], downMs[1]),
  });
  for (const victim of random.shuffle(victims)) yield plan(victim);
  for (;;) yield plan(random.pick(victims));
}
