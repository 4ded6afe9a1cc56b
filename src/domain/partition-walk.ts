// The partition walk (docs/design.md §4): one step, `stepPartition`, walks a batch's orders in
// event-time order and moves every piece of state forward while the fraud detectors read it: the
// checkpoint (advanceState), the fraud alerts (fraud/evaluate.ts) and the customer and category
// snapshots (aggregate.ts) all come from the same walk, so they cannot disagree. Everything here is
// a pure, deterministic function of (the slice before the batch, the batch's silver rows,
// configuration). The detectors (fraud/detectors.ts) are plain functions of an order and the state
// they are handed; they know nothing of the walk.
import {
  detectForeignShipping,
  detectHighValue,
  detectImpossibleTravel,
  detectPaymentHopping,
  detectQuantityOutlier,
  detectValueSpike,
  detectVelocity,
  type WindowHit,
} from './fraud/detectors.ts';
import type { Evidence } from './fraud/evidence.ts';
import { DEFAULT_ALERT_POLICY, stepAlert, type AlertHit, type AlertMailSnapshot, type AlertPolicy, type OpenAlert } from './fraud/alerting.ts';
import { DEFAULT_FRAUD_RULES, RULE_IDS, ruleOf, type FraudRule, type RuleId, type Severity } from './fraud/rules.ts';
import type { SilverItemRow, SilverOrderRow } from './rows.ts';
import { addCents } from './money.ts';
import {
  dedupCutoffTs,
  MAX_RECENT_ORDERS_PER_CUSTOMER,
  recentCutoffTs,
  WATERMARK_SLACK_MS,
  type CustomerState,
  type PartitionState,
  type RecentOrder,
  type StateConfig,
} from './state.ts';

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

/** An alert the batch opened or updated: as the batch left it, or as it stood when a later hit of the batch closed it. */
export interface TouchedAlert {
  customerId: string;
  alert: OpenAlert;
  /** Mails this batch's hits made it worth, in event-time order. */
  mails: AlertMailSnapshot[];
}

export interface StepOutput {
  /** The state after the batch; `seen` and `arrivalWatermarkTs` are left as they were (advanceState moves them). */
  state: PartitionState;
  /** Every rule hit, in processing order. */
  hits: RuleHit[];
  /** Alerts the batch opened or updated, in the order the walk first touched them. */
  alerts: TouchedAlert[];
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

/** How far past both its arrival and the customer's latest order an order must be dated to count as future-dated. */
export const FUTURE_DATED_MS = 24 * 3_600_000;

/**
 * Dated ahead of when it reached Kafka (by more than the watermark slack) and more than a day
 * after the customer's latest order so far. Both are facts of the order and the customer's own
 * history, never of the batch it came in: a test against the batch's watermark took every order
 * of a batch spanning hours of event time (a replay, a fast simulation) for future-dated.
 */
const isFutureDated = (order: SilverOrderRow, c: CustomerState): boolean =>
  order.orderTs > order.kafkaTs + WATERMARK_SLACK_MS && (c.orders === 0 || order.orderTs > c.lastOrderTs + FUTURE_DATED_MS);

/** Walks one batch (distinct silver orders and their items) through the state and the fraud rules. */
export function stepPartition(
  prev: PartitionState,
  orders: readonly SilverOrderRow[],
  items: readonly SilverItemRow[],
  rules: readonly FraudRule[] = DEFAULT_FRAUD_RULES,
  alertPolicy: AlertPolicy = DEFAULT_ALERT_POLICY,
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

  const severityOf = new Map<RuleId, Severity>(rules.map((r) => [r.id, r.severity]));
  const severity = (rule: RuleId): Severity => severityOf.get(rule) ?? 'medium';
  const touchedAlerts = new Map<string, TouchedAlert>();
  const touchAlert = (customerId: string, alert: OpenAlert): TouchedAlert => {
    const key = `${customerId}\0${alert.openedAt}`;
    const touched = touchedAlerts.get(key) ?? { customerId, alert, mails: [] };
    touched.alert = alert;
    touchedAlerts.set(key, touched);
    return touched;
  };

  const hits: RuleHit[] = [];
  for (const order of sorted) {
    const c = customer(order.customerId);
    const firstHitOfOrder = hits.length;
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
      } else if (!isFutureDated(order, c)) {
        // A future-dated order is no place the customer has been: anchored there, every later
        // trip would look weeks long and never impossible.
        c.place = { orderId: order.orderId, ts: order.orderTs, lat: order.lat, lon: order.lon, city: order.city, country: order.country };
      }
    }

    // The order's hits join the customer's alert (or open one); a mail is decided here, order by
    // order, so it does not depend on where the batches were cut.
    const orderHits: AlertHit[] = hits.slice(firstHitOfOrder);
    const alerted = stepAlert(c.alert, c.mailed ?? {}, orderHits, severity, alertPolicy, byRuleOrder);
    if (alerted) {
      const touched = touchAlert(order.customerId, alerted.alert);
      if (alerted.mail) touched.mails.push(alerted.mail);
      c.alert = alerted.alert;
      if (alerted.mailed !== c.mailed && Object.keys(alerted.mailed).length > 0) c.mailed = alerted.mailed;
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
    const cutoff = recentCutoffTs(eventWatermarkTs, rules);
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
    alerts: [...touchedAlerts.values()],
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
  /** The batch's walk, when the caller already made it with the config's rules and policy (derive.ts shares one). */
  step?: StepOutput,
): PartitionState {
  const { state } = step ?? stepPartition(prev, orders, items, config.rules ?? DEFAULT_FRAUD_RULES, config.alertPolicy ?? DEFAULT_ALERT_POLICY);
  const arrivalWatermarkTs = nextWatermark(prev.arrivalWatermarkTs, orders.map((o) => o.kafkaTs));
  const seen = new Map<string, number>();
  const cutoff = dedupCutoffTs(arrivalWatermarkTs, config.dedupWindowMs);
  for (const [id, ts] of prev.seen) if (ts >= cutoff) seen.set(id, ts);
  for (const order of orders) {
    const first = seen.get(order.orderId);
    if (order.kafkaTs >= cutoff && (first === undefined || order.kafkaTs < first)) seen.set(order.orderId, order.kafkaTs);
  }
  return { ...state, arrivalWatermarkTs, seen };
}
