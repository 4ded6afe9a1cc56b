// Where a run's event clock ends, found by generating the run without sending it. The simulator's
// clock can only move as fast as its customers can order (each at most every 15 minutes), so a run
// replayed faster than that spans more event time than wall time. A run that must stay in the past
// of its Kafka timestamps (the chaos run: no order dated after it arrives) starts that far back.
import type { ShopReferenceData } from '../reference/index.ts';
import type { GeneratorOptions } from './generator-settings.ts';
import { OrderSimulator } from './generator.ts';

/** Event time from the first order to the last of a run with these options, ms. */
export function eventSpanMs(reference: ShopReferenceData, options: GeneratorOptions & { count: number; startMs: number }): number {
  const simulator = new OrderSimulator(reference, options);
  while (simulator.next()) {
    // generate only
  }
  return simulator.eventClockMs - options.startMs;
}

/**
 * A start time such that the run's last order is dated `marginMs` before `endMs`. Two passes,
 * because the span depends a little on the start (customers shop by their local hour).
 */
export function startEndingBefore(reference: ShopReferenceData, options: GeneratorOptions & { count: number }, endMs: number, marginMs: number): number {
  let startMs = endMs - marginMs;
  for (let pass = 0; pass < 2; pass++) startMs = endMs - marginMs - eventSpanMs(reference, { ...options, startMs });
  return startMs;
}
