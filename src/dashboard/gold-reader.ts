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
import { tablePrefix } from '../lake/keys.ts';
import { workflowRunUrl } from '../contract/web-ui.ts';
import { addSums, batchOrder, cents, isNewerAlertRow, ordersChecked, range, revenueOf, toAlertRow, toCustomerRow, toDqRow, toSalesRow, type Sums } from './gold-rows.ts';
import { TableFollower, type GoldLake, type ParquetRows } from './table-follower.ts';
import {
  autoRange,
  BUCKETS_MS,
  FUTURE_MARGIN_MS,
  LISTED_ALERTS,
  LISTED_BATCHES,
  MAX_POINTS,
  MINUTE_MS,
  RATE_WINDOW_MS,
  SERIES_RANGES,
  TOP_CUSTOMERS,
  type AlertView,
  type CategoryView,
  type CustomerView,
  type QualityView,
  type Series,
  type SeriesRange,
  type SeriesView,
  type Totals,
} from './gold-views.ts';

/** The gold tables the page reads, by the name the dashboard uses for them. */
export const GOLD_TABLES = {
  sales: tablePrefix('salesByCategoryMinute'),
  customers: tablePrefix('customerTotals'),
  alerts: tablePrefix('fraudAlerts'),
  quality: tablePrefix('dqMetrics'),
} as const;
export type GoldTableName = keyof typeof GOLD_TABLES;
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
