// Gold aggregates of one batch. Two kinds of rows:
//   - snapshots (customer_totals, category_totals): cumulative state of the partition after the
//     batch, for what the batch touched; the latest snapshot per key is the current value.
//   - contributions (sales_by_category_minute and the shop's reports): this batch's figures only,
//     tagged with the batch id; rows of different batches add up with SUM (a minute or a city
//     can receive orders from many batches and partitions).
// Both are pure functions of (state before the batch, the batch's silver rows), so a re-run
// batch rewrites the same rows under the same keys.
import type {
  CategoryTotalsRow,
  CityOrdersRow,
  CountryRevenueRow,
  CustomerTotalsRow,
  HighValueOrdersDailyRow,
  PaymentMethodDailyRow,
  SalesByCategoryMinuteRow,
  SilverItemRow,
  SilverOrderRow,
} from './rows.ts';
import { finite } from './finite.ts';
import { addCents } from './money.ts';
import { stepPartition, type StepOutput } from './partition-walk.ts';
import type { PartitionState } from './state.ts';

export const SEGMENTS = ['VIP', 'Regular', 'Normal'] as const;
export type CustomerSegment = (typeof SEGMENTS)[number];

/** Lifetime spend (USD) from which a customer is VIP or Regular; below both, Normal. */
export interface SegmentThresholds {
  vipMinSpendUsd: number;
  regularMinSpendUsd: number;
}

export const DEFAULT_SEGMENT_THRESHOLDS: Readonly<SegmentThresholds> = Object.freeze({ vipMinSpendUsd: 10_000, regularMinSpendUsd: 1_000 });

/** The shop's original "high-value order" report threshold (the same figure as the high-value rule). */
export const DEFAULT_HIGH_VALUE_USD = 4000;

export function segmentOf(spendUsd: number, thresholds: SegmentThresholds = DEFAULT_SEGMENT_THRESHOLDS): CustomerSegment {
  if (spendUsd >= thresholds.vipMinSpendUsd) return 'VIP';
  if (spendUsd >= thresholds.regularMinSpendUsd) return 'Regular';
  return 'Normal';
}

/** Where a snapshot stands: the batch's partition and end offset (latest state = highest asOfOffset). */
export interface SnapshotAt {
  partition: number;
  endOffset: number;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Totals walk without fraud rules: only running totals move. */
const totalsStep = (prev: PartitionState, orders: readonly SilverOrderRow[], items: readonly SilverItemRow[]): StepOutput => stepPartition(prev, orders, items, []);

function customerRows(step: StepOutput, thresholds: SegmentThresholds, at: SnapshotAt): CustomerTotalsRow[] {
  return step.touchedCustomers.map((customerId) => {
    const c = step.state.customers.get(customerId)!;
    return {
      customerId,
      orders: c.orders,
      items: finite(c.items, 'customer_totals.items', { partition: at.partition, endOffset: at.endOffset }),
      spendUsd: finite(c.spendUsd, 'customer_totals.spendUsd', { partition: at.partition, endOffset: at.endOffset }),
      firstOrderTs: c.firstOrderTs,
      lastOrderTs: c.lastOrderTs,
      segment: segmentOf(c.spendUsd, thresholds),
      partition: at.partition,
      asOfOffset: at.endOffset,
    };
  });
}

function categoryRows(step: StepOutput, at: SnapshotAt): CategoryTotalsRow[] {
  return step.touchedCategories.map((category) => {
    const c = step.state.categories.get(category)!;
    return {
      category,
      orders: c.orders,
      items: finite(c.items, 'category_totals.items', { partition: at.partition, endOffset: at.endOffset }),
      revenueUsd: finite(c.revenueUsd, 'category_totals.revenueUsd', { partition: at.partition, endOffset: at.endOffset }),
      partition: at.partition,
      asOfOffset: at.endOffset,
    };
  });
}

/** One row per customer with an order in the batch: their lifetime totals after it, and their segment. */
export function customerTotalsSnapshot(
  prev: PartitionState,
  orders: readonly SilverOrderRow[],
  items: readonly SilverItemRow[],
  thresholds: SegmentThresholds,
  at: SnapshotAt,
): CustomerTotalsRow[] {
  return customerRows(totalsStep(prev, orders, items), thresholds, at);
}

/** One row per category with a line in the batch: the partition's running totals after it. */
export function categoryTotalsSnapshot(prev: PartitionState, orders: readonly SilverOrderRow[], items: readonly SilverItemRow[], at: SnapshotAt): CategoryTotalsRow[] {
  return categoryRows(totalsStep(prev, orders, items), at);
}

/** This batch's sales per UTC minute (ms since the epoch, floored) and category. */
export function salesByCategoryMinute(items: readonly SilverItemRow[], batchId: string): SalesByCategoryMinuteRow[] {
  const groups = new Map<string, SalesByCategoryMinuteRow & { orderIds: Set<string> }>();
  for (const item of items) {
    const minute = Math.floor(item.orderTs / 60_000) * 60_000;
    const key = `${minute}|${item.category}`;
    let row = groups.get(key);
    if (!row) groups.set(key, (row = { minute, category: item.category, orders: 0, items: 0, revenueUsd: 0, batchId, orderIds: new Set() }));
    row.orderIds.add(item.orderId);
    row.items += item.quantity;
    row.revenueUsd = finite(addCents(row.revenueUsd, item.lineAmountUsd), 'sales_by_category_minute.revenueUsd', { batchId });
    finite(row.items, 'sales_by_category_minute.items', { batchId });
  }
  return [...groups.values()]
    .map(({ orderIds, ...row }) => ({ ...row, orders: orderIds.size }))
    .sort((a, b) => a.minute - b.minute || compareText(a.category, b.category));
}

export interface ShopReports {
  cityOrders: CityOrdersRow[];
  countryRevenue: CountryRevenueRow[];
  paymentMethodDaily: PaymentMethodDailyRow[];
  highValueDaily: HighValueOrdersDailyRow[];
}

/** The shop's original reports as this batch's contributions (revenue = orders' totalAmountUsd). */
export function shopReports(orders: readonly SilverOrderRow[], batchId: string, options: { highValueUsd?: number } = {}): ShopReports {
  const thresholdUsd = options.highValueUsd ?? DEFAULT_HIGH_VALUE_USD;
  const sum = <K>(map: Map<string, K & { orders: number; revenueUsd: number }>, key: string, init: () => K & { orders: number; revenueUsd: number }, usd: number) => {
    let row = map.get(key);
    if (!row) map.set(key, (row = init()));
    row.orders += 1;
    row.revenueUsd = finite(addCents(row.revenueUsd, usd), 'report revenueUsd', { batchId });
    return row;
  };
  const cities = new Map<string, CityOrdersRow>();
  const countries = new Map<string, CountryRevenueRow>();
  const methods = new Map<string, PaymentMethodDailyRow>();
  const days = new Map<string, HighValueOrdersDailyRow>();
  for (const o of orders) {
    sum(cities, `${o.city}|${o.country}`, () => ({ city: o.city, country: o.country, orders: 0, revenueUsd: 0, batchId }), o.totalAmountUsd);
    sum(countries, o.country, () => ({ country: o.country, orders: 0, revenueUsd: 0, batchId }), o.totalAmountUsd);
    sum(methods, `${o.orderDate}|${o.paymentMethod}`, () => ({ orderDate: o.orderDate, paymentMethod: o.paymentMethod, orders: 0, revenueUsd: 0, batchId }), o.totalAmountUsd);
    let day = days.get(o.orderDate);
    if (!day) days.set(o.orderDate, (day = { orderDate: o.orderDate, highValueOrders: 0, highValueRevenueUsd: 0, orders: 0, thresholdUsd, batchId }));
    day.orders += 1;
    if (o.totalAmountUsd > thresholdUsd) {
      day.highValueOrders += 1;
      day.highValueRevenueUsd = finite(addCents(day.highValueRevenueUsd, o.totalAmountUsd), 'high_value_orders_daily.highValueRevenueUsd', { batchId });
    }
  }
  return {
    cityOrders: [...cities.values()].sort((a, b) => compareText(a.country, b.country) || compareText(a.city, b.city)),
    countryRevenue: [...countries.values()].sort((a, b) => compareText(a.country, b.country)),
    paymentMethodDaily: [...methods.values()].sort((a, b) => compareText(a.orderDate, b.orderDate) || compareText(a.paymentMethod, b.paymentMethod)),
    highValueDaily: [...days.values()].sort((a, b) => compareText(a.orderDate, b.orderDate)),
  };
}

export interface GoldRows extends ShopReports {
  customerTotals: CustomerTotalsRow[];
  categoryTotals: CategoryTotalsRow[];
  salesByCategoryMinute: SalesByCategoryMinuteRow[];
}

export interface GoldOptions extends SnapshotAt {
  batchId: string;
  /** The batch's walk, when the caller already made it (with any rules: the totals do not depend on them). */
  step?: StepOutput;
  segmentThresholds?: SegmentThresholds;
  highValueUsd?: number;
}

/** Every gold row of the batch from one walk of the state (what the aggregate activity writes). */
export function goldRows(prev: PartitionState, orders: readonly SilverOrderRow[], items: readonly SilverItemRow[], options: GoldOptions): GoldRows {
  const step = options.step ?? totalsStep(prev, orders, items);
  return {
    customerTotals: customerRows(step, options.segmentThresholds ?? DEFAULT_SEGMENT_THRESHOLDS, options),
    categoryTotals: categoryRows(step, options),
    salesByCategoryMinute: salesByCategoryMinute(items, options.batchId),
    ...shopReports(orders, options.batchId, { highValueUsd: options.highValueUsd }),
  };
}
