// A partition's state across batches (DESIGN §4): the checkpoint `at=<offset>` holds it as it was
// before that offset. Everything here is a pure, deterministic function of (previous state, the
// batch's silver rows, configuration), so a retried or re-run batch writes the same bytes.
//
// One step, `stepPartition`, walks a batch's orders in event-time order and moves every piece of
// state forward while the fraud detectors read it: the checkpoint (advanceState), the fraud
// alerts (fraud/evaluate.ts) and the customer and category snapshots (aggregate.ts) all come from
// the same walk, so they cannot disagree.
import { PipelineError } from '../errors.ts';
import {
  detectForeignShipping,
  detectHighValue,
  detectImpossibleTravel,
  detectPaymentHopping,
  detectQuantityOutlier,
  detectValueSpike,
  detectVelocity,
  type Evidence,
  type WindowHit,
} from './fraud/detectors.ts';
import { DEFAULT_FRAUD_RULES, RULE_IDS, longestWindowMs, ruleOf, type FraudRule, type RuleId } from './fraud/rules.ts';
import type { SilverItemRow, SilverOrderRow } from './rows.ts';

export const STATE_VERSION = 1;

/** How far one batch may move a watermark past the stream's time (see nextWatermark); also how long recent orders are kept beyond the longest window. */
export const WATERMARK_SLACK_MS = 3_600_000;
/** Recent orders kept per customer at most, whatever the windows (bounds the state of a runaway customer). */
export const MAX_RECENT_ORDERS_PER_CUSTOMER = 500;

/** An order of the customer within the longest fraud window. */
export interface RecentOrder {
  /** Order id. */
  id: string;
  /** Event time, ms since the epoch. */
  ts: number;
  /** Payment method. */
  pm: string;
  /** Windowed rules that already flagged this order, so a burst that goes on is not flagged twice. */
  f?: RuleId[];
}

/** The last place a customer plausibly was (the shipping city of their last order that was not flagged as impossible travel). */
export interface TrustedPlace {
  orderId: string;
  ts: number;
  lat: number;
  lon: number;
  city: string;
  country: string;
}

export interface CustomerState {
  orders: number;
  /** Units (sum of line quantities). */
  items: number;
  spendUsd: number;
  firstOrderTs: number;
  lastOrderTs: number;
  /** Sorted by (ts, id); pruned to the longest fraud window plus the watermark slack before the event watermark. */
  recent: RecentOrder[];
  place?: TrustedPlace;
}

export interface CategoryState {
  /** Orders with at least one line of the category. */
  orders: number;
  items: number;
  revenueUsd: number;
}

export interface PartitionState {
  version: typeof STATE_VERSION;
  /** Highest event time seen (robust to a few future-dated events); prunes the customers' recent orders. */
  eventWatermarkTs: number | null;
  /** Highest Kafka timestamp seen (same guard); prunes the dedup window. */
  arrivalWatermarkTs: number | null;
  /** Order id → Kafka timestamp of its first arrival, for ids within the dedup window. */
  seen: Map<string, number>;
  customers: Map<string, CustomerState>;
  categories: Map<string, CategoryState>;
  /** Product id → histogram of line quantities (quantity → lines), for the quantity-outlier z-score. */
  productQuantities: Map<string, Map<number, number>>;
}

export interface StateConfig {
  /** How long an order id is remembered, by Kafka arrival time (DEDUP_WINDOW_HOURS). */
  dedupWindowMs: number;
  /** The fraud rules in force: they decide how long recent orders are kept. Default: the shipped rule set. */
  rules?: readonly FraudRule[];
}

/** The checkpoint cannot be read back: a corrupt or foreign object under state/. */
export class CorruptStateError extends PipelineError {
  constructor(problem: string, cause?: unknown) {
    super(`partition state is unreadable: ${problem}`, { cause });
  }
}

export function emptyPartitionState(): PartitionState {
  return {
    version: STATE_VERSION,
    eventWatermarkTs: null,
    arrivalWatermarkTs: null,
    seen: new Map(),
    customers: new Map(),
    categories: new Map(),
    productQuantities: new Map(),
  };
}

// ---- money --------------------------------------------------------------------------------------

/** Rounds to cents, correcting binary representation first (1.005 → 1.01, as a person would round). */
export function roundCents(usd: number): number {
  return Math.round(Number((usd * 100).toPrecision(15))) / 100;
}

/** a + b in cents, so running sums never drift. */
export function addCents(a: number, b: number): number {
  return (Math.round(a * 100) + Math.round(b * 100)) / 100;
}

// ---- serialization ---------------------------------------------------------------------------------

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) Object.defineProperty(out, key, { value: sortKeys(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

const compareKeys = <V>(a: [string, V], b: [string, V]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

// Objects below are built with their keys in alphabetical order, so JSON.stringify writes the
// same text for the same state without a generic (slow) key sort over a large checkpoint.
const recentJson = (r: RecentOrder) => (r.f && r.f.length > 0 ? { f: r.f, id: r.id, pm: r.pm, ts: r.ts } : { id: r.id, pm: r.pm, ts: r.ts });
const placeJson = (p: TrustedPlace) => ({ city: p.city, country: p.country, lat: p.lat, lon: p.lon, orderId: p.orderId, ts: p.ts });
const customerJson = (c: CustomerState) => ({
  firstOrderTs: c.firstOrderTs,
  items: c.items,
  lastOrderTs: c.lastOrderTs,
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
      if (x.f !== undefined) {
        entry.f = er.at('f').array(x.f).map((id) => (typeof id === 'string' && RULE_ID_SET.has(id) ? (id as RuleId) : er.at('f').fail(`unknown rule id ${JSON.stringify(id)}`)));
      }
      return entry;
    }),
  };
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
    categories: r.at('categories').entries(o.categories, (cr, v) => {
      const c = cr.object(v);
      return { orders: cr.at('orders').count(c.orders), items: cr.at('items').count(c.items), revenueUsd: cr.at('revenueUsd').number(c.revenueUsd) };
    }),
    productQuantities: r.at('productQuantities').entries(o.productQuantities, (hr, v) => {
      const h = new Map<number, number>();
      hr.array(v).forEach((pair, i) => {
        const pr = hr.at(i);
        const [q, n] = pr.array(pair);
        h.set(pr.at(0).number(q), pr.at(1).count(n));
      });
      return h;
    }),
  };
}

// ---- the batch step ---------------------------------------------------------------------------------

/** One rule's verdict on one order of the batch. */
export interface RuleHit {
  rule: RuleId;
  customerId: string;
  /** The order whose arrival triggered the rule. */
  orderId: string;
  orderTs: number;
  /** Orders this hit flags: the trigger, and for windowed rules the window's orders not flagged before (maybe of earlier batches). */
  flaggedOrderIds: string[];
  evidence: Evidence;
  windowStart: number;
}

export interface StepOutput {
  /** The state after the batch; `seen` and `arrivalWatermarkTs` are left as they were (advanceState moves them). */
  state: PartitionState;
  /** Every rule hit, in processing order. */
  hits: RuleHit[];
  /** Customers with an order in the batch, sorted. */
  touchedCustomers: string[];
  /** Categories with a line in the batch, sorted. */
  touchedCategories: string[];
}

/** Event-time order, ties broken by Kafka offset then id: the order every step walks a batch in. */
export function compareOrders(a: SilverOrderRow, b: SilverOrderRow): number {
  return a.orderTs - b.orderTs || a.partition - b.partition || a.offset - b.offset || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);
}

/**
 * A watermark moved by a batch's times, robust to an event dated far ahead (a future-dated order):
 *  - from a batch of three or more, the highest time not more than the slack past the batch's
 *    median (a time some event really has, so a minority of future-dated events cannot lead);
 *  - from a batch of one or two, where a median proves nothing, at most the slack past the
 *    previous watermark (after a real gap it catches up over a few batches).
 * So the watermark is never more than the slack ahead of the stream, and recent orders are kept
 * for the slack beyond the longest window. It never goes back.
 */
export function nextWatermark(previous: number | null, times: readonly number[]): number | null {
  if (times.length === 0) return previous;
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianTs = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  let candidate = sorted[0]!;
  for (const t of sorted) if (t <= medianTs + WATERMARK_SLACK_MS) candidate = t;
  if (previous === null) return candidate;
  if (sorted.length < 3) candidate = Math.min(candidate, previous + WATERMARK_SLACK_MS);
  return Math.max(previous, candidate);
}

function insertRecent(recent: RecentOrder[], entry: RecentOrder): void {
  let lo = 0;
  let hi = recent.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = recent[mid]!;
    if (m.ts < entry.ts || (m.ts === entry.ts && m.id <= entry.id)) lo = mid + 1;
    else hi = mid;
  }
  recent.splice(lo, 0, entry);
}

const cloneCustomer = (c: CustomerState): CustomerState => ({
  ...c,
  recent: c.recent.map((r) => (r.f ? { ...r, f: [...r.f] } : { ...r })),
  ...(c.place ? { place: { ...c.place } } : {}),
});

const RULE_RANK = new Map<string, number>(RULE_IDS.map((id, i) => [id, i]));
export const byRuleOrder = (a: string, b: string): number => (RULE_RANK.get(a) ?? 99) - (RULE_RANK.get(b) ?? 99) || (a < b ? -1 : a > b ? 1 : 0);

/** Walks one batch (distinct silver orders and their items) through the state and the fraud rules. */
export function stepPartition(
  prev: PartitionState,
  orders: readonly SilverOrderRow[],
  items: readonly SilverItemRow[],
  rules: readonly FraudRule[] = DEFAULT_FRAUD_RULES,
): StepOutput {
  const linesOf = new Map<string, SilverItemRow[]>();
  for (const item of items) {
    const list = linesOf.get(item.orderId);
    if (list) list.push(item);
    else linesOf.set(item.orderId, [item]);
  }
  const sorted = [...orders].sort(compareOrders);
  // The stream's time after this batch, robust to future-dated orders (see nextWatermark).
  const eventWatermarkTs = nextWatermark(prev.eventWatermarkTs, sorted.map((o) => o.orderTs));

  // Copy on write: untouched customers and products are shared with `prev`, never modified.
  const customers = new Map(prev.customers);
  const ownCustomers = new Set<string>();
  const customer = (id: string): CustomerState => {
    if (!ownCustomers.has(id)) {
      const before = customers.get(id);
      customers.set(id, before ? cloneCustomer(before) : { orders: 0, items: 0, spendUsd: 0, firstOrderTs: Infinity, lastOrderTs: -Infinity, recent: [] });
      ownCustomers.add(id);
    }
    return customers.get(id)!;
  };
  const products = new Map(prev.productQuantities);
  const ownProducts = new Set<string>();
  const histogram = (id: string): Map<number, number> => {
    if (!ownProducts.has(id)) {
      products.set(id, new Map(products.get(id)));
      ownProducts.add(id);
    }
    return products.get(id)!;
  };
  const categories = new Map([...prev.categories].map(([k, v]) => [k, { ...v }]));
  const touchedCategories = new Set<string>();

  const highValue = ruleOf(rules, 'high-value');
  const valueSpike = ruleOf(rules, 'value-spike');
  const quantityOutlier = ruleOf(rules, 'quantity-outlier');
  const foreignShipping = ruleOf(rules, 'foreign-shipping');
  const velocity = ruleOf(rules, 'velocity');
  const paymentHopping = ruleOf(rules, 'payment-hopping');
  const impossibleTravel = ruleOf(rules, 'impossible-travel');

  const hits: RuleHit[] = [];
  for (const order of sorted) {
    const c = customer(order.customerId);
    const lines = linesOf.get(order.orderId) ?? [];
    const hit = (rule: RuleId, evidence: Evidence, flaggedOrderIds: string[] = [order.orderId], windowStart = order.orderTs): void => {
      hits.push({ rule, customerId: order.customerId, orderId: order.orderId, orderTs: order.orderTs, flaggedOrderIds, evidence, windowStart });
    };
    const windowHit = (rule: RuleId, found: WindowHit | undefined): void => {
      if (!found) return;
      const fresh = found.flagged.filter((r) => !r.f?.includes(rule));
      for (const r of fresh) r.f = [...(r.f ?? []), rule].sort(byRuleOrder);
      if (fresh.length > 0) hit(rule, found.evidence, fresh.map((r) => r.id), found.windowStart);
    };

    // Stateless rules, and those reading the customer's and products' history before this order.
    if (highValue) {
      const e = detectHighValue(highValue, order);
      if (e) hit('high-value', e);
    }
    if (valueSpike) {
      const e = detectValueSpike(valueSpike, order, c);
      if (e) hit('value-spike', e);
    }
    if (quantityOutlier) {
      const e = detectQuantityOutlier(quantityOutlier, lines, (id) => products.get(id));
      if (e) hit('quantity-outlier', e);
    }
    let foreign = false;
    if (foreignShipping) {
      const e = detectForeignShipping(foreignShipping, order);
      if (e) {
        hit('foreign-shipping', e);
        foreign = true;
      }
    }

    // Windowed rules over the customer's recent orders, this one included.
    const current: RecentOrder = { id: order.orderId, ts: order.orderTs, pm: order.paymentMethod };
    insertRecent(c.recent, current);
    if (velocity) windowHit('velocity', detectVelocity(velocity, c.recent, current));
    if (paymentHopping) windowHit('payment-hopping', detectPaymentHopping(paymentHopping, c.recent, current));

    if (order.lat !== null && order.lon !== null && !(foreign && impossibleTravel?.ignoreForeignShipping)) {
      const travel = impossibleTravel ? detectImpossibleTravel(impossibleTravel, c.place, order) : undefined;
      if (travel) {
        const { windowStart, ...evidence } = travel;
        hit('impossible-travel', evidence, [order.orderId], windowStart);
      } else if (eventWatermarkTs === null || order.orderTs <= eventWatermarkTs) {
        // A future-dated order (past the watermark) is no place the customer has been: anchored
        // there, every later trip would look weeks long and never impossible.
        c.place = { orderId: order.orderId, ts: order.orderTs, lat: order.lat, lon: order.lon, city: order.city, country: order.country };
      }
    }

    // Running totals, after the rules read them.
    c.orders += 1;
    c.items += order.itemCount;
    c.spendUsd = addCents(c.spendUsd, order.totalAmountUsd);
    c.firstOrderTs = Math.min(c.firstOrderTs, order.orderTs);
    c.lastOrderTs = Math.max(c.lastOrderTs, order.orderTs);
    const perCategory = new Map<string, { items: number; revenueUsd: number }>();
    for (const line of lines) {
      const h = histogram(line.productId);
      h.set(line.quantity, (h.get(line.quantity) ?? 0) + 1);
      const acc = perCategory.get(line.category) ?? { items: 0, revenueUsd: 0 };
      acc.items += line.quantity;
      acc.revenueUsd = addCents(acc.revenueUsd, line.lineAmountUsd);
      perCategory.set(line.category, acc);
    }
    for (const [category, acc] of perCategory) {
      const total = categories.get(category) ?? { orders: 0, items: 0, revenueUsd: 0 };
      total.orders += 1;
      total.items += acc.items;
      total.revenueUsd = addCents(total.revenueUsd, acc.revenueUsd);
      categories.set(category, total);
      touchedCategories.add(category);
    }
  }

  // Forget recent orders older than the longest window (and the slack) before the event watermark.
  if (eventWatermarkTs !== null) {
    const cutoff = eventWatermarkTs - longestWindowMs(rules) - WATERMARK_SLACK_MS;
    for (const [id, c] of customers) {
      const stale = c.recent.length > MAX_RECENT_ORDERS_PER_CUSTOMER || (c.recent.length > 0 && c.recent[0]!.ts < cutoff);
      if (!stale) continue;
      const own = customer(id);
      own.recent = own.recent.filter((r) => r.ts >= cutoff).slice(-MAX_RECENT_ORDERS_PER_CUSTOMER);
    }
  }

  return {
    state: { ...prev, eventWatermarkTs, customers, categories, productQuantities: products },
    hits,
    touchedCustomers: [...new Set(sorted.map((o) => o.customerId))].sort(),
    touchedCategories: [...touchedCategories].sort(),
  };
}

/**
 * The checkpoint after a batch: `prev` moved forward by the batch's distinct orders. Also
 * remembers their ids for the dedup window, which is kept by Kafka arrival time: an order
 * dated far in the future cannot push every remembered id out of it, and a re-sent order
 * arrives close to its first copy whatever its event time says.
 */
export function advanceState(
  prev: PartitionState,
  orders: readonly SilverOrderRow[],
  items: readonly SilverItemRow[],
  config: StateConfig,
): PartitionState {
  const { state } = stepPartition(prev, orders, items, config.rules ?? DEFAULT_FRAUD_RULES);
  const arrivalWatermarkTs = nextWatermark(prev.arrivalWatermarkTs, orders.map((o) => o.kafkaTs));
  const seen = new Map<string, number>();
  const cutoff = arrivalWatermarkTs === null ? -Infinity : arrivalWatermarkTs - config.dedupWindowMs;
  for (const [id, ts] of prev.seen) if (ts >= cutoff) seen.set(id, ts);
  for (const order of orders) {
    const first = seen.get(order.orderId);
    if (order.kafkaTs >= cutoff && (first === undefined || order.kafkaTs < first)) seen.set(order.orderId, order.kafkaTs);
  }
  return { ...state, arrivalWatermarkTs, seen };
}
