import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  categoryTotalsSnapshot,
  customerTotalsSnapshot,
  DEFAULT_SEGMENT_THRESHOLDS,
  goldRows,
  salesByCategoryMinute,
  segmentOf,
  shopReports,
} from '../../src/domain/aggregate.ts';
import { UNKNOWN } from '../../src/domain/enrich.ts';
import { advanceState } from '../../src/domain/partition-walk.ts';
import { emptyPartitionState } from '../../src/domain/state.ts';
import { HOUR_MS, itemOf, linesOf, MINUTE_MS, PLACES, shippedTo, silverOrder, T0 } from './domain-fixtures.ts';

const config = { dedupWindowMs: 24 * HOUR_MS };
const thresholds = { vipMinSpendUsd: 1000, regularMinSpendUsd: 100 };

describe('customer totals', () => {
  it('snapshots the customers a batch touched with their lifetime totals after it', () => {
    const first = [silverOrder({ orderId: 'a', totalAmountUsd: 60, itemCount: 2 }), silverOrder({ orderId: 'b', customerId: '2', totalAmountUsd: 5, orderTs: T0 + MINUTE_MS })];
    const rows1 = customerTotalsSnapshot(emptyPartitionState(), first, linesOf(first), thresholds, { partition: 3, endOffset: 99 });
    assert.deepEqual(rows1, [
      { customerId: '1', orders: 1, items: 2, spendUsd: 60, firstOrderTs: T0, lastOrderTs: T0, segment: 'Normal', partition: 3, asOfOffset: 99 },
      { customerId: '2', orders: 1, items: 1, spendUsd: 5, firstOrderTs: T0 + MINUTE_MS, lastOrderTs: T0 + MINUTE_MS, segment: 'Normal', partition: 3, asOfOffset: 99 },
    ]);

    const state = advanceState(emptyPartitionState(), first, linesOf(first), config);
    const second = [silverOrder({ orderId: 'c', totalAmountUsd: 40.55, itemCount: 1, orderTs: T0 + HOUR_MS })];
    const rows2 = customerTotalsSnapshot(state, second, linesOf(second), thresholds, { partition: 3, endOffset: 150 });
    assert.deepEqual(rows2, [{ customerId: '1', orders: 2, items: 3, spendUsd: 100.55, firstOrderTs: T0, lastOrderTs: T0 + HOUR_MS, segment: 'Regular', partition: 3, asOfOffset: 150 }]);
  });

  it('segments customers by lifetime spend thresholds', () => {
    assert.equal(segmentOf(99.99, thresholds), 'Normal');
    assert.equal(segmentOf(100, thresholds), 'Regular');
    assert.equal(segmentOf(1000, thresholds), 'VIP');
    assert.equal(segmentOf(9_999, DEFAULT_SEGMENT_THRESHOLDS), 'Regular');
    assert.equal(segmentOf(10_000), 'VIP');
  });

  it('sums money in cents so long running totals never drift', () => {
    const orders = Array.from({ length: 1000 }, (_, i) => silverOrder({ orderId: `o${i}`, totalAmountUsd: 0.1, orderTs: T0 + i }));
    const [row] = customerTotalsSnapshot(emptyPartitionState(), orders, linesOf(orders), thresholds, { partition: 0, endOffset: 999 });
    assert.equal(row!.spendUsd, 100);
  });
});

describe('category aggregates', () => {
  const a = silverOrder({ orderId: 'a', orderTs: T0 + 5_000 });
  const b = silverOrder({ orderId: 'b', orderTs: T0 + 50_000 });
  const c = silverOrder({ orderId: 'c', orderTs: T0 + MINUTE_MS + 1 });
  const items = [
    itemOf(a, { quantity: 2, unitPriceUsd: 10 }),
    itemOf(a, { productId: 'P002', category: 'Books', quantity: 1, unitPriceUsd: 15 }),
    itemOf(a, { productId: 'P003', category: 'Electronics', quantity: 1, unitPriceUsd: 0.1 }),
    itemOf(b, { quantity: 1, unitPriceUsd: 10 }),
    itemOf(c, { quantity: 3, unitPriceUsd: 10 }),
  ];

  it('counts this batch’s sales per minute and category, an order once per category', () => {
    assert.deepEqual(salesByCategoryMinute(items, 'orders-0-0'), [
      { minute: T0, category: 'Books', orders: 1, items: 1, revenueUsd: 15, batchId: 'orders-0-0' },
      { minute: T0, category: 'Electronics', orders: 2, items: 4, revenueUsd: 30.1, batchId: 'orders-0-0' },
      { minute: T0 + MINUTE_MS, category: 'Electronics', orders: 1, items: 3, revenueUsd: 30, batchId: 'orders-0-0' },
    ]);
  });

  it('writes contributions that add up across batches to the figures of one big batch', () => {
    // Order a in one batch, b (same minute) and c in the next: an order is never split across batches.
    const whole = salesByCategoryMinute(items, 'x');
    const parts = [...salesByCategoryMinute(items.filter((i) => i.orderId === 'a'), 'orders-0-0'), ...salesByCategoryMinute(items.filter((i) => i.orderId !== 'a'), 'orders-0-3')];
    const sum = new Map<string, { orders: number; items: number; revenueUsd: number }>();
    for (const r of parts) {
      const key = `${r.minute}|${r.category}`;
      const acc = sum.get(key) ?? { orders: 0, items: 0, revenueUsd: 0 };
      sum.set(key, { orders: acc.orders + r.orders, items: acc.items + r.items, revenueUsd: Math.round((acc.revenueUsd + r.revenueUsd) * 100) / 100 });
    }
    assert.deepEqual(
      whole.map((r) => [r.minute, r.category, r.orders, r.items, r.revenueUsd]),
      [...sum].map(([key, s]) => [Number(key.split('|')[0]), key.split('|')[1], s.orders, s.items, s.revenueUsd]).sort((x, y) => Number(x[0]) - Number(y[0]) || String(x[1]).localeCompare(String(y[1]))),
    );
  });

  it('snapshots the partition’s running totals of the categories a batch touched', () => {
    const orders = [a, b, c];
    const rows = categoryTotalsSnapshot(emptyPartitionState(), orders, items, { partition: 1, endOffset: 10 });
    assert.deepEqual(rows, [
      { category: 'Books', orders: 1, items: 1, revenueUsd: 15, partition: 1, asOfOffset: 10 },
      { category: 'Electronics', orders: 3, items: 7, revenueUsd: 60.1, partition: 1, asOfOffset: 10 },
    ]);
    const state = advanceState(emptyPartitionState(), orders, items, config);
    const d = silverOrder({ orderId: 'd', orderTs: T0 + HOUR_MS });
    const next = categoryTotalsSnapshot(state, [d], [itemOf(d, { productId: 'P002', category: 'Books', quantity: 2, unitPriceUsd: 15 })], { partition: 1, endOffset: 11 });
    assert.deepEqual(next, [{ category: 'Books', orders: 2, items: 3, revenueUsd: 45, partition: 1, asOfOffset: 11 }]);
  });
});

describe('the shop’s original reports', () => {
  it('counts orders and revenue per city, country, payment method and day, and high-value orders', () => {
    const orders = [
      silverOrder({ orderId: 'a', totalAmountUsd: 100 }),
      silverOrder({ orderId: 'b', totalAmountUsd: 4500, paymentMethod: 'PAYPAL' }),
      shippedTo(PLACES.paris!, { orderId: 'c', totalAmountUsd: 50.5 }),
      silverOrder({ orderId: 'd', city: UNKNOWN, country: UNKNOWN, lat: null, lon: null, totalAmountUsd: 4000, orderTs: T0 + 24 * HOUR_MS }),
    ];
    const r = shopReports(orders, 'orders-1-0');
    assert.deepEqual(r.cityOrders, [
      { city: 'Berlin', country: 'DE', orders: 2, revenueUsd: 4600, batchId: 'orders-1-0' },
      { city: 'Paris', country: 'FR', orders: 1, revenueUsd: 50.5, batchId: 'orders-1-0' },
      { city: UNKNOWN, country: UNKNOWN, orders: 1, revenueUsd: 4000, batchId: 'orders-1-0' },
    ]);
    assert.deepEqual(r.countryRevenue.map((x) => [x.country, x.orders, x.revenueUsd]), [['DE', 2, 4600], ['FR', 1, 50.5], [UNKNOWN, 1, 4000]]);
    assert.deepEqual(r.paymentMethodDaily.map((x) => [x.orderDate, x.paymentMethod, x.orders, x.revenueUsd]), [
      ['2026-11-24', 'CREDIT CARD', 2, 150.5],
      ['2026-11-24', 'PAYPAL', 1, 4500],
      ['2026-11-25', 'CREDIT CARD', 1, 4000],
    ]);
    assert.deepEqual(r.highValueDaily, [
      { orderDate: '2026-11-24', highValueOrders: 1, highValueRevenueUsd: 4500, orders: 3, thresholdUsd: 4000, batchId: 'orders-1-0' },
      { orderDate: '2026-11-25', highValueOrders: 0, highValueRevenueUsd: 0, orders: 1, thresholdUsd: 4000, batchId: 'orders-1-0' },
    ]);
  });

  it('builds every gold table of a batch from one walk, consistent with the single functions', () => {
    const orders = [silverOrder({ orderId: 'a' }), silverOrder({ orderId: 'b', customerId: '2', orderTs: T0 + MINUTE_MS })];
    const items = linesOf(orders);
    const gold = goldRows(emptyPartitionState(), orders, items, { batchId: 'orders-0-0', partition: 0, endOffset: 1, segmentThresholds: thresholds });
    assert.deepEqual(gold.customerTotals, customerTotalsSnapshot(emptyPartitionState(), orders, items, thresholds, { partition: 0, endOffset: 1 }));
    assert.deepEqual(gold.categoryTotals, categoryTotalsSnapshot(emptyPartitionState(), orders, items, { partition: 0, endOffset: 1 }));
    assert.deepEqual(gold.salesByCategoryMinute, salesByCategoryMinute(items, 'orders-0-0'));
    assert.deepEqual(gold.cityOrders, shopReports(orders, 'orders-0-0').cityOrders);
  });
});
