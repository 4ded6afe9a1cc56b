// Follows the gold tables of the lake and keeps the dashboard's aggregates up to date.
// Gold objects are immutable (every key is derived from its batch and always holds the same
// bytes), so each poll reads the tables' current Delta snapshots, fetches only keys it has not seen, and folds
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
import { TableFollower, type GoldLake, type ParquetRows, type TableChanges } from './table-follower.ts';
import { BoundedMap, rowCount } from './bounded-map.ts';
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
  /**
   * Rows kept per table (sales, alerts, quality), and minutes kept for the chart: beyond it the
   * oldest parts' rows are dropped, their contribution stays in the totals (DASHBOARD_MAX_ROWS).
   * Unset: everything (`orders report`, one pass).
   */
  maxRows?: number;
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
  private readonly salesByKey: BoundedMap<string, SalesByCategoryMinuteRow[]>;
  private readonly byMinute = new Map<number, Sums>();
  private readonly byCategory = new Map<string, Sums>();
  private readonly total: Sums = { orders: 0, items: 0, revenueCents: 0 };
  private readonly batchLatestMinute = new Map<string, number>();

  // Customer snapshots can be large (one row per customer per batch), so only the latest row per
  // customer is kept; a removed key makes the table reload.
  private readonly latestCustomer = new Map<string, CustomerTotalsRow>();
  /** Sums over latestCustomer: every order counted once (a customer's orders live in one partition). */
  private readonly customerSums = { orders: 0, items: 0, spendCents: 0 };

  private readonly alertsByKey: BoundedMap<string, FraudAlertRow[]>;
  private readonly alertById = new Map<string, FraudAlertRow>();

  private readonly dqByKey: BoundedMap<string, DqMetricRow[]>;
  private readonly dqByBatch = new Map<string, Map<string, DqMetricRow>>();

  // What the row budget dropped (src/dashboard/bounded-map.ts): still counted in the totals.
  private readonly maxRows: number;
  private readonly dropped = { alerts: 0, batches: 0, breachedBatches: 0, minutes: 0 };

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
    this.maxRows = options.maxRows ?? Infinity;
    this.salesByKey = new BoundedMap<string, SalesByCategoryMinuteRow[]>(this.maxRows, rowCount, (_key, rows) => {
      for (const row of rows) this.batchLatestMinute.delete(row.batchId);
    });
    this.alertsByKey = new BoundedMap<string, FraudAlertRow[]>(this.maxRows, rowCount, (_key, rows) => {
      for (const row of rows) {
        if (this.alertById.get(row.alertId) !== row) continue;
        this.alertById.delete(row.alertId);
        this.dropped.alerts++;
      }
    });
    this.dqByKey = new BoundedMap<string, DqMetricRow[]>(this.maxRows, rowCount, (_key, rows) => {
      for (const batchId of new Set(rows.map((row) => row.batchId))) {
        const checks = this.dqByBatch.get(batchId);
        if (!checks) continue;
        this.dqByBatch.delete(batchId);
        this.dropped.batches++;
        if ([...checks.values()].some((row) => row.breached)) this.dropped.breachedBatches++;
      }
    });
  }

  /**
   * A key vanished from a table some of whose rows were dropped for the budget: what to subtract
   * is no longer known, so the table is read again (rare: someone cleaned the lake).
   */
  private async rereadAfterDrop<Row>(
    changes: TableChanges<Row>,
    follower: TableFollower<Row>,
    droppedAny: boolean,
    forget: () => void,
  ): Promise<TableChanges<Row>> {
    if (changes.removed.length === 0 || !droppedAny) return changes;
    follower.reset();
    forget();
    // The removed keys stay listed so that the table counts as changed (an emptied table too).
    return { ...(await follower.sync()), removed: changes.removed };
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
    const [listedSales, listedCustomers, listedAlerts, listedQuality] = await Promise.all([this.sales.sync(), this.customers.sync(), this.alerts.sync(), this.quality.sync()]);
    let customers = listedCustomers;
    if (customers.removed.length > 0) {
      // Only the latest row per customer is kept, so a vanished snapshot means reading them all again.
      this.customers.reset();
      this.latestCustomer.clear();
      Object.assign(this.customerSums, { orders: 0, items: 0, spendCents: 0 });
      customers = { ...(await this.customers.sync()), removed: customers.removed };
    }
    const sales = await this.rereadAfterDrop(listedSales, this.sales, this.salesByKey.evicted > 0 || this.dropped.minutes > 0, () => {
      this.salesByKey.clear();
      this.byMinute.clear();
      this.byCategory.clear();
      this.batchLatestMinute.clear();
      Object.assign(this.total, { orders: 0, items: 0, revenueCents: 0 });
      this.dropped.minutes = 0;
    });
    const alerts = await this.rereadAfterDrop(listedAlerts, this.alerts, this.alertsByKey.evicted > 0, () => {
      this.alertsByKey.clear();
      this.alertById.clear();
      this.dropped.alerts = 0;
    });
    const quality = await this.rereadAfterDrop(listedQuality, this.quality, this.dqByKey.evicted > 0, () => {
      this.dqByKey.clear();
      this.dqByBatch.clear();
      Object.assign(this.dropped, { batches: 0, breachedBatches: 0 });
    });
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
      this.dropOldMinutes();
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
      const foldAlerts = (rows: FraudAlertRow[]): void => {
        for (const row of rows) if (isNewerAlertRow(row, this.alertById.get(row.alertId))) this.alertById.set(row.alertId, row);
      };
      for (const key of alerts.removed) this.alertsByKey.delete(key);
      if (alerts.removed.length > 0) {
        this.alertById.clear();
        for (const rows of this.alertsByKey.values()) foldAlerts(rows);
      }
      // Folded before it is held: holding it may drop the oldest parts, whose alerts are then counted as dropped.
      for (const { key, rows } of alerts.added) {
        const kept = rows.filter((row) => this.sinceMs === undefined || row.windowEnd >= this.sinceMs);
        foldAlerts(kept);
        this.alertsByKey.set(key, kept);
      }
    }

    if (quality.added.length > 0 || quality.removed.length > 0) {
      changed.add('quality');
      const foldChecks = (rows: DqMetricRow[]): void => {
        for (const row of rows) {
          let checks = this.dqByBatch.get(row.batchId);
          if (!checks) this.dqByBatch.set(row.batchId, (checks = new Map()));
          checks.set(`${row.check}\u0000${row.field}`, row);
        }
      };
      for (const key of quality.removed) this.dqByKey.delete(key);
      if (quality.removed.length > 0) {
        this.dqByBatch.clear();
        for (const rows of this.dqByKey.values()) foldChecks(rows);
      }
      // Folded before it is held, as the alerts above.
      for (const { key, rows } of quality.added) {
        foldChecks(rows);
        this.dqByKey.set(key, rows);
        if (this.followingSince !== undefined) this.arrivals.push({ at: this.now(), orders: ordersChecked(rows), revenueCents: 0 });
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

  /** The chart keeps at most maxRows minutes: beyond it the oldest tenth goes (their sums stay in the totals). */
  private dropOldMinutes(): void {
    if (this.byMinute.size <= this.maxRows) return;
    const minutes = [...this.byMinute.keys()].sort((a, b) => a - b);
    const drop = minutes.length - Math.floor(this.maxRows * 0.9);
    for (const minute of minutes.slice(0, drop)) this.byMinute.delete(minute);
    this.dropped.minutes += drop;
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
      alerts: this.alertById.size + this.dropped.alerts,
      batches: this.dqByBatch.size + this.dropped.batches,
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
    return { count: this.alertById.size + this.dropped.alerts, rows };
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
    return { batches: all.length + this.dropped.batches, breachedBatches: breachedBatches + this.dropped.breachedBatches, rows: all.slice(0, LISTED_BATCHES) };
  }
}
