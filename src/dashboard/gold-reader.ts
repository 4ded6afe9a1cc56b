// Follows the gold tables of the lake and keeps the dashboard's aggregates up to date.
// Gold objects are immutable (every key is derived from its batch and always holds the same
// bytes), so each poll lists the table prefixes, fetches only keys it has not seen, and folds
// their rows into running aggregates. Whatever folders a table uses inside its prefix
// (order_date=, batch_date=, partition=) does not matter here. A key that disappears (someone cleaned the lake) makes
// that table rebuild from what is left, which is rare and still correct.
import type {
  CustomerTotalsRow,
  DqMetricRow,
  FraudAlertRow,
  SalesByCategoryMinuteRow,
} from '../domain/rows.ts';
import { isCorruptLakeObject } from '../lake/errors.ts';
import { tablePrefix } from '../lake/keys.ts';
import { workflowRunUrl } from '../contract/web-ui.ts';

/** The part of the lake the dashboard needs. */
export interface GoldLake {
  list(prefix: string): Promise<string[]>;
  /** Undefined when the object is gone. */
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Parses one Parquet object into plain rows (column name → value). */
export type ParquetRows = (bytes: Uint8Array, options: { key: string }) => Promise<Record<string, unknown>[]>;

/** The gold tables the page reads, by the name the dashboard uses for them. */
const MINUTE_MS = 60_000;

export const GOLD_TABLES = {
  sales: tablePrefix('salesByCategoryMinute'),
  customers: tablePrefix('customerTotals'),
  alerts: tablePrefix('fraudAlerts'),
  quality: tablePrefix('dqMetrics'),
} as const;
export type GoldTableName = keyof typeof GOLD_TABLES;

/**
 * The volume chart's ranges, each ending at the present minute (the wall clock, not the newest
 * order: one order dated weeks ahead used to drag the whole chart into the future).
 */
export const SERIES_RANGES = { '15m': 15 * MINUTE_MS, '1h': 60 * MINUTE_MS, '24h': 1440 * MINUTE_MS, all: Infinity } as const;
export type SeriesRange = keyof typeof SERIES_RANGES;
/** Bucket widths a range may use, smallest first; a range takes the first that fits in MAX_POINTS. */
const BUCKETS_MS = [1, 5, 15, 60, 360, 1440, 10080].map((minutes) => minutes * MINUTE_MS);
const MAX_POINTS = 300;
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
/** Objects fetched at once when catching up with a large lake. */
const FETCH_CONCURRENCY = 8;
/** A poll fetches at most this many new objects per table, so a large lake fills the page in steps. */
const MAX_FETCHED_PER_POLL = 2000;

// ---- values as readers hand them back: numbers, bigints or Dates for timestamps -----------------

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}
const str = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const bool = (value: unknown): boolean => value === true || value === 1 || value === 'true';
const cents = (usd: number): number => Math.round(usd * 100);

/** Smallest and largest of many numbers (spreading a large map into Math.max overflows the stack). */
/** The revenue of one sales part, in cents, without minutes dated past the future margin. */
function revenueOf(rows: SalesByCategoryMinuteRow[], at: number): number {
  let total = 0;
  for (const row of rows) if (row.minute <= at + FUTURE_MARGIN_MS) total += cents(row.revenueUsd);
  return total;
}

/**
 * Distinct orders of the batches in one quality part: the orders a per-order check looked at
 * (`missing` on `city`: every silver order of the batch), less those the `future` check flagged.
 */
function ordersChecked(rows: DqMetricRow[]): number {
  const byBatch = new Map<string, { orders: number; future: number }>();
  for (const row of rows) {
    let batch = byBatch.get(row.batchId);
    if (!batch) byBatch.set(row.batchId, (batch = { orders: 0, future: 0 }));
    if (row.check === 'missing' && row.field === 'city') batch.orders = row.total;
    if (row.check === 'future') batch.future += row.count;
  }
  let orders = 0;
  for (const batch of byBatch.values()) orders += Math.max(0, batch.orders - batch.future);
  return orders;
}

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

function range(values: Iterable<number>): { min: number; max: number } | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

export function toSalesRow(r: Record<string, unknown>): SalesByCategoryMinuteRow {
  return { minute: num(r.minute), category: str(r.category), orders: num(r.orders), items: num(r.items), revenueUsd: num(r.revenueUsd), batchId: str(r.batchId) };
}
export function toCustomerRow(r: Record<string, unknown>): CustomerTotalsRow {
  return {
    customerId: str(r.customerId),
    orders: num(r.orders),
    items: num(r.items),
    spendUsd: num(r.spendUsd),
    firstOrderTs: num(r.firstOrderTs),
    lastOrderTs: num(r.lastOrderTs),
    segment: str(r.segment),
    partition: num(r.partition),
    asOfOffset: num(r.asOfOffset),
  };
}
export function toAlertRow(r: Record<string, unknown>): FraudAlertRow {
  return {
    alertId: str(r.alertId),
    customerId: str(r.customerId),
    ruleId: str(r.ruleId),
    severity: str(r.severity),
    windowStart: num(r.windowStart),
    windowEnd: num(r.windowEnd),
    orderIds: str(r.orderIds),
    score: num(r.score),
    evidence: str(r.evidence),
    batchId: str(r.batchId),
    openedAt: r.openedAt === null || r.openedAt === undefined ? null : num(r.openedAt),
    mails: r.mails === null || r.mails === undefined ? null : str(r.mails),
    asOfOffset: r.asOfOffset === null || r.asOfOffset === undefined ? null : num(r.asOfOffset),
  };
}

/** An alert is updated by later batches: its latest row (highest asOfOffset, else latest window end) is the one to show. */
const isNewerAlertRow = (row: FraudAlertRow, than: FraudAlertRow | undefined): boolean =>
  than === undefined || (row.asOfOffset ?? -1) > (than.asOfOffset ?? -1) || ((row.asOfOffset ?? -1) === (than.asOfOffset ?? -1) && row.windowEnd >= than.windowEnd);
export function toDqRow(r: Record<string, unknown>): DqMetricRow {
  const count = num(r.count);
  const total = num(r.total);
  return {
    batchId: str(r.batchId),
    check: str(r.check),
    field: str(r.field),
    count,
    total,
    breached: bool(r.breached),
    // Older parts may lack the rate columns: derive what can be derived.
    rate: r.rate === undefined || r.rate === null ? (total > 0 ? count / total : 0) : num(r.rate),
    maxRate: r.maxRate === undefined || r.maxRate === null ? Number.NaN : num(r.maxRate),
    detail: str(r.detail),
  };
}

/** `orders-3-1200` → partition 3, start 1200 (for ordering; other ids sort last). */
function batchOrder(batchId: string): { partition: number; start: number } {
  const m = /-(\d+)-(\d+)$/.exec(batchId);
  return m ? { partition: Number(m[1]), start: Number(m[2]) } : { partition: Number.MAX_SAFE_INTEGER, start: -1 };
}

// ---- what the page receives -------------------------------------------------------------------

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

// ---- following one table -----------------------------------------------------------------------

interface TableChanges<Row> {
  added: { key: string; rows: Row[] }[];
  removed: string[];
  /** More new keys are waiting than one poll fetches. */
  backlog: boolean;
}

/**
 * Lists a table prefix and fetches the keys not seen before. Remembers keys, not rows. A key
 * counts as seen only once its rows were folded in (commit), so a poll that fails half-way
 * loses nothing: the next one fetches the same keys again.
 */
class TableFollower<Row> {
  private readonly known = new Set<string>();
  /** Objects that are not readable Parquet: skipped (they would fail every poll), and reported. */
  readonly unreadable = new Map<string, string>();

  constructor(
    private readonly lake: GoldLake,
    private readonly prefix: string,
    private readonly parse: ParquetRows,
    private readonly toRow: (r: Record<string, unknown>) => Row,
  ) {}

  async sync(): Promise<TableChanges<Row>> {
    const listed = (await this.lake.list(this.prefix)).filter((key) => key.endsWith('.parquet'));
    const present = new Set(listed);
    const removed = [...this.known].filter((key) => !present.has(key));
    for (const key of this.unreadable.keys()) if (!present.has(key)) this.unreadable.delete(key);
    const fresh = listed.filter((key) => !this.known.has(key) && !this.unreadable.has(key)).sort();
    const now = fresh.slice(0, MAX_FETCHED_PER_POLL);
    const added: { key: string; rows: Row[] }[] = [];
    for (let i = 0; i < now.length; i += FETCH_CONCURRENCY) {
      const chunk = now.slice(i, i + FETCH_CONCURRENCY);
      const rows = await Promise.all(
        chunk.map(async (key) => {
          const bytes = await this.lake.get(key);
          if (!bytes) return undefined;
          try {
            return (await this.parse(bytes, { key })).map(this.toRow);
          } catch (error) {
            if (!isCorruptLakeObject(error)) throw error;
            this.unreadable.set(key, error.message);
            return undefined;
          }
        }),
      );
      chunk.forEach((key, j) => {
        const parsed = rows[j];
        if (parsed) added.push({ key, rows: parsed }); // else deleted since the listing, or unreadable
      });
    }
    return { added, removed, backlog: fresh.length > now.length };
  }

  /** The changes are folded into the aggregates: their keys are now seen (or gone). */
  commit(changes: TableChanges<Row>): void {
    for (const key of changes.removed) this.known.delete(key);
    for (const { key } of changes.added) this.known.add(key);
  }

  /** Forget every key so that the next sync fetches the whole table again. */
  reset(): void {
    this.known.clear();
  }
}

// ---- the aggregates ------------------------------------------------------------------------------

interface Sums {
  orders: number;
  items: number;
  revenueCents: number;
}
const addSums = (into: Sums, row: SalesByCategoryMinuteRow, sign: 1 | -1): void => {
  into.orders += sign * row.orders;
  into.items += sign * row.items;
  into.revenueCents += sign * cents(row.revenueUsd);
};

export interface GoldReaderOptions {
  lake: GoldLake;
  parse: ParquetRows;
  /** Link to a batch's run: `${temporalUiUrl}/namespaces/${namespace}/workflows/${batchId}`. */
  temporalUiUrl: string;
  namespace: string;
  /**
   * Only what happened from this time on (ms since the epoch), for `orders report --since`: sales
   * of the minutes from it, alerts whose window ends after it, customers who ordered after it (with
   * their lifetime totals) and batches with orders after it. Unset (the dashboard): everything.
   */
  sinceMs?: number;
  /** The present, for the live view's clock (tests set it). */
  now?: () => number;
}

/** Orders of one gold part as it appeared in the lake. */
interface Arrival {
  at: number;
  orders: number;
  revenueCents: number;
}

export class GoldReader {
  private readonly sales: TableFollower<SalesByCategoryMinuteRow>;
  private readonly customers: TableFollower<CustomerTotalsRow>;
  private readonly alerts: TableFollower<FraudAlertRow>;
  private readonly quality: TableFollower<DqMetricRow>;

  // Sales rows are few (categories × minutes per batch) and are kept by key, so that a removed
  // key can be subtracted. Money is summed in cents: totals stay exact however many rows add up.
  private readonly salesByKey = new Map<string, SalesByCategoryMinuteRow[]>();
  private readonly byMinute = new Map<number, Sums>();
  private readonly byCategory = new Map<string, Sums>();
  private readonly total: Sums = { orders: 0, items: 0, revenueCents: 0 };
  private readonly batchLatestMinute = new Map<string, number>();

  // Customer snapshots can be large (one row per customer per batch), so only the latest row per
  // customer is kept; a removed key makes the table reload.
  private readonly latestCustomer = new Map<string, CustomerTotalsRow>();
  /** Sums over latestCustomer: every order counted once (a customer's orders live in one partition). */
  private readonly customerSums = { orders: 0, items: 0, spendCents: 0 };

  private readonly alertsByKey = new Map<string, FraudAlertRow[]>();
  private readonly alertById = new Map<string, FraudAlertRow>();

  private readonly dqByKey = new Map<string, DqMetricRow[]>();
  private readonly dqByBatch = new Map<string, Map<string, DqMetricRow>>();

  private readonly temporalUiUrl: string;
  private readonly namespace: string;
  private readonly sinceMs: number | undefined;
  private readonly now: () => number;
  /** When the reader had read what was in the lake at its start: arrivals count from then. */
  private followingSince: number | undefined;
  private arrivals: Arrival[] = [];

  constructor(options: GoldReaderOptions) {
    const { lake, parse } = options;
    this.sales = new TableFollower(lake, GOLD_TABLES.sales, parse, toSalesRow);
    this.customers = new TableFollower(lake, GOLD_TABLES.customers, parse, toCustomerRow);
    this.alerts = new TableFollower(lake, GOLD_TABLES.alerts, parse, toAlertRow);
    this.quality = new TableFollower(lake, GOLD_TABLES.quality, parse, toDqRow);
    this.temporalUiUrl = options.temporalUiUrl;
    this.namespace = options.namespace;
    this.sinceMs = options.sinceMs;
    this.now = options.now ?? Date.now;
  }

  /** A sales row of a minute that ends after `sinceMs`. */
  private inWindow(minute: number): boolean {
    return this.sinceMs === undefined || minute + MINUTE_MS > this.sinceMs;
  }

  batchUrl(batchId: string): string {
    return workflowRunUrl(this.temporalUiUrl, this.namespace, batchId);
  }

  /** True when the last refresh left new objects for the next one (catching up with a large lake). */
  backlog = false;

  /** Reads what is new in the lake; returns the tables that changed. */
  async refresh(): Promise<Set<GoldTableName>> {
    const changed = new Set<GoldTableName>();
    const [sales, listedCustomers, alerts, quality] = await Promise.all([this.sales.sync(), this.customers.sync(), this.alerts.sync(), this.quality.sync()]);
    let customers = listedCustomers;
    if (customers.removed.length > 0) {
      // Only the latest row per customer is kept, so a vanished snapshot means reading them all again.
      this.customers.reset();
      this.latestCustomer.clear();
      Object.assign(this.customerSums, { orders: 0, items: 0, spendCents: 0 });
      customers = { ...(await this.customers.sync()), removed: customers.removed };
    }
    // From here on nothing awaits: the aggregates and the seen keys change together.

    if (sales.added.length > 0 || sales.removed.length > 0) {
      changed.add('sales');
      for (const key of sales.removed) {
        for (const row of this.salesByKey.get(key) ?? []) this.foldSales(row, -1);
        this.salesByKey.delete(key);
      }
      const now = this.now();
      for (const { key, rows: all } of sales.added) {
        const rows = all.filter((row) => this.inWindow(row.minute));
        this.salesByKey.set(key, rows);
        for (const row of rows) this.foldSales(row, 1);
        if (this.followingSince !== undefined) this.arrivals.push({ at: now, orders: 0, revenueCents: revenueOf(rows, now) });
      }
      if (sales.removed.length > 0) this.recomputeBatchMinutes();
    }

    if (customers.added.length > 0 || customers.removed.length > 0) {
      changed.add('customers');
      for (const { rows } of customers.added) {
        for (const row of rows) {
          const current = this.latestCustomer.get(row.customerId);
          if (!current || row.asOfOffset > current.asOfOffset || (row.asOfOffset === current.asOfOffset && row.lastOrderTs >= current.lastOrderTs)) {
            if (current) this.foldCustomer(current, -1);
            this.latestCustomer.set(row.customerId, row);
            this.foldCustomer(row, 1);
          }
        }
      }
    }

    if (alerts.added.length > 0 || alerts.removed.length > 0) {
      changed.add('alerts');
      for (const key of alerts.removed) this.alertsByKey.delete(key);
      for (const { key, rows } of alerts.added) this.alertsByKey.set(key, rows.filter((row) => this.sinceMs === undefined || row.windowEnd >= this.sinceMs));
      if (alerts.removed.length > 0) this.alertById.clear();
      const sources = alerts.removed.length > 0 ? [...this.alertsByKey.values()] : alerts.added.map((a) => this.alertsByKey.get(a.key) ?? []);
      for (const rows of sources) for (const row of rows) if (isNewerAlertRow(row, this.alertById.get(row.alertId))) this.alertById.set(row.alertId, row);
    }

    if (quality.added.length > 0 || quality.removed.length > 0) {
      changed.add('quality');
      for (const key of quality.removed) this.dqByKey.delete(key);
      for (const { key, rows } of quality.added) {
        this.dqByKey.set(key, rows);
        if (this.followingSince !== undefined) this.arrivals.push({ at: this.now(), orders: ordersChecked(rows), revenueCents: 0 });
      }
      if (quality.removed.length > 0) this.dqByBatch.clear();
      const sources = quality.removed.length > 0 ? [...this.dqByKey.values()] : quality.added.map((a) => a.rows);
      for (const rows of sources) {
        for (const row of rows) {
          let checks = this.dqByBatch.get(row.batchId);
          if (!checks) this.dqByBatch.set(row.batchId, (checks = new Map()));
          checks.set(`${row.check}\u0000${row.field}`, row);
        }
      }
    }

    this.sales.commit(sales);
    this.customers.commit(customers);
    this.alerts.commit(alerts);
    this.quality.commit(quality);
    this.backlog = [sales, customers, alerts, quality].some((c) => c.backlog);
    // Caught up with what the lake held at start: from the next poll on, new parts are arrivals.
    if (this.followingSince === undefined && !this.backlog) this.followingSince = this.now();
    return changed;
  }

  private foldSales(row: SalesByCategoryMinuteRow, sign: 1 | -1): void {
    let minute = this.byMinute.get(row.minute);
    if (!minute) this.byMinute.set(row.minute, (minute = { orders: 0, items: 0, revenueCents: 0 }));
    addSums(minute, row, sign);
    if (sign < 0 && minute.orders === 0 && minute.items === 0 && minute.revenueCents === 0) this.byMinute.delete(row.minute);
    let category = this.byCategory.get(row.category);
    if (!category) this.byCategory.set(row.category, (category = { orders: 0, items: 0, revenueCents: 0 }));
    addSums(category, row, sign);
    if (sign < 0 && category.orders === 0 && category.items === 0 && category.revenueCents === 0) this.byCategory.delete(row.category);
    addSums(this.total, row, sign);
    if (sign > 0 && row.batchId) {
      const latest = this.batchLatestMinute.get(row.batchId);
      if (latest === undefined || row.minute > latest) this.batchLatestMinute.set(row.batchId, row.minute);
    }
  }

  private foldCustomer(row: CustomerTotalsRow, sign: 1 | -1): void {
    this.customerSums.orders += sign * row.orders;
    this.customerSums.items += sign * row.items;
    this.customerSums.spendCents += sign * cents(row.spendUsd);
  }

  /** Keys skipped because they are not readable Parquet, with the reason. */
  unreadableObjects(): { key: string; error: string }[] {
    return [this.sales, this.customers, this.alerts, this.quality].flatMap((t) => [...t.unreadable].map(([key, error]) => ({ key, error })));
  }

  private recomputeBatchMinutes(): void {
    this.batchLatestMinute.clear();
    for (const rows of this.salesByKey.values()) {
      for (const row of rows) {
        const latest = this.batchLatestMinute.get(row.batchId);
        if (latest === undefined || row.minute > latest) this.batchLatestMinute.set(row.batchId, row.minute);
      }
    }
  }

  // ---- views: computed only for the tables that changed (see LiveDashboard) ----

  totalsView(): Totals {
    const known = range(this.byMinute.keys());
    const now = this.now();
    let futureOrders = 0;
    let futureCents = 0;
    for (const [minute, sums] of this.byMinute) {
      if (minute <= now + FUTURE_MARGIN_MS) continue;
      futureOrders += sums.orders;
      futureCents += sums.revenueCents;
    }
    const rate = this.arrivalRate(now);
    return {
      orders: this.customerSums.orders,
      items: this.customerSums.items,
      revenueUsd: this.total.revenueCents / 100,
      customers: this.latestCustomer.size,
      alerts: this.alertById.size,
      batches: this.dqByBatch.size,
      firstMinute: known?.min ?? null,
      lastMinute: known?.max ?? null,
      recentOrdersPerMin: rate ? Math.round(rate.orders * 10) / 10 : null,
      recentRevenuePerMin: rate ? Math.round(rate.cents) / 100 : null,
      rateMinutes: rate ? Math.round(rate.minutes * 10) / 10 : 0,
      futureOrders,
      futureRevenueUsd: futureCents / 100,
    };
  }

  /** Orders and cents per minute that arrived within RATE_WINDOW_MS (or since following began). */
  private arrivalRate(now: number): { orders: number; cents: number; minutes: number } | undefined {
    if (this.followingSince === undefined) return undefined;
    const from = Math.max(now - RATE_WINDOW_MS, this.followingSince);
    this.arrivals = this.arrivals.filter((a) => a.at > now - RATE_WINDOW_MS);
    // Under ten seconds of following, a rate would be a guess from one or two parts.
    const minutes = (now - from) / MINUTE_MS;
    if (minutes < 10 / 60) return undefined;
    let orders = 0;
    let cents = 0;
    for (const a of this.arrivals) {
      if (a.at <= from) continue;
      orders += a.orders;
      cents += a.revenueCents;
    }
    return { orders: orders / minutes, cents: cents / minutes, minutes };
  }

  seriesView(): SeriesView {
    const now = this.now();
    const nowMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    let firstPast = Infinity;
    let newestPast = -Infinity;
    for (const minute of this.byMinute.keys()) {
      if (minute > nowMinute) continue;
      firstPast = Math.min(firstPast, minute);
      newestPast = Math.max(newestPast, minute);
    }
    const anyPast = firstPast <= nowMinute;
    const ranges = {} as Record<SeriesRange, Series>;
    for (const name of Object.keys(SERIES_RANGES) as SeriesRange[]) {
      const span = SERIES_RANGES[name];
      const from = Number.isFinite(span) ? nowMinute - span + MINUTE_MS : anyPast ? firstPast : nowMinute;
      ranges[name] = this.bucketed(name, from, nowMinute);
    }
    return { nowMinute, auto: autoRange(anyPast ? nowMinute - firstPast : 0, anyPast ? nowMinute - newestPast : Infinity), anyPast, ranges };
  }

  /** Sums per bucket from `from` to `to` (minute starts, inclusive); empty when the range holds no order. */
  private bucketed(range: SeriesRange, from: number, to: number): Series {
    const bucketMs = BUCKETS_MS.find((b) => (to - from) / b < MAX_POINTS) ?? BUCKETS_MS.at(-1)!;
    const first = Math.floor(from / bucketMs) * bucketMs;
    const count = Math.floor(to / bucketMs) - Math.floor(from / bucketMs) + 1;
    const series: Series = { range, bucketMs, minutes: [], orders: [], revenueUsd: [] };
    const orders = new Array<number>(count).fill(0);
    const cents = new Array<number>(count).fill(0);
    let any = false;
    for (const [minute, sums] of this.byMinute) {
      if (minute < from || minute > to) continue;
      const i = Math.floor((minute - first) / bucketMs);
      orders[i]! += sums.orders;
      cents[i]! += sums.revenueCents;
      any = true;
    }
    if (!any) return series;
    for (let i = 0; i < count; i++) {
      series.minutes.push(first + i * bucketMs);
      series.orders.push(orders[i]!);
      series.revenueUsd.push(cents[i]! / 100);
    }
    return series;
  }

  categoriesView(): CategoryView[] {
    const all = this.total.revenueCents;
    return [...this.byCategory.entries()]
      .map(([category, s]) => ({ category, orders: s.orders, items: s.items, revenueUsd: s.revenueCents / 100, share: all > 0 ? s.revenueCents / all : 0 }))
      .sort((a, b) => b.revenueUsd - a.revenueUsd || a.category.localeCompare(b.category));
  }

  customersView(): { count: number; top: CustomerView[] } {
    // A bounded insertion into a short sorted list: no full sort of a large customer map.
    const top: CustomerTotalsRow[] = [];
    const before = (a: CustomerTotalsRow, b: CustomerTotalsRow): boolean => a.spendUsd > b.spendUsd || (a.spendUsd === b.spendUsd && a.customerId < b.customerId);
    let count = 0;
    for (const row of this.latestCustomer.values()) {
      if (this.sinceMs !== undefined && row.lastOrderTs < this.sinceMs) continue;
      count++;
      if (top.length === TOP_CUSTOMERS && !before(row, top[top.length - 1]!)) continue;
      let i = top.length;
      while (i > 0 && before(row, top[i - 1]!)) i--;
      top.splice(i, 0, row);
      if (top.length > TOP_CUSTOMERS) top.pop();
    }
    return {
      count,
      top: top.map((r) => ({ customerId: r.customerId, segment: r.segment, orders: r.orders, items: r.items, spendUsd: r.spendUsd, lastOrderTs: r.lastOrderTs })),
    };
  }

  alertsView(): { count: number; rows: AlertView[] } {
    const rows = [...this.alertById.values()]
      .sort((a, b) => b.windowEnd - a.windowEnd || b.score - a.score || a.alertId.localeCompare(b.alertId))
      .slice(0, LISTED_ALERTS)
      .map((a) => ({
        alertId: a.alertId,
        customerId: a.customerId,
        rules: a.ruleId.split(',').map((r) => r.trim()).filter(Boolean),
        severity: a.severity,
        score: a.score,
        windowStart: a.windowStart,
        windowEnd: a.windowEnd,
        orderCount: a.orderIds.split(',').filter((id) => id.trim() !== '').length,
        batchId: a.batchId,
        batchUrl: this.batchUrl(a.batchId),
      }));
    return { count: this.alertById.size, rows };
  }

  qualityView(): { batches: number; breachedBatches: number; rows: QualityView[] } {
    const all: QualityView[] = [];
    let breachedBatches = 0;
    for (const [batchId, checks] of this.dqByBatch) {
      // A batch's time is that of its orders, known from its sales rows, which the window filtered.
      if (this.sinceMs !== undefined && !this.batchLatestMinute.has(batchId)) continue;
      const rows = [...checks.values()];
      const breached = rows
        .filter((r) => r.breached)
        .map((r) => ({ check: r.check, field: r.field, count: r.count, total: r.total, rate: r.rate, maxRate: Number.isFinite(r.maxRate) ? r.maxRate : null }));
      if (breached.length > 0) breachedBatches++;
      all.push({
        batchId,
        batchUrl: this.batchUrl(batchId),
        latestMinute: this.batchLatestMinute.get(batchId) ?? null,
        rows: range(rows.map((r) => r.total))?.max ?? 0,
        checks: rows.length,
        issues: rows.reduce((sum, r) => sum + r.count, 0),
        breached,
      });
    }
    all.sort((a, b) => {
      if (a.latestMinute !== b.latestMinute) return (b.latestMinute ?? -Infinity) - (a.latestMinute ?? -Infinity);
      const x = batchOrder(a.batchId);
      const y = batchOrder(b.batchId);
      return y.start - x.start || x.partition - y.partition || a.batchId.localeCompare(b.batchId);
    });
    return { batches: all.length, breachedBatches, rows: all.slice(0, LISTED_BATCHES) };
  }
}
