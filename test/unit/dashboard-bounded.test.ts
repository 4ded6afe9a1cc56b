// The dashboard's memory stays within DASHBOARD_MAX_ROWS however long it follows the lake.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { BoundedMap, rowCount } from '../../src/dashboard/bounded-map.ts';
import { GoldReader } from '../../src/dashboard/gold-reader.ts';
import type { GoldLake } from '../../src/dashboard/table-follower.ts';
import { LiveDashboard } from '../../src/dashboard/live.ts';
import { startDashboardServer } from '../../src/dashboard/server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('BoundedMap', () => {
  test('keeps the newest entries within the row budget and hands the evicted ones over', () => {
    const evicted: string[] = [];
    const parts = new BoundedMap<string, number[]>(10, rowCount, (key) => evicted.push(key));
    for (let i = 0; i < 8; i++) parts.set(`part-${i}`, [1, 2, 3]);
    assert.deepEqual([...parts.keys()], ['part-5', 'part-6', 'part-7']);
    assert.equal(parts.totalWeight, 9);
    assert.equal(parts.evicted, 5);
    assert.deepEqual(evicted, ['part-0', 'part-1', 'part-2', 'part-3', 'part-4']);
  });

  test('a part larger than the budget is kept alone, as the newest data', () => {
    const parts = new BoundedMap<string, number[]>(4, rowCount);
    parts.set('a', [1]);
    parts.set('huge', [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...parts.keys()], ['huge']);
  });

  test('setting a key again replaces its weight and makes it the newest; delete and clear free the budget', () => {
    const parts = new BoundedMap<string, number[]>(5, rowCount);
    parts.set('a', [1, 2]);
    parts.set('b', [1, 2]);
    parts.set('a', [1]);
    assert.equal(parts.totalWeight, 3);
    parts.set('c', [1, 2, 3]);
    assert.deepEqual([...parts.keys()], ['a', 'c'], 'b was the oldest');
    assert.equal(parts.delete('a'), true);
    assert.equal(parts.delete('a'), false);
    assert.equal(parts.totalWeight, 3);
    parts.clear();
    assert.equal(parts.totalWeight, 0);
    assert.equal(parts.evicted, 0);
  });

  test('without a weight function every entry weighs one', () => {
    const ids = new BoundedMap<number, string>(3);
    for (let i = 0; i < 1000; i++) ids.set(i, `alert-${i}`);
    assert.deepEqual([...ids.keys()], [997, 998, 999]);
    assert.equal(ids.evicted, 997);
  });
});

/** A lake in memory whose objects are JSON rows. */
function memoryLake() {
  const objects = new Map<string, Uint8Array>();
  const lake: GoldLake = {
    list: async (prefix) => [...objects.keys()].filter((key) => key.startsWith(prefix)).sort(),
    get: async (key) => objects.get(key),
  };
  const put = (key: string, rows: object[]): void => void objects.set(key, new TextEncoder().encode(JSON.stringify(rows)));
  const parse = async (bytes: Uint8Array): Promise<Record<string, unknown>[]> => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>[];
  return { lake, parse, put, objects };
}

const MIN = 60_000;
const T0 = Date.parse('2026-11-30T00:00:00Z');
const part = (i: number): string => String(i).padStart(6, '0');

/** Batch i: one sales row per category of its minute, its quality rows (one breach every 10th) and an alert. */
function writeBatch(put: (key: string, rows: object[]) => void, i: number): void {
  const batchId = `orders-0-${i}`;
  put(`gold/sales_by_category_minute/order_date=x/part-0-${part(i)}.parquet`, ['Books', 'Toys'].map((category) => ({ minute: T0 + i * MIN, category, orders: 1, items: 2, revenueUsd: 10, batchId })));
  const dq = (check: string, field: string, breached: boolean) => ({ batchId, check, field, count: breached ? 5 : 0, total: 10, rate: 0, maxRate: 0.1, breached, detail: '{}' });
  put(`gold/dq_metrics/batch_date=x/part-0-${part(i)}.parquet`, [dq('missing', 'city', false), dq('future', 'orderTs', i % 10 === 0)]);
  put(`gold/fraud_alerts/batch_date=x/part-0-${part(i)}.parquet`, [
    { alertId: `a-${i}`, customerId: String(i), ruleId: 'velocity', severity: 'high', windowStart: T0 + i * MIN, windowEnd: T0 + i * MIN, orderIds: 'o1,o2', score: 5, evidence: '{}', batchId, openedAt: null, mails: null, asOfOffset: i },
  ]);
}

describe('the dashboard\'s gold reader within DASHBOARD_MAX_ROWS', () => {
  test('500 batches with a budget of 50 rows: totals and counts exact, rows and minutes held within the budget', async () => {
    const { lake, parse, put } = memoryLake();
    for (let i = 0; i < 500; i++) writeBatch(put, i);
    const bounded = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default', now: () => T0 + 600 * MIN, maxRows: 50 });
    const unbounded = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default', now: () => T0 + 600 * MIN });
    await bounded.refresh();
    await unbounded.refresh();

    const [b, u] = [bounded.totalsView(), unbounded.totalsView()];
    assert.equal(b.revenueUsd, 10_000);
    assert.equal(b.revenueUsd, u.revenueUsd);
    assert.equal(b.alerts, 500);
    assert.equal(b.batches, 500);
    assert.deepEqual(bounded.categoriesView(), unbounded.categoriesView());
    const [bq, uq] = [bounded.qualityView(), unbounded.qualityView()];
    assert.equal(bq.batches, 500);
    assert.equal(bq.breachedBatches, 50);
    assert.deepEqual(bq.rows, uq.rows, 'the newest batches are listed the same');
    assert.equal(bounded.alertsView().count, 500);
    assert.deepEqual(bounded.alertsView().rows.slice(0, 10), unbounded.alertsView().rows.slice(0, 10));

    // What is held: within the budget (sales 2 rows a part, alerts 1, quality 2).
    const held = bounded as unknown as Record<string, Map<unknown, unknown> & { totalWeight?: number }>;
    for (const name of ['salesByKey', 'alertsByKey', 'dqByKey']) assert.ok(held[name]!.totalWeight! <= 50, `${name} holds ${held[name]!.totalWeight} rows`);
    assert.ok(held.alertById!.size <= 50, `alertById holds ${held.alertById!.size}`);
    assert.ok(held.dqByBatch!.size <= 25, `dqByBatch holds ${held.dqByBatch!.size}`);
    assert.ok(held.byMinute!.size <= 50, `byMinute holds ${held.byMinute!.size}`);
    assert.ok((held.salesByKey as Map<unknown, unknown>).size < 500);
  });

  test('a part removed from the lake after rows were dropped makes the table read again, and the totals stay right', async () => {
    const { lake, parse, put, objects } = memoryLake();
    for (let i = 0; i < 100; i++) writeBatch(put, i);
    const reader = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default', now: () => T0 + 600 * MIN, maxRows: 20 });
    await reader.refresh();
    assert.equal(reader.totalsView().revenueUsd, 2_000);
    objects.delete(`gold/sales_by_category_minute/order_date=x/part-0-${part(0)}.parquet`);
    objects.delete(`gold/dq_metrics/batch_date=x/part-0-${part(0)}.parquet`);
    objects.delete(`gold/fraud_alerts/batch_date=x/part-0-${part(0)}.parquet`);
    await reader.refresh();
    const totals = reader.totalsView();
    assert.equal(totals.revenueUsd, 1_980);
    assert.equal(totals.batches, 99);
    assert.equal(totals.alerts, 99);
  });
});

/** Opens the live-update stream; resolves with the status and, for a 200, the open request (to close later). */
function openEvents(base: string): Promise<{ status: number; body: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}/api/events`, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        // A stream is established once its first snapshot arrived.
        if (response.statusCode === 200 && body.includes('event: update')) resolve({ status: 200, body, close: () => request.destroy() });
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, close: () => request.destroy() }));
    });
    request.on('error', reject);
  });
}

describe('the dashboard server within DASHBOARD_MAX_CLIENTS', () => {
  test('one live connection more than allowed gets 503 with a clear body; a freed slot is served again', { timeout: 30_000 }, async () => {
    const { lake, parse } = memoryLake();
    const reader = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default' });
    const live = new LiveDashboard({ reader, pollIntervalMs: 60_000 });
    const server = await startDashboardServer({ live, host: '127.0.0.1', port: 0, maxClients: 3 });
    const open: { close: () => void }[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const stream = await openEvents(server.url);
        assert.equal(stream.status, 200);
        open.push(stream);
      }
      const refused = await openEvents(server.url);
      assert.equal(refused.status, 503);
      assert.match(refused.body, /at most 3 live connections at once \(DASHBOARD_MAX_CLIENTS\)/);
      // The page itself is still served.
      assert.equal((await fetch(`${server.url}/api/snapshot`)).status, 200);

      open.shift()!.close();
      const again = await waitFor('a freed slot', async () => {
        const stream = await openEvents(server.url);
        if (stream.status === 200) return stream;
        stream.close();
        return undefined;
      }, { timeoutMs: 5_000 });
      open.push(again);
    } finally {
      for (const stream of open) stream.close();
      await live.stop();
      await server.close();
    }
  });
});

describe('the dashboard\'s gold reader when the lake is emptied', () => {
  test('every part removed after rows were dropped: the figures go to zero', async () => {
    const { lake, parse, put, objects } = memoryLake();
    for (let i = 0; i < 30; i++) writeBatch(put, i);
    const reader = new GoldReader({ lake, parse, temporalUiUrl: 'http://ui', namespace: 'default', now: () => T0 + 600 * MIN, maxRows: 10 });
    await reader.refresh();
    objects.clear();
    const changed = await reader.refresh();
    assert.deepEqual([...changed].sort(), ['alerts', 'quality', 'sales']);
    const totals = reader.totalsView();
    assert.equal(totals.revenueUsd, 0);
    assert.equal(totals.alerts, 0);
    assert.equal(totals.batches, 0);
  });
});
