// A partition's state across batches (docs/design.md §4): its shape, and the rules for how long
// its parts are kept. The state "before offset X" is a snapshot plus the deltas of the batches
// after it (state-store/); a batch reads only the slice of it its keys need (its order ids,
// customers, products) and writes a delta of what it changed (state-delta.ts). The walk that moves
// it through a batch is partition-walk.ts.
import { PipelineError } from '../errors.ts';
import type { AlertPolicy, MailedRule, OpenAlert } from './fraud/alerting.ts';
import { longestWindowMs, type FraudRule, type RuleId } from './fraud/rules.ts';

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
  /** The customer's latest fraud alert: later hits within its window update it (fraud/alerting.ts). */
  alert?: OpenAlert;
  /** Per rule, when it was last mailed for this customer and at what severity: the alert cooldown. */
  mailed?: Partial<Record<RuleId, MailedRule>>;
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
  /** Alert window, cooldown and mail threshold: the alerts in the state follow them. Default: DEFAULT_ALERT_POLICY. */
  alertPolicy?: AlertPolicy;
}

/** The checkpoint cannot be read back: a corrupt or foreign object under state/. */
export class CorruptStateError extends PipelineError {
  constructor(problem: string, cause?: unknown) {
    super(`partition state is unreadable: ${problem}`, { cause });
  }
}

/**
 * What one batch changed in its partition's state: the state before `toOffset` is the state before
 * `fromOffset` with these entries put over it (docs/design.md §4). Entries are whole values after
 * the batch (a customer, a category, a product's histogram), so applying a delta twice is
 * harmless. The dedup window expires by whole hours of Kafka time when a delta is applied.
 */
export interface StateDelta {
  version: typeof STATE_VERSION;
  partition: number;
  fromOffset: number;
  toOffset: number;
  /** The partition's first batch: the state before `fromOffset` is empty. */
  first: boolean;
  eventWatermarkTs: number | null;
  arrivalWatermarkTs: number | null;
  /** Order id → Kafka time of its first arrival, for the ids this batch remembered. */
  seen: Map<string, number>;
  customers: Map<string, CustomerState>;
  categories: Map<string, CategoryState>;
  productQuantities: Map<string, Map<number, number>>;
}

/** The keys of the state a batch reads: its order ids, customers and products. */
export interface StateKeys {
  orderIds: readonly string[];
  customerIds: readonly string[];
  productIds: readonly string[];
}

export function stateKeysOf(orders: readonly { orderId: string; customerId?: string }[], items: readonly { productId: string }[] = []): StateKeys {
  return {
    orderIds: [...new Set(orders.map((o) => o.orderId))],
    customerIds: [...new Set(orders.flatMap((o) => (o.customerId === undefined ? [] : [o.customerId])))],
    productIds: [...new Set(items.map((i) => i.productId))],
  };
}

/** Ids that first arrived before this Kafka time are outside the dedup window (see advanceState). */
export function dedupCutoffTs(arrivalWatermarkTs: number | null, dedupWindowMs: number): number {
  return arrivalWatermarkTs === null ? -Infinity : arrivalWatermarkTs - dedupWindowMs;
}

/** Recent orders before this event time are forgotten (the longest fraud window and the watermark slack). */
export function recentCutoffTs(eventWatermarkTs: number | null, rules: readonly FraudRule[]): number {
  return eventWatermarkTs === null ? -Infinity : eventWatermarkTs - longestWindowMs(rules) - WATERMARK_SLACK_MS;
}

/**
 * A customer as the whole-state walk would hold it before the next batch: a customer the last
 * batches did not touch was not pruned by them, so it is pruned here with the cutoff they would
 * have used (pruning is monotonic, so once at read time equals once per batch).
 */
export function prunedCustomer(c: CustomerState, cutoffTs: number): CustomerState {
  if (c.recent.length === 0 || c.recent[0]!.ts >= cutoffTs) return c;
  return { ...c, recent: c.recent.filter((r) => r.ts >= cutoffTs) };
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
