// `orders report` figures, taken from the dashboard's gold reader (one reader of gold, two views):
// pure, given a reader that has read the lake.
import type { GoldReader } from '../dashboard/gold-reader.ts';
import type { AlertView, CategoryView, CustomerView } from '../dashboard/gold-views.ts';

export const REPORT_TOP_CATEGORIES = 5;
export const REPORT_TOP_CUSTOMERS = 10;
export const REPORT_NEWEST_ALERTS = 10;

export interface QualityBreach {
  batchId: string;
  check: string;
  field: string;
  count: number;
  total: number;
  rate: number;
}

export interface OrdersReport {
  /** Start of the window (ISO), or null for everything in the lake. */
  since: string | null;
  /**
   * Distinct orders, all time (gold/customer_totals). Gold has no per-minute count of distinct
   * orders (an order with lines in two categories is in two sales rows), so no window applies.
   */
  ordersAllTime: number;
  /** Line revenue and items in the window (gold/sales_by_category_minute), US dollars. */
  revenueUsd: number;
  items: number;
  /** First and last order minute in the window (ISO), null when it has no sales. */
  firstMinute: string | null;
  lastMinute: string | null;
  categories: CategoryView[];
  /** Customers who ordered in the window, with their lifetime totals, by spend. */
  customers: { count: number; top: CustomerView[] };
  /** Fraud alerts whose window ends in the report's window, newest first. */
  alerts: { count: number; newest: AlertView[] };
  /** Data-quality checks of the batches with orders in the window; breaches of the newest batches (the dashboard's list). */
  quality: { batches: number; breachedBatches: number; breaches: QualityBreach[] };
  /** Lake objects that could not be read and were left out. */
  unreadable: { key: string; error: string }[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function buildReport(reader: GoldReader, sinceMs: number | undefined): OrdersReport {
  const totals = reader.totalsView();
  const customers = reader.customersView();
  const alerts = reader.alertsView();
  const quality = reader.qualityView();
  return {
    since: sinceMs === undefined ? null : new Date(sinceMs).toISOString(),
    ordersAllTime: totals.orders,
    revenueUsd: totals.revenueUsd,
    items: reader.categoriesView().reduce((sum, c) => sum + c.items, 0),
    firstMinute: iso(totals.firstMinute),
    lastMinute: iso(totals.lastMinute),
    categories: reader.categoriesView().slice(0, REPORT_TOP_CATEGORIES),
    customers: { count: customers.count, top: customers.top.slice(0, REPORT_TOP_CUSTOMERS) },
    alerts: { count: alerts.count, newest: alerts.rows.slice(0, REPORT_NEWEST_ALERTS) },
    quality: {
      batches: quality.batches,
      breachedBatches: quality.breachedBatches,
      breaches: quality.rows.flatMap((batch) => batch.breached.map((b) => ({ batchId: batch.batchId, check: b.check, field: b.field, count: b.count, total: b.total, rate: b.rate }))),
    },
    unreadable: reader.unreadableObjects(),
  };
}
