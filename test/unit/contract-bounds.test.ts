// The contract's bounds (src/schemas/limits.ts): a value at a bound passes, one past it is
// quarantined with a reason naming the field and the rule, for every schema version.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ingestRecords } from '../../src/domain/ingest.ts';
import { decodeOrder } from '../../src/schemas/index.ts';
import * as limits from '../../src/schemas/limits.ts';

const v3 = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  orderId: 'b0c4a1e2-0000-4000-8000-000000000001',
  orderDate: '2026-11-24T10:00:00Z',
  dateOrder: '2026-11-24',
  customerId: '42',
  shippingAddress: 'Lindenstraße 5, Berlin, DE',
  totalAmount: 25,
  items: [{ productId: 'P001', quantity: 1 }],
  paymentMethod: 'PAYPAL',
  paymentStatus: 'PAID',
  orderStatus: 'PLACED',
  message: '',
  ...overrides,
});

const reasonOf = (event: Record<string, unknown>, version = '3'): string | undefined => {
  const decoded = decodeOrder(JSON.stringify(event), { 'schema-version': version });
  return decoded.ok ? undefined : decoded.reason;
};

describe('contract bounds', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    ['orderId', { orderId: 'x'.repeat(limits.ID_MAX_CHARS) }, { orderId: 'x'.repeat(limits.ID_MAX_CHARS + 1) }, /^orderId: must be at most 128 characters$/],
    ['customerId', { customerId: '9'.repeat(limits.ID_MAX_CHARS) }, { customerId: '9'.repeat(limits.ID_MAX_CHARS + 1) }, /^customerId: must be at most 128 characters$/],
    ['shippingAddress', { shippingAddress: 'a'.repeat(limits.ADDRESS_MAX_CHARS) }, { shippingAddress: 'a'.repeat(limits.ADDRESS_MAX_CHARS + 1) }, /^shippingAddress: must be at most 1000 characters$/],
    ['message', { message: 'm'.repeat(limits.MESSAGE_MAX_CHARS) }, { message: 'm'.repeat(limits.MESSAGE_MAX_CHARS + 1) }, /^message: must be at most 20000 characters$/],
    ['totalAmount', { totalAmount: limits.TOTAL_AMOUNT_MAX }, { totalAmount: 1.8e306 }, /^totalAmount: must be ≤ 100000000$/],
    ['quantity', { items: [{ productId: 'P001', quantity: limits.QUANTITY_MAX }] }, { items: [{ productId: 'P001', quantity: 3e9 }] }, /^items\[0\]\.quantity: must be an integer ≤ 1000000$/],
    ['productId', { items: [{ productId: 'P'.repeat(limits.ID_MAX_CHARS), quantity: 1 }] }, { items: [{ productId: 'P'.repeat(limits.ID_MAX_CHARS + 1), quantity: 1 }] }, /^items\[0\]\.productId: must be at most 128 characters$/],
    [
      'items',
      { items: Array.from({ length: limits.ITEMS_MAX }, () => ({ productId: 'P001', quantity: limits.QUANTITY_MAX })) },
      { items: Array.from({ length: 20_000 }, () => ({ productId: 'P001', quantity: 1 })) },
      /^items: must have at most 1000 items$/,
    ],
    ['orderDate (low)', { orderDate: '1970-01-01T00:00:00Z', dateOrder: '1970-01-01' }, { orderDate: '1969-12-31T23:59:59Z', dateOrder: '1969-12-31' }, /^orderDate: must be between 1970-01-01 and 2099-12-31 \(UTC\)/],
    ['orderDate (high)', { orderDate: '2099-12-31T23:59:59Z', dateOrder: '2099-12-31' }, { orderDate: '2100-01-01T00:00:00Z', dateOrder: '2100-01-01' }, /^orderDate: must be between 1970-01-01 and 2099-12-31 \(UTC\)/],
  ];
  for (const [name, atBound, pastBound, reason] of cases) {
    test(`${name}: at the bound valid, past it quarantined with field and rule`, () => {
      assert.equal(reasonOf(v3(atBound)), undefined);
      assert.match(reasonOf(v3(pastBound)) ?? 'valid', reason);
    });
  }

  test('the legacy date of v1 and v2 has the same range', () => {
    const legacy = (orderDate: string) => {
      const { dateOrder: _d, message: _m, ...v1 } = v3({ orderDate });
      return v1;
    };
    assert.equal(reasonOf(legacy('2099-12-31 23:59:59'), '1'), undefined);
    assert.match(reasonOf(legacy('2100-01-01 00:00:00'), '1') ?? 'valid', /^orderDate: must be between/);
    assert.match(reasonOf(legacy('1969-12-31 23:59:59'), '2') ?? 'valid', /^orderDate: must be between/);
  });

  test('an unknown schema-version header of any size is quoted short in the reason', () => {
    const decoded = decodeOrder(JSON.stringify(v3()), { 'schema-version': 'x'.repeat(100_000) });
    assert.equal(decoded.ok, false);
    assert.ok(!decoded.ok && decoded.reason.length < 120, 'reason stays short');
  });

  test('a Kafka timestamp outside years 0000–9999 is quarantined with its value, the row keeps the epoch', () => {
    const value = JSON.stringify(v3());
    const records = [
      { offset: 1, timestamp: 8.64e15 + 1, headers: {}, value },
      { offset: 2, timestamp: -62_167_219_200_001, headers: {}, value },
      { offset: 3, timestamp: limits.KAFKA_TS_MAX_MS, headers: {}, value },
    ];
    const { valid, quarantined } = ingestRecords(records, 0);
    assert.deepEqual(valid.map((r) => r.offset), [3]);
    assert.deepEqual(quarantined.map((q) => [q.offset, q.kafkaTs]), [[1, 0], [2, 0]]);
    assert.match(quarantined[0]!.reason, /^kafkaTimestamp: must be within years 0000–9999 \(got 8640000000000001\)$/);
  });
});

test('a reason names at most ten fields, however many are broken', () => {
  const items = Array.from({ length: 900 }, () => ({ productId: 'P001', quantity: 0 }));
  const reason = reasonOf(v3({ items })) ?? '';
  assert.match(reason, /^items\[0\]\.quantity: must be an integer ≥ 1; /);
  assert.match(reason, /; and 890 more fields$/);
  assert.ok(reason.length < 600);
});
