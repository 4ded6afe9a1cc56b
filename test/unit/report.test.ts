import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GoldReader } from '../../src/dashboard/gold-reader.ts';
import type { GoldLake } from '../../src/dashboard/table-follower.ts';
import { buildReport } from '../../src/report/build.ts';
import { renderReport } from '../../src/report/render.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-11-25T10:00:00Z');

/** An in-memory lake whose objects are JSON arrays of rows, read by a JSON "parser". */
function memoryLake(objects: Record<string, Record<string, unknown>[]>): { lake: GoldLake; parse: (bytes: Uint8Array) => Promise<Record<string, unknown>[]> } {
  const encoded = new Map(Object.entries(objects).map(([key, rows]) => [key, new TextEncoder().encode(JSON.stringify(rows))]));
  return {
    lake: {
      list: async (prefix) => [...encoded.keys()].filter((key) => key.startsWith(prefix)).sort(),
      get: async (key) => encoded.get(key),
    },
    parse: async (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>[],
  };
}

const lakeObjects = {
  'gold/sales_by_category_minute/order_date=2026-11-25/part-0-1-2.parquet': [
    { minute: T0, category: 'Books', orders: 2, items: 3, revenueUsd: 30.5, batchId: 'orders-0-0' },
    { minute: T0 + 10 * MIN, category: 'Toys', orders: 1, items: 1, revenueUsd: 99.99, batchId: 'orders-0-10' },
  ],
  'gold/customer_totals/partition=0/at=1.parquet': [
    { customerId: '7', orders: 2, items: 3, spendUsd: 30.5, firstOrderTs: T0, lastOrderTs: T0, segment: 'Normal', partition: 0, asOfOffset: 10 },
    { customerId: '8', orders: 1, items: 1, spendUsd: 99.99, firstOrderTs: T0 + 10 * MIN, lastOrderTs: T0 + 10 * MIN, segment: 'Normal', partition: 0, asOfOffset: 11 },
  ],
  'gold/fraud_alerts/order_date=2026-11-25/part-0-1-2.parquet': [
    { alertId: 'a1', customerId: '7', ruleId: 'velocity', severity: 'high', windowStart: T0 - MIN, windowEnd: T0, orderIds: 'o1,o2', score: 3, evidence: '', batchId: 'orders-0-0' },
  ],
  'gold/dq_metrics/batch_date=2026-11-25/part-0-1-2.parquet': [
    { batchId: 'orders-0-0', check: 'future', field: 'orderTs', count: 1, total: 2, breached: true, rate: 0.5, maxRate: 0.1, detail: '' },
    { batchId: 'orders-0-10', check: 'future', field: 'orderTs', count: 0, total: 1, breached: false, rate: 0, maxRate: 0.1, detail: '' },
  ],
};

async function reportOf(sinceMs?: number) {
  const { lake, parse } = memoryLake(lakeObjects);
  const reader = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default', sinceMs });
  await reader.refresh();
  return buildReport(reader, sinceMs);
}

void describe('orders report', () => {
  void it('sums the whole lake when no window is given', async () => {
    const report = await reportOf();
    assert.equal(report.since, null);
    assert.equal(report.ordersAllTime, 3);
    assert.equal(report.revenueUsd, 130.49);
    assert.equal(report.items, 4);
    assert.deepEqual(report.categories.map((c) => c.category), ['Toys', 'Books']);
    assert.deepEqual(report.customers.top.map((c) => c.customerId), ['8', '7']);
    assert.equal(report.alerts.count, 1);
    assert.deepEqual([report.quality.batches, report.quality.breachedBatches], [2, 1]);
    assert.deepEqual(report.quality.breaches, [{ batchId: 'orders-0-0', check: 'future', field: 'orderTs', count: 1, total: 2, rate: 0.5 }]);
  });

  void it('keeps only the window: minutes, alerts, customers and batches after --since', async () => {
    const report = await reportOf(T0 + 5 * MIN);
    assert.equal(report.since, new Date(T0 + 5 * MIN).toISOString());
    assert.equal(report.ordersAllTime, 3, 'distinct orders stay all-time');
    assert.equal(report.revenueUsd, 99.99);
    assert.deepEqual(report.categories.map((c) => c.category), ['Toys']);
    assert.deepEqual([report.customers.count, report.customers.top.map((c) => c.customerId)], [1, ['8']]);
    assert.equal(report.alerts.count, 0);
    assert.deepEqual([report.quality.batches, report.quality.breachedBatches], [1, 0]);
  });

  void it('renders headed tables with money to the cent', async () => {
    const text = renderReport(await reportOf());
    assert.match(text, /^Orders report \(all time; order minutes 2026-11-25 10:00 \.\. 2026-11-25 10:10 UTC\)/);
    assert.match(text, /revenue\s+130\.49 USD/);
    assert.match(text, /Top categories\ncategory\s+orders\s+items\s+revenue USD\s+share\nToys/);
    assert.match(text, /Data-quality breaches \(newest batches\)\nbatch .*\norders-0-0\s+future\s+orderTs\s+1\s+2\s+50\.0%/);
  });
});
