// What the dashboard page (and `orders report`) receives from the gold reader: the views and the
// limits and ranges they are cut to. Plain data, no I/O.

export const MINUTE_MS = 60_000;

/**
 * The volume chart's ranges, each ending at the present minute (the wall clock, not the newest
 * order: one order dated weeks ahead used to drag the whole chart into the future).
 */
export const SERIES_RANGES = { '15m': 15 * MINUTE_MS, '1h': 60 * MINUTE_MS, '24h': 1440 * MINUTE_MS, all: Infinity } as const;
export type SeriesRange = keyof typeof SERIES_RANGES;

/**
 * The range a page opens with: the smallest that holds every order up to now; when the data is
 * older than a day but still arriving, the last 24 h (the live part); else everything.
 * `age`: now minus the first order; `quiet`: now minus the newest order (Infinity: none).
 */
export function autoRange(age: number, quiet: number): SeriesRange {
  if (age < SERIES_RANGES['15m']) return '15m';
  if (age < SERIES_RANGES['1h']) return '1h';
  if (age < SERIES_RANGES['24h'] || quiet < SERIES_RANGES['24h']) return '24h';
  return 'all';
}
/** Bucket widths a range may use, smallest first; a range takes the first that fits in MAX_POINTS. */
export const BUCKETS_MS = [1, 5, 15, 60, 360, 1440, 10080].map((minutes) => minutes * MINUTE_MS);
export const MAX_POINTS = 300;
/**
 * An order dated more than this after the present is a future-dated order: left out of the chart
 * and the rate, and counted on its own (a data-quality finding). The margin absorbs clock skew
 * between the producers and this machine.
 */
export const FUTURE_MARGIN_MS = 2 * MINUTE_MS;
/** The order rate counts the orders that reached gold within this long before now. */
export const RATE_WINDOW_MS = 5 * MINUTE_MS;
export const TOP_CUSTOMERS = 10;
export const LISTED_ALERTS = 50;
export const LISTED_BATCHES = 12;

export interface Totals {
  /** Distinct orders: the sum of every customer's latest order count (customer_totals). */
  orders: number;
  items: number;
  /** Revenue of the lines sold (sales_by_category_minute, all minutes and categories). */
  revenueUsd: number;
  customers: number;
  alerts: number;
  batches: number;
  firstMinute: number | null;
  lastMinute: number | null;
  /**
   * By arrival, per minute over the last RATE_WINDOW_MS: the distinct orders of the batches whose
   * quality part appeared in that time (dq_metrics: the orders checked, less those the `future`
   * check flagged), and the revenue of the sales parts that appeared (future-dated minutes left
   * out). Not sales_by_category_minute's order column: it counts an order once per category, about
   * twice the real rate. Parts already in the lake when the reader started are history, not
   * arrivals. Null until the reader has followed the lake for a while.
   */
  recentOrdersPerMin: number | null;
  recentRevenuePerMin: number | null;
  /** Over how many minutes the rate was measured (up to RATE_WINDOW_MS). */
  rateMinutes: number;
  /** Orders dated more than FUTURE_MARGIN_MS after now: not in the chart nor the rate. */
  futureOrders: number;
  futureRevenueUsd: number;
}

export interface Series {
  range: SeriesRange;
  /** Width of one point, ms: 1 min for short ranges, up to a week for long ones. */
  bucketMs: number;
  /** Bucket starts, ms since the epoch, without gaps, the last one holding the present minute. */
  minutes: number[];
  orders: number[];
  revenueUsd: number[];
}

export interface SeriesView {
  /** The present minute (start), ms since the epoch: where every range ends. */
  nowMinute: number;
  /** The range the page shows unless the user picks one: the smallest that holds the data. */
  auto: SeriesRange;
  /** Whether any order is dated at or before now: an empty chart then means an empty range. */
  anyPast: boolean;
  ranges: Record<SeriesRange, Series>;
}

export interface CategoryView {
  category: string;
  orders: number;
  items: number;
  revenueUsd: number;
  /** Fraction of all revenue, 0..1. */
  share: number;
}

export interface CustomerView {
  customerId: string;
  segment: string;
  orders: number;
  items: number;
  spendUsd: number;
  lastOrderTs: number;
}

export interface AlertView {
  alertId: string;
  customerId: string;
  rules: string[];
  severity: string;
  score: number;
  windowStart: number;
  windowEnd: number;
  orderCount: number;
  batchId: string;
  batchUrl: string;
}

export interface QualityView {
  batchId: string;
  batchUrl: string;
  /** Newest order minute of the batch (from its sales rows), when known. */
  latestMinute: number | null;
  rows: number;
  checks: number;
  issues: number;
  breached: { check: string; field: string; count: number; total: number; rate: number; maxRate: number | null }[];
}

export interface GoldView {
  totals: Totals;
  series: SeriesView;
  categories: CategoryView[];
  customers: { count: number; top: CustomerView[] };
  alerts: { count: number; rows: AlertView[] };
  quality: { batches: number; breachedBatches: number; rows: QualityView[] };
}
