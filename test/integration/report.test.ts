// `orders report` on the real stack: after a simulated run, its figures equal the truth file's
// (orders, revenue to the cent, categories, customers) and DuckDB's reading of gold (alerts, quality).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OrdersReport } from '../../src/report/build.ts';
import { ordersJson, runOrders } from '../helpers/cli.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { oracleOf, readTruth, type Oracle } from '../helpers/oracle.ts';
import { TestPipeline } from '../helpers/pipeline.ts';

const cents = (usd: number): number => Math.round(usd * 100);

describe('orders report', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '80', BATCH_MAX_WAIT_MS: '300' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  let oracle: Oracle;
  let report: OrdersReport;

  before(async () => {
    await pipeline.start();
    await pipeline.simulate({ count: 500, rate: 500, seed: 31, anomalyRate: 0.05, truthFile, startMs: Date.now(), eventRatePerHour: 500 * 3600, dailyRhythm: false });
    oracle = oracleOf(readTruth(truthFile));
    await pipeline.waitUntilDrained(180_000);
    report = await ordersJson<OrdersReport>(['report'], pipeline.env);
  });

  after(async () => {
    await pipeline.stop();
  });

  it('counts distinct orders, revenue to the cent and items as the truth file says', () => {
    assert.equal(report.since, null);
    assert.equal(report.ordersAllTime, oracle.distinctOrderIds.size);
    const categories = [...oracle.categories.values()];
    assert.equal(cents(report.revenueUsd), categories.reduce((sum, c) => sum + c.revenueCents, 0));
    assert.equal(report.items, categories.reduce((sum, c) => sum + c.items, 0));
  });

  it('ranks categories by revenue and customers by spend, as the truth file does', () => {
    const topCategories = [...oracle.categories].sort(([a, x], [b, y]) => y.revenueCents - x.revenueCents || a.localeCompare(b)).slice(0, report.categories.length);
    assert.deepEqual(report.categories.map((c) => [c.category, cents(c.revenueUsd), c.items]), topCategories.map(([name, c]) => [name, c.revenueCents, c.items]));
    assert.equal(report.customers.count, oracle.customers.size);
    const top = report.customers.top[0]!;
    const best = Math.max(...[...oracle.customers.values()].map((c) => c.spendCents));
    assert.equal(cents(top.spendUsd), best);
    assert.deepEqual({ orders: top.orders, items: top.items, spendCents: cents(top.spendUsd) }, oracle.customers.get(top.customerId));
  });

  it('counts fraud alerts and data-quality results as DuckDB reads gold', async () => {
    const [alerts] = await queryLake(pipeline.config, 'SELECT count(DISTINCT alertId) AS n FROM {gold/fraud_alerts}');
    const [quality] = await queryLake(pipeline.config, 'SELECT count(DISTINCT batchId) AS batches, count(DISTINCT batchId) FILTER (WHERE breached) AS breached FROM {gold/dq_metrics}');
    assert.equal(report.alerts.count, Number(alerts!.n));
    assert.ok(report.alerts.count > 0, 'the run raised alerts');
    assert.deepEqual([report.quality.batches, report.quality.breachedBatches], [Number(quality!.batches), Number(quality!.breached)]);
  });

  it('with --since covering the whole run, reports the same figures', async () => {
    const windowed = await ordersJson<OrdersReport>(['report', '--since', '1w'], pipeline.env);
    assert.ok(windowed.since !== null);
    assert.deepEqual({ ...windowed, since: null }, report);
  });

  it('prints the figures as text tables', async () => {
    const text = await runOrders(['report'], pipeline.env);
    assert.equal(text.code, 0);
    assert.match(text.stdout, new RegExp(`^orders \\(all time\\)\\s+${oracle.distinctOrderIds.size.toLocaleString('en-US')}$`, 'm'));
    assert.match(text.stdout, /^Top categories$/m);
    assert.match(text.stdout, /^Top customers \(lifetime\)$/m);
  });
});
