// Rows of the gold tables as the reader gets them from Parquet (numbers, bigints or Dates) made
// into typed rows, and the small sums the reader folds them into. Pure.
import type { CustomerTotalsRow, DqMetricRow, FraudAlertRow, SalesByCategoryMinuteRow } from '../domain/rows.ts';
import { FUTURE_MARGIN_MS } from './gold-views.ts';

export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}
export const str = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
export const bool = (value: unknown): boolean => value === true || value === 1 || value === 'true';
export const cents = (usd: number): number => Math.round(usd * 100);

/** Smallest and largest of many numbers (spreading a large map into Math.max overflows the stack). */
/** The revenue of one sales part, in cents, without minutes dated past the future margin. */
export function revenueOf(rows: SalesByCategoryMinuteRow[], at: number): number {
  let total = 0;
  for (const row of rows) if (row.minute <= at + FUTURE_MARGIN_MS) total += cents(row.revenueUsd);
  return total;
}

/**
 * Distinct orders of the batches in one quality part: the orders a per-order check looked at
 * (`missing` on `city`: every silver order of the batch), less those the `future` check flagged.
 */
export function ordersChecked(rows: DqMetricRow[]): number {
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


export function range(values: Iterable<number>): { min: number; max: number } | undefined {
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
export const isNewerAlertRow = (row: FraudAlertRow, than: FraudAlertRow | undefined): boolean =>
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
export function batchOrder(batchId: string): { partition: number; start: number } {
  const m = /-(\d+)-(\d+)$/.exec(batchId);
  return m ? { partition: Number(m[1]), start: Number(m[2]) } : { partition: Number.MAX_SAFE_INTEGER, start: -1 };
}

export interface Sums {
  orders: number;
  items: number;
  revenueCents: number;
}
export const addSums = (into: Sums, row: SalesByCategoryMinuteRow, sign: 1 | -1): void => {
  into.orders += sign * row.orders;
  into.items += sign * row.items;
  into.revenueCents += sign * cents(row.revenueUsd);
};
