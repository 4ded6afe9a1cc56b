import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ID_MAX_CHARS, ITEMS_MAX, QUANTITY_MAX, TOTAL_AMOUNT_MAX } from '../../src/schemas/limits.ts';
import {
  checkCompatibility,
  decodeOrder,
  OrderV1Schema,
  OrderV2Schema,
  OrderV3Fields,
  OrderV3Schema,
  upcastV1toV2,
  upcastV2toV3,
  versionByShape,
  type CompatibilityIssue,
} from '../../src/schemas/index.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'events');

interface ValidFixture {
  description: string;
  headers: Record<string, string>;
  value: Record<string, unknown>;
  expected: Record<string, unknown>;
}

interface InvalidCase {
  name: string;
  defect: string | null;
  headers: Record<string, string>;
  value: string;
  reason: string;
}

function fixtures(version: 1 | 2 | 3): [string, ValidFixture][] {
  const dir = path.join(FIXTURES, `v${version}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [`v${version}/${f}`, JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ValidFixture]);
}

const invalidCases = (JSON.parse(readFileSync(path.join(FIXTURES, 'invalid.json'), 'utf8')) as { cases: InvalidCase[] }).cases;

const summarize = (issues: CompatibilityIssue[]): string[] => issues.map((i) => `${i.field} ${i.kind} ${i.breaks}`).sort();

describe('backward compatibility: today’s code reads every version', () => {
  for (const version of [1, 2, 3] as const) {
    for (const [name, fixture] of fixtures(version)) {
      test(`the fixture ${name} decodes to its pinned canonical order (${fixture.description})`, () => {
        const result = decodeOrder(JSON.stringify(fixture.value), fixture.headers);
        assert.ok(result.ok, result.ok ? '' : result.reason);
        assert.equal(result.schemaVersion, version);
        assert.equal(result.versionFrom, Object.keys(fixture.headers).length > 0 ? 'header' : 'shape');
        assert.deepEqual(result.order, fixture.expected);
        // The payload the pipeline stores keeps the canonical key order whatever the version.
        assert.deepEqual(Object.keys(result.order), Object.keys(fixture.expected));
      });
    }
  }

  test('a fixture reads the same from a Buffer as from a string, and with a Buffer header', () => {
    const [, fixture] = fixtures(2)[0]!;
    const fromString = decodeOrder(JSON.stringify(fixture.value), fixture.headers);
    const fromBuffer = decodeOrder(Buffer.from(JSON.stringify(fixture.value)), { 'schema-version': Buffer.from('2') });
    assert.deepEqual(fromBuffer, fromString);
  });
});

describe('the registry picks the version', () => {
  const [, v1] = fixtures(1)[0]!;
  const [, v3] = fixtures(3)[0]!;

  test('without the header, a v3 event is known by dateOrder, a v2 by message, anything else is v1', () => {
    assert.equal(versionByShape({ dateOrder: '2026-11-24', message: 'x' }), 3);
    assert.equal(versionByShape({ message: '' }), 2);
    assert.equal(versionByShape({ orderId: 'a' }), 1);
    const v2ByShape = decodeOrder(JSON.stringify({ ...v1.value, message: 'hello' }));
    assert.ok(v2ByShape.ok);
    assert.equal(v2ByShape.schemaVersion, 2);
    assert.equal(v2ByShape.order.message, 'hello');
  });

  test('the header wins over the shape: a v3 body under header 1 is judged as v1 and rejected', () => {
    const result = decodeOrder(JSON.stringify(v3.value), { 'schema-version': '1' });
    assert.equal(result.ok, false);
    assert.equal(result.schemaVersion, 1);
    assert.match(result.ok ? '' : result.reason, /^orderDate: must be a date-time string YYYY-MM-DD HH:MM:SS$/);
  });

  test('a header holding several values uses the first', () => {
    const result = decodeOrder(JSON.stringify(v1.value), { 'schema-version': ['1', '3'] });
    assert.ok(result.ok);
    assert.equal(result.schemaVersion, 1);
  });

  test('unknown extra fields are ignored at the top level and inside items', () => {
    const value = { ...v3.value, extra: { nested: true }, items: [{ productId: 'P024', quantity: 2, note: 'x' }] };
    const result = decodeOrder(JSON.stringify(value), { 'schema-version': '3' });
    assert.ok(result.ok);
    assert.equal('extra' in result.order, false);
    assert.deepEqual(result.order.items, [{ productId: 'P024', quantity: 2 }]);
  });
});

describe('upcasters', () => {
  const [, v1] = fixtures(1)[0]!;

  test('v1 → v2 fills message with an empty string and changes nothing else', () => {
    const parsed = OrderV1Schema.parse(v1.value);
    const upcast = upcastV1toV2(parsed);
    assert.deepEqual(upcast, { ...parsed, message: '' });
    assert.equal(OrderV2Schema.safeParse(upcast).success, true);
  });

  test('v2 → v3 reads the v2 date as UTC, writes it as an ISO date-time with Z and derives dateOrder', () => {
    const v2 = OrderV2Schema.parse({ ...v1.value, orderDate: '2026-12-31 23:59:59', message: 'hi' });
    const v3 = upcastV2toV3(v2);
    assert.equal(v3.orderDate, '2026-12-31T23:59:59Z');
    assert.equal(v3.dateOrder, '2026-12-31');
    assert.equal(v3.message, 'hi');
    assert.equal(Date.parse(v3.orderDate), Date.UTC(2026, 11, 31, 23, 59, 59));
    // The upcast event is itself a valid v3 event.
    assert.deepEqual(OrderV3Schema.parse(v3), v3);
  });

  test('v3 keeps a date-time written with an offset and checks dateOrder against its UTC date', () => {
    const [, offset] = fixtures(3).find(([name]) => name.includes('offset'))!;
    const result = decodeOrder(JSON.stringify(offset.value), offset.headers);
    assert.ok(result.ok);
    assert.equal(result.order.orderDate, '2026-11-24T23:30:00-06:00');
    assert.equal(result.order.dateOrder, '2026-11-25');
  });
});

describe('rejected events name the field and the rule', () => {
  for (const c of invalidCases) {
    test(`${c.name}${c.defect && c.defect !== c.name ? ` (${c.defect})` : ''} is rejected with "${c.reason}"`, () => {
      const result = decodeOrder(c.value, c.headers);
      assert.equal(result.ok, false);
      assert.equal(result.ok ? '' : result.reason, c.reason);
    });
  }

  test('every invalid defect type of the simulator has a fixture with its reason', () => {
    const covered = new Set(invalidCases.map((c) => c.defect));
    for (const defect of ['missing-field', 'wrong-type', 'malformed-json', 'negative-amount', 'empty-items', 'unknown-version']) {
      assert.ok(covered.has(defect), `no fixture for ${defect}`);
    }
  });

  test('bytes that are not UTF-8 are rejected as such', () => {
    const result = decodeOrder(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), {});
    assert.deepEqual(result, { ok: false, reason: 'value: not valid UTF-8', schemaVersion: undefined });
  });

  test('unknown products, future dates and repeated order ids are valid events: data quality counts them, the schema does not', () => {
    const [, fixture] = fixtures(3)[0]!;
    const unknownProduct = { ...fixture.value, items: [{ productId: 'P999', quantity: 1 }] };
    const future = { ...fixture.value, orderDate: '2030-01-01T00:00:00Z', dateOrder: '2030-01-01' };
    assert.equal(decodeOrder(JSON.stringify(unknownProduct), fixture.headers).ok, true);
    assert.equal(decodeOrder(JSON.stringify(future), fixture.headers).ok, true);
    const once = decodeOrder(JSON.stringify(fixture.value), fixture.headers);
    const twice = decodeOrder(JSON.stringify(fixture.value), fixture.headers);
    assert.deepEqual(twice, once);
  });
});

describe('forward compatibility: older readers read newer events', () => {
  test('a reader built for v1 reads v2 events and ignores message', () => {
    for (const [name, fixture] of fixtures(2)) {
      const parsed = OrderV1Schema.safeParse(fixture.value);
      assert.ok(parsed.success, `${name}: ${parsed.error?.message}`);
      assert.equal('message' in parsed.data, false);
      assert.equal(parsed.data.orderId, fixture.value.orderId);
    }
  });

  test('a reader built for v2 reads every v3 field it knows and ignores dateOrder and unknown fields; only orderDate’s new format differs', () => {
    // v3 reformatted orderDate (docs/design.md §6); the schema-version header and the v2→v3 upcaster
    // bridge that one change. Everything else a v2 reader knows reads unchanged.
    for (const [name, fixture] of fixtures(3)) {
      const parsed = OrderV2Schema.safeParse(fixture.value);
      assert.equal(parsed.success, false);
      assert.deepEqual(parsed.error!.issues.map((i) => i.path.join('.')), ['orderDate'], name);
      const asV2Date = { ...fixture.value, orderDate: new Date(fixture.value.orderDate as string).toISOString().slice(0, 19).replace('T', ' ') };
      const reread = OrderV2Schema.parse(asV2Date);
      assert.equal('dateOrder' in reread, false);
      for (const key of Object.keys(reread)) if (key !== 'orderDate') assert.deepEqual(reread[key as keyof typeof reread], fixture.expected[key], `${name}: ${key}`);
    }
  });
});

describe('checkCompatibility guards future schema changes', () => {
  test('v1 → v2 is compatible both ways: the only change is an optional field with a default', () => {
    const report = checkCompatibility(OrderV1Schema, OrderV2Schema);
    assert.deepEqual(report, { compatible: true, backward: true, forward: true, issues: [] });
  });

  test('v2 → v3 shows exactly the two breaks the version header and the upcaster bridge', () => {
    const report = checkCompatibility(OrderV2Schema, OrderV3Schema);
    assert.deepEqual(summarize(report.issues), ['dateOrder required-without-default backward', 'orderDate format-changed both']);
  });

  test('a schema compared with itself has no issue', () => {
    assert.equal(checkCompatibility(OrderV3Schema, OrderV3Schema).compatible, true);
  });

  test('a removed field is caught (old readers still need it)', () => {
    const report = checkCompatibility(OrderV3Fields, OrderV3Fields.omit({ shippingAddress: true }));
    assert.deepEqual(summarize(report.issues), ['shippingAddress removed both']);
    assert.equal(report.forward, false);
  });

  test('a renamed field is caught as a rename', () => {
    const renamed = OrderV3Fields.omit({ customerId: true }).extend({ customerID: OrderV3Fields.shape.customerId });
    const report = checkCompatibility(OrderV3Fields, renamed);
    assert.equal(report.issues.length, 1);
    assert.equal(report.issues[0]!.kind, 'renamed');
    assert.equal(report.issues[0]!.detail, 'renamed to customerID');
  });

  test('a narrowed type is caught: a higher minimum, a lost enum value, an integer where a number was', () => {
    const stricter = OrderV3Fields.extend({
      // The contract's bounds (limits.ts) kept, so that only the intended changes differ.
      items: z.array(z.object({ productId: z.string().max(ID_MAX_CHARS), quantity: z.number().int().min(2).max(QUANTITY_MAX) })).min(1).max(ITEMS_MAX),
      paymentStatus: z.enum(['PAID', 'FAILED']),
      totalAmount: z.number().int().min(0).max(TOTAL_AMOUNT_MAX),
    });
    const report = checkCompatibility(OrderV3Fields, stricter);
    assert.deepEqual(summarize(report.issues), ['items[].quantity narrowed backward', 'paymentStatus narrowed backward', 'totalAmount narrowed backward']);
    assert.equal(report.backward, false);
    assert.equal(report.forward, true);
  });

  test('a changed type is caught in both directions', () => {
    const report = checkCompatibility(OrderV3Fields, OrderV3Fields.extend({ totalAmount: z.string() }));
    assert.deepEqual(summarize(report.issues), ['totalAmount type-changed both']);
  });

  test('a new required field without a default is caught; with a default or optional it passes', () => {
    const required = checkCompatibility(OrderV3Fields, OrderV3Fields.extend({ currency: z.string() }));
    assert.deepEqual(summarize(required.issues), ['currency required-without-default backward']);
    assert.equal(checkCompatibility(OrderV3Fields, OrderV3Fields.extend({ currency: z.string().default('USD') })).compatible, true);
    assert.equal(checkCompatibility(OrderV3Fields, OrderV3Fields.extend({ currency: z.string().optional() })).compatible, true);
  });

  test('changes that break only old readers are caught too: a required field made optional, a new enum value', () => {
    const looser = OrderV3Fields.extend({ shippingAddress: OrderV3Fields.shape.shippingAddress.optional(), orderStatus: z.enum(['PLACED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURNED']) });
    const report = checkCompatibility(OrderV3Fields, looser);
    assert.deepEqual(summarize(report.issues), ['orderStatus widened forward', 'shippingAddress made-optional forward']);
    assert.equal(report.backward, true);
    assert.equal(report.forward, false);
  });
});
