// Property: no record can stop a partition. Generated records around every contract bound, plus
// hostile values (huge, tiny, negative-zero and unsafe numbers; long, control, bidi and CJK strings;
// too many items; deep JSON; odd headers and Kafka timestamps; bytes that are not UTF-8), go
// through the stages' own pure code in process — ingest, dedupe, enrich, gold, fraud, quality, the
// partition state and the Parquet encoder of every table written — batch after batch on one
// partition. Every record must end in bronze (then silver, or dropped as a repeat) or in the
// quarantine with a reason naming a field, and nothing may throw.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { goldRows } from '../../src/domain/aggregate.ts';
import { findDuplicates } from '../../src/domain/dedupe.ts';
import { enrichBronzeRows } from '../../src/domain/enrich.ts';
import { evaluateFraud } from '../../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES } from '../../src/domain/fraud/rules.ts';
import { ingestRecords, type IngestRecord } from '../../src/domain/ingest.ts';
import { checkQuality } from '../../src/domain/quality.ts';
import { decodeDelta, encodeDelta, parseState, serializeState } from '../../src/domain/state-codec.ts';
import { advanceState } from '../../src/domain/partition-walk.ts';
import { stateDelta } from '../../src/domain/state-delta.ts';
import { emptyPartitionState, type PartitionState } from '../../src/domain/state.ts';
import { TABLES, writeParquet } from '../../src/lake/parquet.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import * as limits from '../../src/schemas/limits.ts';

const reference = loadReferenceData({ CUSTOMERS: 1000 });
const DEDUP_WINDOW_MS = 24 * 3_600_000;
const INT32_MAX = 2 ** 31 - 1;
/** The cheaper codec: the test checks that every value fits its column, not compression. */
const encode = <Row extends object>(table: Parameters<typeof writeParquet<Row>>[0], rows: readonly Row[]): void => {
  if (rows.length > 0) writeParquet(table, rows, { codec: 'SNAPPY' });
};

// ---- generators ------------------------------------------------------------------------------

const atBound = (max: number): fc.Arbitrary<string> => fc.constantFrom('x'.repeat(max), 'x'.repeat(max + 1), '𝕏'.repeat(Math.floor(max / 2)), '注'.repeat(max));

const hostileString = (max: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }), // any code point, lone surrogates included
    fc.constantFrom('', ' ', '\u0000', '\u0007\u001b[31mred', '\u202Egnp.exe', '\u2066bidi\u2069', '注文番号', '\r\nBcc: x@example.com', '<img src=x onerror=alert(1)>', '../../etc/passwd', '\u0085\u009b'),
    atBound(max),
  );

const hostileNumber = fc.oneof(
  fc.double(), // NaN and ±Infinity become null in JSON
  fc.integer(),
  fc.constantFrom(0, -0, 5e-324, 1.5, -1, 1e6, 1e6 + 1, limits.TOTAL_AMOUNT_MAX, limits.TOTAL_AMOUNT_MAX + 0.01, 1.8e306, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, INT32_MAX, 2 ** 31, 3e9),
);

/** Number literals JSON.stringify cannot write: spliced into the text in place of a marker. */
const NUMBER_LITERALS = ['1e999', '-1e999', '9'.repeat(400), '-0', '1E-400', '0.1e1', '1e2'];

const instant = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.getTime()),
  fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
  fc.constantFrom(limits.ORDER_DATE_MIN_MS, limits.ORDER_DATE_MIN_MS - 1000, limits.ORDER_DATE_END_MS - 1000, limits.ORDER_DATE_END_MS),
);

const orderDateText = fc.oneof(
  { weight: 4, arbitrary: instant.map((ms) => new Date(ms).toISOString().replace('.000Z', 'Z')) },
  instant.map((ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')), // the v1/v2 format
  fc.constantFrom('2026-11-24T23:30:00-06:00', '2026-11-24T00:30:00+14:00', '+010000-01-01T00:00:00Z', '2026-02-30T10:00:00Z', '2026-11-24'),
  hostileString(40),
);

/** Mostly a valid value, sometimes a hostile one: so that whole records are often valid (and reach silver) with hostile parts. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>): fc.Arbitrary<T | U> => fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: hostile });

const validDate = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }).map((ms) => new Date(ms).toISOString().replace('.000Z', 'Z'));
const productId = mostly(fc.constantFrom('P001', 'P033', 'P050', 'P100', 'P999'), hostileString(limits.ID_MAX_CHARS));
const quantity = mostly(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constant(limits.QUANTITY_MAX)), fc.oneof(fc.constant(limits.QUANTITY_MAX + 1), hostileNumber));
const item = fc.record({ productId, quantity });
const manyItems = (n: number, q: number) => Array.from({ length: n }, (_, i) => ({ productId: `P${String((i % 100) + 1).padStart(3, '0')}`, quantity: q }));
const items = mostly(
  fc.array(item, { minLength: 1, maxLength: 4 }),
  fc.oneof(fc.constant([]), fc.constantFrom(manyItems(limits.ITEMS_MAX, limits.QUANTITY_MAX), manyItems(limits.ITEMS_MAX + 1, 1)), fc.anything()),
);

const customerId = mostly(fc.integer({ min: 1, max: 1200 }).map(String), fc.oneof(hostileString(limits.ID_MAX_CHARS), fc.integer()));

const order = fc
  .record(
    {
      orderId: mostly(fc.oneof(fc.uuid(), fc.constantFrom('dup-1', 'dup-2')), hostileString(limits.ID_MAX_CHARS)),
      orderDate: mostly(validDate, orderDateText),
      dateOrder: mostly(fc.constant('derive'), fc.oneof(fc.constant('drop'), hostileString(12))),
      customerId,
      shippingAddress: mostly(
        fc.constantFrom('Lindenstraße 5, Berlin, DE', '1 Main St, New York, US', 'Rue 1, Paris, FR', 'Somewhere 9', ', , ', '東京都, Tokyo, JP'),
        hostileString(limits.ADDRESS_MAX_CHARS),
      ),
      totalAmount: mostly(fc.double({ min: 0, max: 5000, noNaN: true }), fc.oneof(hostileNumber, fc.constant('145.00'))),
      items,
      paymentMethod: mostly(fc.constantFrom('CASH', 'PAYPAL', 'BITCOIN', 'ETHEREUM', 'LITECOIN', 'OTHER'), fc.constantFrom('bitcoin', '', 42)),
      paymentStatus: mostly(fc.constantFrom('PAID', 'PENDING', 'FAILED'), fc.constant('LOST')),
      orderStatus: mostly(fc.constantFrom('PLACED', 'SHIPPED', 'DELIVERED', 'CANCELLED'), fc.constant('RETURNED')),
      message: mostly(fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), fc.oneof(hostileString(limits.MESSAGE_MAX_CHARS), fc.constant({ text: 'hi' }))),
      numberLiteral: fc.option(fc.constantFrom(...NUMBER_LITERALS), { nil: undefined, freq: 20 }),
      deep: fc.option(fc.integer({ min: 1_000, max: 50_000 }), { nil: undefined, freq: 20 }),
    },
    { requiredKeys: ['orderId', 'orderDate', 'dateOrder', 'customerId', 'shippingAddress', 'totalAmount', 'items', 'paymentMethod', 'paymentStatus', 'orderStatus', 'message', 'numberLiteral', 'deep'] },
  )
  .map(({ numberLiteral, deep, dateOrder, message, ...event }): string => {
    const out: Record<string, unknown> = { ...event };
    if (message !== undefined) out.message = message;
    if (dateOrder === 'derive') {
      const ms = typeof event.orderDate === 'string' ? Date.parse(event.orderDate) : NaN;
      if (!Number.isNaN(ms) && Math.abs(ms) <= 8.64e15) out.dateOrder = new Date(ms).toISOString().slice(0, 10);
    } else if (dateOrder !== 'drop') out.dateOrder = dateOrder;
    if (numberLiteral !== undefined) out.totalAmount = '__NUMBER__';
    let text = JSON.stringify(out);
    if (numberLiteral !== undefined) text = text.replace('"__NUMBER__"', numberLiteral);
    // Deep nesting in an unknown field: readers must neither recurse into it nor choke on it.
    if (deep !== undefined) text = `${text.slice(0, -1)},"deep":${'['.repeat(deep)}${']'.repeat(deep)}}`;
    return text;
  });

const value: fc.Arbitrary<string | Uint8Array | null> = fc.oneof(
  { weight: 8, arbitrary: order },
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(null),
  fc.json({ maxDepth: 4 }),
  fc.constantFrom('', 'null', '[]', '{}', '{"orderId":', `{"orderId":"${'x'.repeat(200_000)}"}`),
);

const headers = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: fc.constant({ 'schema-version': '3' }) },
  fc.constantFrom('1', '2').map((v) => ({ 'schema-version': v })),
  fc.constantFrom('4', '', ' 3 ', '３', 'v3', 'x'.repeat(10_000)).map((v) => ({ 'schema-version': v })),
  fc.dictionary(hostileString(20), hostileString(50), { maxKeys: 3 }),
);

const kafkaTs = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: Date.UTC(2026, 10, 1), max: Date.UTC(2026, 11, 1) }) },
  fc.constantFrom(-1, 0, limits.KAFKA_TS_MIN_MS, limits.KAFKA_TS_MAX_MS, limits.KAFKA_TS_MAX_MS + 1, 8.64e15 + 1, -8.64e15 - 1, Number.MAX_SAFE_INTEGER, 2 ** 63),
);

const batch = fc.array(fc.record({ timestamp: kafkaTs, headers, value }), { minLength: 1, maxLength: 25 });

// ---- the property ----------------------------------------------------------------------------

const REASON = /^(value|schema-version|kafkaTimestamp|[A-Za-z]+(\[\d+\])?(\.[A-Za-z]+)?): \S/;

/** Where the generated records went: the generator must reach both silver and the quarantine. */
const reached = { silver: 0, quarantine: 0 };

/** One batch through every pure stage, as the activities chain them; returns the state after it. */
function runBatch(records: IngestRecord[], prev: PartitionState, partition: number, startOffset: number): PartitionState {
  const endOffset = records.at(-1)!.offset;
  const batchId = `orders-${partition}-${startOffset}`;

  // ingest: every record in exactly one of bronze or the quarantine
  const { valid, quarantined } = ingestRecords(records, partition);
  const placed = [...valid.map((r) => r.offset), ...quarantined.map((q) => q.offset)].sort((a, b) => a - b);
  assert.deepEqual(placed, records.map((r) => r.offset), 'each record is in bronze or the quarantine, once');
  for (const q of quarantined) {
    assert.match(q.reason, REASON, `a reason names a field: ${q.reason.slice(0, 200)}`);
    assert.ok(q.reason.length <= 2_000, 'a reason stays short');
  }
  for (const index of findDuplicates(valid, prev, DEDUP_WINDOW_MS)) valid[index]!.duplicate = true;
  encode(TABLES.bronzeOrders, valid);
  encode(TABLES.quarantineOrders, quarantined);

  // enrich: every distinct valid order reaches silver with finite numbers that fit their columns
  const { orders, items } = enrichBronzeRows(valid, reference);
  assert.equal(orders.length, valid.filter((r) => !r.duplicate).length, 'every distinct valid order is in silver');
  for (const o of orders) {
    for (const n of [o.totalAmount, o.totalAmountUsd, o.orderTs, o.itemCount]) assert.ok(Number.isFinite(n), `finite: ${n}`);
    assert.ok(o.itemCount <= INT32_MAX);
  }
  for (const i of items) {
    assert.ok(Number.isInteger(i.quantity) && i.quantity >= 1 && i.quantity <= INT32_MAX);
    assert.ok(Number.isFinite(i.lineAmountUsd));
  }
  reached.silver += orders.length;
  reached.quarantine += quarantined.length;
  encode(TABLES.silverOrders, orders);
  encode(TABLES.silverOrderItems, items);

  // gold, fraud and quality read the same state and silver rows
  const gold = goldRows(prev, orders, items, { partition, endOffset, batchId });
  encode(TABLES.customerTotals, gold.customerTotals);
  encode(TABLES.categoryTotals, gold.categoryTotals);
  encode(TABLES.salesByCategoryMinute, gold.salesByCategoryMinute);
  encode(TABLES.cityOrders, gold.cityOrders);
  encode(TABLES.countryRevenue, gold.countryRevenue);
  encode(TABLES.paymentMethodDaily, gold.paymentMethodDaily);
  encode(TABLES.highValueOrdersDaily, gold.highValueDaily);
  const { alerts } = evaluateFraud(DEFAULT_FRAUD_RULES, prev, orders, items, batchId);
  encode(TABLES.fraudAlerts, alerts);
  encode(TABLES.dqMetrics, checkQuality({ batchId, records: valid, quarantined, orders, items }));

  // the checkpoint: its delta and a snapshot, written and read back, as the next batch will
  const next = advanceState(prev, orders, items, { dedupWindowMs: DEDUP_WINDOW_MS, rules: DEFAULT_FRAUD_RULES });
  decodeDelta(encodeDelta(stateDelta(prev, next, { partition, fromOffset: startOffset, toOffset: endOffset + 1, first: startOffset === 0 }, orders, items)));
  return parseState(serializeState(next));
}

describe('hostile records through the pipeline stages (property-based)', () => {
  test('every record ends in silver or the quarantine with a reason, and nothing throws', () => {
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 3 }), (batches) => {
        let state = emptyPartitionState();
        let offset = 0;
        for (const generated of batches) {
          const startOffset = offset;
          const records = generated.map((r) => ({ ...r, offset: offset++ }));
          state = runBatch(records, state, 0, startOffset);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
    );
    const total = reached.silver + reached.quarantine;
    if (process.env.PROPERTY_STATS) console.log(reached);
    assert.ok(reached.silver > total * 0.05 && reached.quarantine > total * 0.05, `both outcomes exercised: ${JSON.stringify(reached)}`);
  });

  test('the issue probes: a 1.8e306 total, a 3e9 quantity, 20,000 items, a year-20000 Kafka timestamp', () => {
    const base = { orderId: 'o-1', orderDate: '2026-11-24T10:00:00Z', dateOrder: '2026-11-24', customerId: '42', shippingAddress: 'Lindenstraße 5, Berlin, DE', paymentMethod: 'PAYPAL', paymentStatus: 'PAID', orderStatus: 'PLACED' };
    const values = [
      { ...base, totalAmount: 1.8e306, items: [{ productId: 'P001', quantity: 1 }] },
      { ...base, totalAmount: 10, items: [{ productId: 'P001', quantity: 3e9 }] },
      { ...base, totalAmount: 10, items: manyItems(20_000, 1) },
      { ...base, orderId: 'o-2', totalAmount: 10, items: [{ productId: 'P001', quantity: 1 }] },
    ];
    const records = values.map((v, offset) => ({ offset, timestamp: Date.UTC(2026, 10, 24), headers: { 'schema-version': '3' }, value: JSON.stringify(v) }));
    records.push({ offset: 4, timestamp: Date.parse('+020000-01-01T00:00:00Z'), headers: { 'schema-version': '3' }, value: records[3]!.value });
    const { valid, quarantined } = ingestRecords(records, 0);
    assert.deepEqual(valid.map((r) => r.offset), [3]);
    assert.deepEqual(
      quarantined.map((q) => q.reason.split(':')[0]),
      ['totalAmount', 'items[0].quantity', 'items', 'kafkaTimestamp'],
    );
    runBatch(records, emptyPartitionState(), 0, 0);
  });
});
