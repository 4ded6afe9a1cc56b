// The partition state as bytes: the delta a batch writes (docs/design.md §4), and the whole-state
// JSON of the checkpoints written before deltas existed (read once, when a partition upgrades).
// Every reader checks every field and names the bad one: state is never silently made up.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { MailedRule, OpenAlert } from './fraud/alerting.ts';
import { RULE_IDS, SEVERITIES, type RuleId, type Severity } from './fraud/rules.ts';
import { stableStringify } from './stable-json.ts';
import {
  CorruptStateError,
  STATE_VERSION,
  type CategoryState,
  type CustomerState,
  type PartitionState,
  type RecentOrder,
  type StateDelta,
  type TrustedPlace,
} from './state.ts';

// ---- serialization ---------------------------------------------------------------------------------

export { stableStringify };

const compareKeys = <V>(a: [string, V], b: [string, V]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

// Objects below are built with their keys in alphabetical order, so JSON.stringify writes the
// same text for the same state without a generic (slow) key sort over a large checkpoint.
const recentJson = (r: RecentOrder) => (r.f && r.f.length > 0 ? { f: r.f, id: r.id, pm: r.pm, ts: r.ts } : { id: r.id, pm: r.pm, ts: r.ts });
const placeJson = (p: TrustedPlace) => ({ city: p.city, country: p.country, lat: p.lat, lon: p.lon, orderId: p.orderId, ts: p.ts });
const alertJson = (a: OpenAlert) => ({
  evidence: a.evidence,
  ...(a.mailedSeverity !== undefined ? { mailedSeverity: a.mailedSeverity } : {}),
  mails: a.mails,
  openedAt: a.openedAt,
  orderIds: a.orderIds,
  rules: a.rules,
  windowEnd: a.windowEnd,
  windowStart: a.windowStart,
});
const mailedJson = (m: Partial<Record<RuleId, MailedRule>>) =>
  Object.fromEntries(
    Object.entries(m)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([rule, v]) => [rule, { at: v.at, severity: v.severity }]),
  );
// `alert` and `mailed` are optional and left out when absent, so state written before alerts
// existed reads back unchanged and a customer without alerts costs nothing.
const customerJson = (c: CustomerState) => ({
  ...(c.alert ? { alert: alertJson(c.alert) } : {}),
  firstOrderTs: c.firstOrderTs,
  items: c.items,
  lastOrderTs: c.lastOrderTs,
  ...(c.mailed && Object.keys(c.mailed).length > 0 ? { mailed: mailedJson(c.mailed) } : {}),
  orders: c.orders,
  ...(c.place ? { place: placeJson(c.place) } : {}),
  recent: c.recent.map(recentJson),
  spendUsd: c.spendUsd,
});

/**
 * The checkpoint as JSON text: keys in alphabetical order, maps as arrays of [key, value] sorted
 * by key (no key, however odd, can clash with an object's own properties), so identical state
 * always gives identical bytes.
 */
export function serializeState(state: PartitionState): string {
  return JSON.stringify({
    arrivalWatermarkTs: state.arrivalWatermarkTs,
    categories: [...state.categories].sort(compareKeys).map(([k, c]) => [k, { items: c.items, orders: c.orders, revenueUsd: c.revenueUsd }]),
    customers: [...state.customers].sort(compareKeys).map(([k, c]) => [k, customerJson(c)]),
    eventWatermarkTs: state.eventWatermarkTs,
    productQuantities: [...state.productQuantities].sort(compareKeys).map(([id, h]) => [id, [...h].sort((a, b) => a[0] - b[0])]),
    seen: [...state.seen].sort(compareKeys),
    version: state.version,
  });
}

// A hand-written reader: a checkpoint holds tens of thousands of entries, and a schema library
// walking them costs more than the batch itself. Every field is still checked.
class Reader {
  constructor(
    private readonly parent?: Reader,
    private readonly key?: string | number,
  ) {}
  at(key: string | number): Reader {
    return new Reader(this, key);
  }
  fail(problem: string): never {
    const path: string[] = this.key === undefined ? [] : [String(this.key)];
    for (let r = this.parent; r?.key !== undefined; r = r.parent) path.unshift(String(r.key));
    throw new CorruptStateError(`${path.join('.') || '(root)'}: ${problem}`);
  }
  object(v: unknown): Record<string, unknown> {
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : this.fail('expected an object');
  }
  array(v: unknown): unknown[] {
    return Array.isArray(v) ? v : this.fail('expected an array');
  }
  number(v: unknown): number {
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail('expected a finite number');
  }
  count(v: unknown): number {
    return Number.isInteger(v) && (v as number) >= 0 ? (v as number) : this.fail('expected an integer ≥ 0');
  }
  string(v: unknown): string {
    return typeof v === 'string' ? v : this.fail('expected a string');
  }
  nullableNumber(v: unknown): number | null {
    return v === null ? null : this.number(v);
  }
  /** [key, value] pairs into a Map. */
  entries<V>(v: unknown, value: (r: Reader, raw: unknown) => V): Map<string, V> {
    const map = new Map<string, V>();
    this.array(v).forEach((pair, i) => {
      const r = this.at(i);
      const [key, raw] = r.array(pair);
      map.set(r.at(0).string(key), value(r.at(1), raw));
    });
    return map;
  }
}

const RULE_ID_SET: ReadonlySet<string> = new Set(RULE_IDS);
const SEVERITY_SET: ReadonlySet<string> = new Set(SEVERITIES);

const readRuleId = (r: Reader, v: unknown): RuleId => (typeof v === 'string' && RULE_ID_SET.has(v) ? (v as RuleId) : r.fail(`unknown rule id ${JSON.stringify(v)}`));
const readSeverity = (r: Reader, v: unknown): Severity => (typeof v === 'string' && SEVERITY_SET.has(v) ? (v as Severity) : r.fail(`unknown severity ${JSON.stringify(v)}`));

function readAlert(r: Reader, raw: unknown): OpenAlert {
  const o = r.object(raw);
  const alert: OpenAlert = {
    openedAt: r.at('openedAt').number(o.openedAt),
    windowStart: r.at('windowStart').number(o.windowStart),
    windowEnd: r.at('windowEnd').number(o.windowEnd),
    rules: r.at('rules').array(o.rules).map((id, i) => readRuleId(r.at('rules').at(i), id)),
    orderIds: r.at('orderIds').array(o.orderIds).map((id, i) => r.at('orderIds').at(i).string(id)),
    mails: r.at('mails').count(o.mails),
    evidence: r.at('evidence').string(o.evidence),
  };
  if (o.mailedSeverity !== undefined) alert.mailedSeverity = readSeverity(r.at('mailedSeverity'), o.mailedSeverity);
  return alert;
}

function readMailed(r: Reader, raw: unknown): Partial<Record<RuleId, MailedRule>> {
  const out: Partial<Record<RuleId, MailedRule>> = {};
  for (const [rule, value] of Object.entries(r.object(raw))) {
    const vr = r.at(rule);
    const v = vr.object(value);
    out[readRuleId(vr, rule)] = { at: vr.at('at').number(v.at), severity: readSeverity(vr.at('severity'), v.severity) };
  }
  return out;
}

function readCustomer(r: Reader, raw: unknown): CustomerState {
  const o = r.object(raw);
  const c: CustomerState = {
    orders: r.at('orders').count(o.orders),
    items: r.at('items').count(o.items),
    spendUsd: r.at('spendUsd').number(o.spendUsd),
    firstOrderTs: r.at('firstOrderTs').number(o.firstOrderTs),
    lastOrderTs: r.at('lastOrderTs').number(o.lastOrderTs),
    recent: r.at('recent').array(o.recent).map((e, i) => {
      const er = r.at('recent').at(i);
      const x = er.object(e);
      const entry: RecentOrder = { id: er.at('id').string(x.id), ts: er.at('ts').number(x.ts), pm: er.at('pm').string(x.pm) };
      if (x.f !== undefined) entry.f = er.at('f').array(x.f).map((id) => readRuleId(er.at('f'), id));
      return entry;
    }),
  };
  if (o.alert !== undefined) c.alert = readAlert(r.at('alert'), o.alert);
  if (o.mailed !== undefined) c.mailed = readMailed(r.at('mailed'), o.mailed);
  if (o.place !== undefined) {
    const pr = r.at('place');
    const p = pr.object(o.place);
    c.place = {
      orderId: pr.at('orderId').string(p.orderId),
      ts: pr.at('ts').number(p.ts),
      lat: pr.at('lat').number(p.lat),
      lon: pr.at('lon').number(p.lon),
      city: pr.at('city').string(p.city),
      country: pr.at('country').string(p.country),
    };
  }
  return c;
}

function readCategory(r: Reader, raw: unknown): CategoryState {
  const c = r.object(raw);
  return { orders: r.at('orders').count(c.orders), items: r.at('items').count(c.items), revenueUsd: r.at('revenueUsd').number(c.revenueUsd) };
}

function readHistogram(r: Reader, raw: unknown): Map<number, number> {
  const h = new Map<number, number>();
  r.array(raw).forEach((pair, i) => {
    const pr = r.at(i);
    const [q, n] = pr.array(pair);
    h.set(pr.at(0).number(q), pr.at(1).count(n));
  });
  return h;
}

/** Reads a checkpoint written by serializeState; throws CorruptStateError naming the bad field. */
export function parseState(text: string): PartitionState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CorruptStateError('not JSON', error);
  }
  const r = new Reader();
  const o = r.object(json);
  if (o.version !== STATE_VERSION) r.at('version').fail(`expected ${STATE_VERSION}, got ${JSON.stringify(o.version)}`);
  return {
    version: STATE_VERSION,
    eventWatermarkTs: r.at('eventWatermarkTs').nullableNumber(o.eventWatermarkTs),
    arrivalWatermarkTs: r.at('arrivalWatermarkTs').nullableNumber(o.arrivalWatermarkTs),
    seen: r.at('seen').entries(o.seen, (vr, v) => vr.number(v)),
    customers: r.at('customers').entries(o.customers, readCustomer),
    categories: r.at('categories').entries(o.categories, readCategory),
    productQuantities: r.at('productQuantities').entries(o.productQuantities, readHistogram),
  };
}


// ---- deltas -------------------------------------------------------------------------------------

const categoryJson = (c: CategoryState) => ({ items: c.items, orders: c.orders, revenueUsd: c.revenueUsd });

/** A delta as gzip'd JSON: keys sorted, entries sorted by key, so a retried batch writes the same bytes. */
export function encodeDelta(delta: StateDelta): Uint8Array {
  const text = JSON.stringify({
    arrivalWatermarkTs: delta.arrivalWatermarkTs,
    categories: [...delta.categories].sort(compareKeys).map(([k, c]) => [k, categoryJson(c)]),
    customers: [...delta.customers].sort(compareKeys).map(([k, c]) => [k, customerJson(c)]),
    eventWatermarkTs: delta.eventWatermarkTs,
    first: delta.first,
    fromOffset: delta.fromOffset,
    kind: 'delta',
    partition: delta.partition,
    productQuantities: [...delta.productQuantities].sort(compareKeys).map(([id, h]) => [id, [...h].sort((a, b) => a[0] - b[0])]),
    seen: [...delta.seen].sort(compareKeys),
    toOffset: delta.toOffset,
    version: delta.version,
  });
  return gzipSync(text, { level: 1 });
}

/** Reads a delta written by encodeDelta; throws CorruptStateError naming the field (the caller names the object). */
export function decodeDelta(bytes: Uint8Array): StateDelta {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (error) {
    throw new CorruptStateError('not gzip\'d JSON', error);
  }
  const r = new Reader();
  const o = r.object(json);
  if (o.version !== STATE_VERSION) r.at('version').fail(`expected ${STATE_VERSION}, got ${JSON.stringify(o.version)}`);
  if (o.kind !== 'delta') r.at('kind').fail(`expected "delta", got ${JSON.stringify(o.kind)}`);
  const first = typeof o.first === 'boolean' ? o.first : r.at('first').fail('expected a boolean');
  return {
    version: STATE_VERSION,
    partition: r.at('partition').count(o.partition),
    fromOffset: r.at('fromOffset').count(o.fromOffset),
    toOffset: r.at('toOffset').count(o.toOffset),
    first,
    eventWatermarkTs: r.at('eventWatermarkTs').nullableNumber(o.eventWatermarkTs),
    arrivalWatermarkTs: r.at('arrivalWatermarkTs').nullableNumber(o.arrivalWatermarkTs),
    seen: r.at('seen').entries(o.seen, (vr, v) => vr.number(v)),
    customers: r.at('customers').entries(o.customers, readCustomer),
    categories: r.at('categories').entries(o.categories, readCategory),
    productQuantities: r.at('productQuantities').entries(o.productQuantities, readHistogram),
  };
}

/** One customer's state as stored in the partition's local store (the same JSON as in deltas). */
export const encodeCustomer = (c: CustomerState): string => JSON.stringify(customerJson(c));
export const decodeCustomer = (text: string): CustomerState => readCustomer(new Reader(), JSON.parse(text));
export const encodeCategory = (c: CategoryState): string => JSON.stringify(categoryJson(c));
export const decodeCategory = (text: string): CategoryState => readCategory(new Reader(), JSON.parse(text));
export const encodeHistogram = (h: Map<number, number>): string => JSON.stringify([...h].sort((a, b) => a[0] - b[0]));
export const decodeHistogram = (text: string): Map<number, number> => readHistogram(new Reader(), JSON.parse(text));
