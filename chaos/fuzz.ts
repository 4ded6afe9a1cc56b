// Fuzzed bad messages for the orders topic: the kinds of garbage real producers send (broken
// JSON, wrong types, huge values, unknown schema versions, HTML and control characters). Every
// message breaks docs/contract.md §1, so the pipeline must quarantine each one exactly once, with a reason,
// and never count it. Each carries the marker `fuzz-<n>` in its text so the check can find it in the
// quarantine whatever happened to its bytes; `expectedReason` is what the quarantine must say.
// Pure and seeded: the same seed gives the same corpus.
import { seededRandom, type Random } from './random.ts';

export const FUZZ_KINDS = ['invalid-json', 'not-an-object', 'wrong-type', 'huge-value', 'unknown-version', 'html-control', 'missing-fields'] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

export interface FuzzMessage {
  /** n of the marker `fuzz-<n>`. */
  id: number;
  kind: FuzzKind;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /** The quarantine reason must match this. */
  expectedReason: RegExp;
}

/** The marker's pattern, for finding fuzz messages in the quarantine's raw text. */
export const FUZZ_MARKER = /fuzz-(\d+)/;
export const fuzzMarker = (id: number): string => `fuzz-${id}`;

/** A valid v3 order (docs/contract.md §1); each fuzz case breaks exactly one thing about it. */
export function baseOrder(id: number, random: Random): Record<string, unknown> {
  return {
    orderId: fuzzMarker(id),
    orderDate: '2026-11-24T10:00:00Z',
    dateOrder: '2026-11-24',
    customerId: String(random.int(1, 1000)),
    shippingAddress: '1 Main St, Springfield, US',
    totalAmount: 10,
    items: [{ productId: 'P001', quantity: 1 }],
    paymentMethod: 'CASH',
    paymentStatus: 'PAID',
    orderStatus: 'PLACED',
    message: '',
  };
}

type Case = { value: string | Buffer; expectedReason: RegExp; headers?: Record<string, string> };

const V3 = { 'schema-version': '3' };
const json = (order: Record<string, unknown>): string => JSON.stringify(order);
const field = (name: string): RegExp => new RegExp(`^${name.replace(/[[\]]/g, '\\$&')}: `);
const NOT_JSON = /^value: not valid JSON$/;

function invalidJson(order: Record<string, unknown>, random: Random): Case {
  const text = json(order);
  const variants = [
    // cut anywhere after the marker (orderId comes first), never at the end: always unparsable
    () => text.slice(0, random.int(text.indexOf(',') + 1, text.length - 1)),
    () => text.replace(/"(\w+)":/g, '$1:'), // unquoted keys
    () => text.replace(/"/g, "'"), // single quotes
    () => text.replace(/}$/, ',}'), // trailing comma
    () => text.replace('"totalAmount":10', '"totalAmount":NaN'),
    () => `${text}${text}`, // two objects in one message
  ];
  return { value: random.pick(variants)(), expectedReason: NOT_JSON };
}

function notAnObject(order: Record<string, unknown>, random: Random): Case {
  const marker = String(order.orderId);
  const value = random.pick([`[${json(order)}]`, JSON.stringify(marker), `["${marker}", 1, null]`]);
  return { value, expectedReason: /^value: must be a JSON object$/ };
}

function wrongType(order: Record<string, unknown>, random: Random): Case {
  const cases: [string, (o: Record<string, unknown>) => void][] = [
    ['totalAmount', (o) => (o.totalAmount = '12.50')],
    ['totalAmount', (o) => (o.totalAmount = -5)],
    ['totalAmount', (o) => (o.totalAmount = null)],
    ['items', (o) => (o.items = 'P001')],
    ['items', (o) => (o.items = [])],
    ['items[0].quantity', (o) => (o.items = [{ productId: 'P001', quantity: 1.5 }])],
    ['items[0].quantity', (o) => (o.items = [{ productId: 'P001', quantity: '2' }])],
    ['items[0].quantity', (o) => (o.items = [{ productId: 'P001', quantity: 0 }])],
    ['customerId', (o) => (o.customerId = 42)],
    ['customerId', (o) => (o.customerId = '')],
    ['paymentMethod', (o) => (o.paymentMethod = 'bitcoin')],
    ['paymentStatus', (o) => (o.paymentStatus = true)],
    ['orderDate', (o) => (o.orderDate = 20261124)],
    ['orderDate', (o) => (o.orderDate = '2026-11-24 10:00:00')],
    ['dateOrder', (o) => (o.dateOrder = '2026-02-30')],
    ['message', (o) => (o.message = { text: 'hi' })],
  ];
  const [name, breakIt] = random.pick(cases);
  breakIt(order);
  return { value: json(order), expectedReason: field(name) };
}

function hugeValue(order: Record<string, unknown>, random: Random): Case {
  const variant = random.int(0, 3);
  if (variant === 0) return { value: json(order).replace('"totalAmount":10', '"totalAmount":1e999'), expectedReason: field('totalAmount') };
  if (variant === 1) return { value: json(order).replace('"quantity":1', `"quantity":${'9'.repeat(random.int(20, 400))}`), expectedReason: field('items[0].quantity') };
  if (variant === 2) {
    // a long free-text message is fine on its own; the broken status makes the event invalid
    order.message = 'x'.repeat(random.int(10_000, 60_000));
    order.orderStatus = 'LOST';
    return { value: json(order), expectedReason: field('orderStatus') };
  }
  order.items = Array.from({ length: random.int(100, 1_000) }, (_, i) => ({ productId: `P${String((i % 100) + 1).padStart(3, '0')}`, quantity: 0 }));
  return { value: json(order), expectedReason: field('items[0].quantity') };
}

function unknownVersion(order: Record<string, unknown>, random: Random): Case {
  const header = random.pick(['4', '0', '9', '99', '-1', 'v3', '', 'three', '3;DROP TABLE', '２']);
  return { value: json(order), headers: { 'schema-version': header }, expectedReason: /^schema-version: unknown version / };
}

function htmlControl(order: Record<string, unknown>, random: Random): Case {
  const marker = String(order.orderId);
  const variant = random.int(0, 4);
  if (variant === 0) return { value: `<!DOCTYPE html><html><body><h1>${marker}</h1><script>alert(1)</script></body></html>`, expectedReason: NOT_JSON };
  if (variant === 1) {
    order.paymentMethod = '<img src=x onerror=alert(1)>';
    return { value: json(order), expectedReason: field('paymentMethod') };
  }
  if (variant === 2) {
    // raw control characters inside a JSON string are not JSON
    return { value: json(order).replace('"message":""', '"message":"a\u0001b\u0007c\u001b[31m"'), expectedReason: NOT_JSON };
  }
  if (variant === 3) {
    order.orderStatus = 'DELIVERED\u0000';
    return { value: json(order), expectedReason: field('orderStatus') };
  }
  // bytes that are not UTF-8 around the marker
  return { value: Buffer.concat([Buffer.from(`{"orderId":"${marker}","x":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0]), Buffer.from('"}')]), expectedReason: /^value: not valid UTF-8$/ };
}

function missingFields(order: Record<string, unknown>, random: Random): Case {
  const keep = random.int(1, 4);
  const partial = Object.fromEntries(Object.entries(order).slice(0, keep));
  return { value: json(partial), expectedReason: /: is required/ };
}

const MAKERS: Record<FuzzKind, (order: Record<string, unknown>, random: Random) => Case> = {
  'invalid-json': invalidJson,
  'not-an-object': notAnObject,
  'wrong-type': wrongType,
  'huge-value': hugeValue,
  'unknown-version': unknownVersion,
  'html-control': htmlControl,
  'missing-fields': missingFields,
};

/** `count` bad messages, kinds in turn (so every kind is present from 7 messages on). */
export function fuzzMessages(seed: number, count: number): FuzzMessage[] {
  const random = seededRandom(seed);
  const out: FuzzMessage[] = [];
  for (let id = 0; id < count; id++) {
    const kind = FUZZ_KINDS[id % FUZZ_KINDS.length]!;
    const order = baseOrder(id, random);
    const made = MAKERS[kind](order, random);
    out.push({
      id,
      kind,
      key: String(order.customerId ?? random.int(1, 1000)),
      value: typeof made.value === 'string' ? Buffer.from(made.value, 'utf8') : made.value,
      headers: made.headers ?? V3,
      expectedReason: made.expectedReason,
    });
  }
  return out;
}
