// The dashboard's live view runs on the present: ranges end now, future-dated orders stay out of
// the chart and the rate (and are counted), the rate goes by arrival, and the range adapts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GoldReader } from '../../src/dashboard/gold-reader.ts';
import type { GoldLake } from '../../src/dashboard/table-follower.ts';
import { autoRange } from '../../src/dashboard/gold-views.ts';

const MIN = 60_000;
const NOW = Date.parse('2026-11-30T12:00:30Z');
const NOW_MINUTE = Date.parse('2026-11-30T12:00:00Z');

/** A lake in memory whose objects are JSON rows; objects can be added while the reader follows it. */
function memoryLake() {
  const objects = new Map<string, Uint8Array>();
  const lake: GoldLake = {
    list: async (prefix) => [...objects.keys()].filter((key) => key.startsWith(prefix)).sort(),
    get: async (key) => objects.get(key),
  };
  let n = 0;
  const addSales = (rows: { minute: number; orders: number; revenueUsd: number }[]): void => {
    const key = `gold/sales_by_category_minute/order_date=x/part-0-${String(n++).padStart(6, '0')}.parquet`;
    objects.set(key, new TextEncoder().encode(JSON.stringify(rows.map((r) => ({ ...r, category: 'Books', items: r.orders, batchId: `orders-0-${n}` })))));
  };
  /** A batch's quality rows: `orders` checked, `future` of them dated ahead. */
  const addQuality = (batchId: string, orders: number, future: number): void => {
    const row = (check: string, field: string, count: number) => ({ batchId, check, field, count, total: orders, rate: 0, maxRate: 0.1, breached: false, detail: '{}' });
    objects.set(`gold/dq_metrics/batch_date=x/part-0-${String(n++).padStart(6, '0')}.parquet`, new TextEncoder().encode(JSON.stringify([row('missing', 'city', 0), row('missing', 'country', 0), row('future', 'orderTs', future)])));
  };
  const parse = async (bytes: Uint8Array): Promise<Record<string, unknown>[]> => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>[];
  return { lake, parse, addSales, addQuality };
}

void describe('the live clock', () => {
  void it('ends every range at the present minute and keeps future-dated orders out of it', async () => {
    const { lake, parse, addSales } = memoryLake();
    addSales([
      { minute: NOW_MINUTE - 3 * MIN, orders: 4, revenueUsd: 40 },
      { minute: NOW_MINUTE, orders: 2, revenueUsd: 20 },
      // Three weeks ahead: the simulator's "future" anomaly.
      { minute: NOW_MINUTE + 21 * 1440 * MIN, orders: 1, revenueUsd: 999 },
    ]);
    const reader = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default', now: () => NOW });
    await reader.refresh();
    const view = reader.seriesView();
    assert.equal(view.nowMinute, NOW_MINUTE);
    assert.equal(view.auto, '15m');
    const short = view.ranges['15m'];
    assert.equal(short.bucketMs, MIN);
    assert.equal(short.minutes.length, 15);
    assert.equal(short.minutes.at(-1), NOW_MINUTE);
    assert.deepEqual(short.orders.slice(-4), [4, 0, 0, 2]);
    assert.equal(short.orders.reduce((a, b) => a + b, 0), 6);
    // 24 h in 5-minute buckets, never more than 300 points.
    assert.equal(view.ranges['24h'].bucketMs, 5 * MIN);
    assert.ok(view.ranges['24h'].minutes.length <= 300);
    const totals = reader.totalsView();
    assert.equal(totals.futureOrders, 1);
    assert.equal(totals.futureRevenueUsd, 999);
  });

  void it('counts the rate by arrival, in distinct orders: history in the lake at start is not an arrival', async () => {
    const { lake, parse, addSales, addQuality } = memoryLake();
    // A day of history, dated yesterday, already in the lake.
    for (let h = 0; h < 24; h++) addSales([{ minute: NOW_MINUTE - (24 - h) * 60 * MIN, orders: 500, revenueUsd: 5000 }]);
    let now = NOW;
    const reader = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default', now: () => now });
    await reader.refresh();
    assert.equal(reader.totalsView().recentOrdersPerMin, null, 'no rate before the reader has followed the lake');
    // Then two minutes of live orders at 300/min, a batch every 10 s, each read as it appears.
    // Each order has lines in two categories (so the sales rows count it twice), and one batch
    // carries 1,000 orders dated next month, which must not count.
    for (let i = 1; i <= 12; i++) {
      now = NOW + i * 10_000;
      const future = i === 6 ? 1000 : 0;
      addSales([
        { minute: Math.floor(now / MIN) * MIN, orders: 50, revenueUsd: 250 },
        { minute: Math.floor(now / MIN) * MIN, orders: 50, revenueUsd: 250 },
        ...(future ? [{ minute: now + 30 * 1440 * MIN, orders: future, revenueUsd: 1 }] : []),
      ]);
      addQuality(`live-${i}`, 50 + future, future);
      await reader.refresh();
    }
    const totals = reader.totalsView();
    assert.equal(totals.recentOrdersPerMin, 300);
    assert.equal(totals.recentRevenuePerMin, 3000);
    assert.equal(totals.futureOrders, 1000);
    // The day of history is in the 24 h range, and the range opens there since orders still arrive.
    assert.equal(reader.seriesView().auto, '24h');
  });

  void it('picks the smallest range that holds the data, or the last day while orders arrive', () => {
    assert.equal(autoRange(5 * MIN, 0), '15m');
    assert.equal(autoRange(40 * MIN, 0), '1h');
    assert.equal(autoRange(10 * 60 * MIN, 0), '24h');
    assert.equal(autoRange(30 * 1440 * MIN, 2 * MIN), '24h');
    assert.equal(autoRange(30 * 1440 * MIN, 3 * 1440 * MIN), 'all');
  });
});
