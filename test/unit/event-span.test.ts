import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customersForRate } from '../../src/cli/start.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { eventSpanMs, startEndingBefore } from '../../src/simulator/event-span.ts';
import { OrderSimulator } from '../../src/simulator/generator.ts';

const reference = loadReferenceData({ CUSTOMERS: 200 });
const options = { count: 3_000, seed: 5, anomalyRate: 0.03, eventRatePerHour: 3_600_000, dailyRhythm: false };

describe('the event span of a run', () => {
  it('is longer than the send rate implies when the customers cannot keep up', () => {
    // 3,000 orders at a nominal 1,000 per second would span 3 s; 200 customers need hours
    assert.ok(eventSpanMs(reference, { ...options, startMs: Date.parse('2026-11-28T00:00:00Z') }) > 3_600_000);
  });

  it('gives a start whose run ends just before the chosen moment', () => {
    const end = Date.parse('2026-11-28T12:00:00Z');
    const startMs = startEndingBefore(reference, options, end, 60_000);
    const simulator = new OrderSimulator(reference, { ...options, startMs });
    while (simulator.next()) {
      // generate only
    }
    const last = simulator.eventClockMs;
    assert.ok(last <= end - 60_000 + 5 * 60_000, `the last order is dated ${new Date(last).toISOString()}, more than the quality check's 5 min past the end`);
    assert.ok(last >= end - 60 * 60_000, `the last order is dated ${new Date(last).toISOString()}, an hour before the end`);
  });

  it('sizes the demo to about a thousand customers per order a second, never below CUSTOMERS', () => {
    assert.equal(customersForRate(5, 1000), 5000);
    assert.equal(customersForRate(0.5, 1000), 1000);
  });
});
