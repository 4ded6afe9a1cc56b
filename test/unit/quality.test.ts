import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNKNOWN } from '../../src/domain/enrich.ts';
import {
  checkQuality,
  DEFAULT_QUALITY_THRESHOLDS,
  loadQualityThresholds,
  parseQualityThresholds,
  QualityThresholdsError,
  reasonGroup,
  type QualityInput,
} from '../../src/domain/quality.ts';
import type { DqMetricRow } from '../../src/domain/rows.ts';
import { HOUR_MS, itemOf, linesOf, MINUTE_MS, silverOrder, T0 } from './domain-fixtures.ts';

const strict = parseQualityThresholds({
  missing: { maxRate: 0.1, minCount: 1 },
  duplicate: { maxRate: 0.1, minCount: 1 },
  outlier: { maxRate: 0.05, minCount: 1, minSamples: 10 },
  schema: { maxRate: 0.1, minCount: 1 },
  late: { maxRate: 0.1, minCount: 1 },
  future: { maxRate: 0.1, minCount: 1 },
});

function input(overrides: Partial<QualityInput> = {}): QualityInput {
  const orders = overrides.orders ?? Array.from({ length: 10 }, (_, i) => silverOrder({ orderId: `o${i}`, orderTs: T0 + i * MINUTE_MS }));
  return {
    batchId: 'orders-0-0',
    records: orders.map((o) => ({ orderId: o.orderId, duplicate: false })),
    quarantined: [],
    orders,
    items: linesOf(orders),
    ...overrides,
  };
}

const row = (rows: DqMetricRow[], check: string, field: string): DqMetricRow => {
  const found = rows.find((r) => r.check === check && r.field === field);
  assert.ok(found, `no row for ${check}/${field}`);
  return found;
};

describe('data-quality checks', () => {
  it('writes a row for every check and field even when all is well', () => {
    const rows = checkQuality(input(), strict);
    assert.deepEqual(
      rows.map((r) => `${r.check}/${r.field}`),
      ['missing/shippingStreet', 'missing/city', 'missing/country', 'missing/geo', 'missing/customer', 'missing/product', 'duplicate/batch', 'duplicate/window', 'outlier/Electronics', 'schema/record', 'late/orderTs', 'future/orderTs'],
    );
    assert.ok(rows.every((r) => r.batchId === 'orders-0-0' && !r.breached && r.count === 0));
    assert.deepEqual(row(rows, 'missing', 'city'), { batchId: 'orders-0-0', check: 'missing', field: 'city', count: 0, total: 10, breached: false, rate: 0, maxRate: 0.1, detail: '{}' });
  });

  it('counts values left empty or Unknown by enrichment, but never an empty message', () => {
    const orders = [
      silverOrder({ orderId: 'street-only', city: UNKNOWN, country: UNKNOWN, lat: null, lon: null }),
      silverOrder({ orderId: 'atlantis', city: 'Atlantis', country: 'GR', lat: null, lon: null }),
      silverOrder({ orderId: 'stranger', customerName: '', customerSegment: '', homeCity: '', homeCountry: '' }),
      ...Array.from({ length: 7 }, (_, i) => silverOrder({ orderId: `ok${i}`, message: '' })),
    ];
    const items = [...linesOf(orders), itemOf(orders[0]!, { productId: 'P777', productName: '', category: UNKNOWN, unitPriceUsd: 0 })];
    const rows = checkQuality(input({ orders, items }), strict);
    assert.deepEqual([row(rows, 'missing', 'city').count, row(rows, 'missing', 'country').count, row(rows, 'missing', 'geo').count, row(rows, 'missing', 'customer').count], [1, 1, 2, 1]);
    assert.equal(row(rows, 'missing', 'shippingStreet').count, 0);
    const product = row(rows, 'missing', 'product');
    assert.deepEqual([product.count, product.total, JSON.parse(product.detail)], [1, 11, { productIds: ['P777'] }]);
    const geo = row(rows, 'missing', 'geo');
    assert.deepEqual([geo.rate, geo.breached, JSON.parse(geo.detail)], [0.2, true, { orderIds: ['street-only', 'atlantis'] }]);
    assert.equal(rows.some((r) => r.field === 'message'), false);
  });

  it('tells repeats within the batch from repeats of an earlier batch', () => {
    const orders = input().orders;
    const records = [
      { orderId: 'o0', duplicate: false },
      { orderId: 'o0', duplicate: true },
      { orderId: 'old', duplicate: true },
      { orderId: 'old', duplicate: true },
      ...orders.slice(1).map((o) => ({ orderId: o.orderId, duplicate: false })),
    ];
    const rows = checkQuality(input({ records }), strict);
    const batch = row(rows, 'duplicate', 'batch');
    const window = row(rows, 'duplicate', 'window');
    assert.deepEqual([batch.count, batch.total, JSON.parse(batch.detail)], [1, 13, { orderIds: ['o0'] }]);
    assert.deepEqual([window.count, window.total, JSON.parse(window.detail)], [2, 13, { orderIds: ['old', 'old'] }]);
    assert.equal(window.breached, true);
  });

  it('finds outlying order values per category with a robust z-score, given enough orders', () => {
    const usual = Array.from({ length: 19 }, (_, i) => silverOrder({ orderId: `u${i}`, totalAmountUsd: 80 + (i % 5) * 10 }));
    const wild = silverOrder({ orderId: 'wild', totalAmountUsd: 250_000 });
    const books = Array.from({ length: 3 }, (_, i) => silverOrder({ orderId: `b${i}`, totalAmountUsd: 1_000_000 }));
    const orders = [...usual, wild, ...books];
    const items = [...linesOf([...usual, wild]), ...books.map((o) => itemOf(o, { category: 'Books', productId: 'P002' }))];
    const rows = checkQuality(input({ orders, items }), strict);
    const electronics = row(rows, 'outlier', 'Electronics');
    assert.deepEqual([electronics.count, electronics.total, electronics.breached], [1, 20, false], '1 of 20 is not above 5%');
    assert.deepEqual(JSON.parse(electronics.detail).orderIds, ['wild']);
    const few = row(rows, 'outlier', 'Books');
    assert.deepEqual([few.count, few.total, JSON.parse(few.detail).evaluated], [0, 3, false], 'too few orders to judge');
  });

  it('counts schema violations with their reasons grouped', () => {
    const quarantined = [
      { reason: 'items[2].quantity: must be an integer ≥ 1' },
      { reason: 'items[0].quantity: must be an integer ≥ 1' },
      { reason: 'malformed JSON: Unexpected end of JSON input' },
    ];
    const rows = checkQuality(input({ quarantined }), strict);
    const schema = row(rows, 'schema', 'record');
    assert.deepEqual([schema.count, schema.total, schema.breached], [3, 13, true]);
    assert.deepEqual(JSON.parse(schema.detail), { reasons: { 'items[].quantity: must be an integer ≥ 1': 2, 'malformed JSON: Unexpected end of JSON input': 1 } });
    assert.equal(reasonGroup('items[12].productId: required'), 'items[].productId: required');
  });

  it('flags orders dated long before, or after, they reached Kafka', () => {
    const orders = [
      silverOrder({ orderId: 'late', orderTs: T0, kafkaTs: T0 + 25 * HOUR_MS }),
      silverOrder({ orderId: 'fine-late', orderTs: T0, kafkaTs: T0 + 23 * HOUR_MS }),
      silverOrder({ orderId: 'future', orderTs: T0 + 10 * MINUTE_MS, kafkaTs: T0 }),
      silverOrder({ orderId: 'skew', orderTs: T0 + 4 * MINUTE_MS, kafkaTs: T0 }),
      ...Array.from({ length: 6 }, (_, i) => silverOrder({ orderId: `n${i}` })),
    ];
    const rows = checkQuality(input({ orders }), strict);
    assert.deepEqual(JSON.parse(row(rows, 'late', 'orderTs').detail), { lateAfterHours: 24, orderIds: ['late'] });
    assert.deepEqual(JSON.parse(row(rows, 'future', 'orderTs').detail), { toleranceMinutes: 5, orderIds: ['future'] });
    assert.equal(row(rows, 'future', 'orderTs').total, 10);
  });

  it('breaches only when both the share and the minimum count are exceeded', () => {
    const orders = Array.from({ length: 20 }, (_, i) => silverOrder({ orderId: `o${i}`, ...(i < 4 ? { city: UNKNOWN, country: UNKNOWN, lat: null, lon: null } : {}) }));
    const thresholds = parseQualityThresholds({ missing: { maxRate: 0.1, minCount: 5 } });
    assert.equal(row(checkQuality(input({ orders }), thresholds), 'missing', 'city').breached, false, '4 of 20 is 20% but fewer than 5');
    const lower = parseQualityThresholds({ missing: { maxRate: 0.1, minCount: 4 } });
    assert.equal(row(checkQuality(input({ orders }), lower), 'missing', 'city').breached, true);
    const perField = parseQualityThresholds({ missing: { maxRate: 0.1, minCount: 4, maxRateByField: { city: 0.25 } } });
    const rows = checkQuality(input({ orders }), perField);
    assert.deepEqual([row(rows, 'missing', 'city').breached, row(rows, 'missing', 'city').maxRate, row(rows, 'missing', 'country').breached], [false, 0.25, true]);
  });

  it('reads thresholds from config/quality.json, fills gaps with defaults and rejects bad ones', () => {
    assert.deepEqual(loadQualityThresholds(), DEFAULT_QUALITY_THRESHOLDS);
    assert.equal(parseQualityThresholds({ late: { lateAfterHours: 6 } }).late.maxRate, DEFAULT_QUALITY_THRESHOLDS.late.maxRate);
    assert.throws(() => parseQualityThresholds({ late: { maxRate: 2 } }), (e: unknown) => e instanceof QualityThresholdsError && /late\.maxRate/.test(e.message));
    assert.throws(() => parseQualityThresholds({ missing: { maxRateByField: { colour: 0.1 } } }), /missing\.maxRateByField/);
    assert.throws(() => parseQualityThresholds({ typo: {} }), /Unrecognized key/);
  });
});
