// Row shapes of the lake tables (docs/contract.md §2). Column names are the contract: add, never rename.
// Timestamps are ms since the epoch (written as UTC TIMESTAMP), money is USD rounded to cents.

export interface BronzeRow {
  orderId: string;
  customerId: string;
  orderTs: number;
  orderDate: string;
  schemaVersion: number;
  partition: number;
  offset: number;
  kafkaTs: number;
  /** The upcast event as JSON. */
  payload: string;
  /** True when this order id was already seen (same batch or the partition's recent window). */
  duplicate: boolean;
}

export interface SilverOrderRow {
  orderId: string;
  customerId: string;
  orderTs: number;
  orderDate: string;
  totalAmount: number;
  totalAmountUsd: number;
  paymentMethod: string;
  paymentStatus: string;
  orderStatus: string;
  message: string;
  shippingStreet: string;
  city: string;
  country: string;
  lat: number | null;
  lon: number | null;
  itemCount: number;
  schemaVersion: number;
  partition: number;
  offset: number;
  kafkaTs: number;
  customerName: string;
  customerSegment: string;
  customerAgeBand: string;
  homeCity: string;
  homeCountry: string;
  /** Great-circle km from the customer's home to the shipping city; null when either is unknown. */
  distanceFromHomeKm: number | null;
  shipsToHome: boolean;
}

export interface SilverItemRow {
  orderId: string;
  customerId: string;
  orderTs: number;
  orderDate: string;
  productId: string;
  productName: string;
  category: string;
  quantity: number;
  unitPriceUsd: number;
  lineAmountUsd: number;
}

export interface QuarantineRow {
  partition: number;
  offset: number;
  kafkaTs: number;
  reason: string;
  raw: string;
}

export interface CustomerTotalsRow {
  customerId: string;
  orders: number;
  items: number;
  spendUsd: number;
  firstOrderTs: number;
  lastOrderTs: number;
  segment: string;
  /** Partition and end offset of the batch that wrote this snapshot (latest state = highest asOfOffset). */
  partition: number;
  asOfOffset: number;
}

export interface SalesByCategoryMinuteRow {
  minute: number;
  category: string;
  orders: number;
  items: number;
  revenueUsd: number;
  /** Which batch contributed these figures: rows from different batches add up. */
  batchId: string;
}

export interface FraudAlertRow {
  alertId: string;
  customerId: string;
  /** Comma-separated rule ids. */
  ruleId: string;
  severity: string;
  windowStart: number;
  windowEnd: number;
  /** Comma-separated order ids. */
  orderIds: string;
  score: number;
  /** JSON object: per rule, the figures that triggered it. */
  evidence: string;
  /** The batch that wrote this version of the alert. */
  batchId: string;
  /** Event time of the alert's first hit (with the customer, its identity); null in rows written before alerts spanned batches. */
  openedAt: number | null;
  /** JSON array of the mails this batch decided for the alert (mailId, n, severity, rules, orderIds, window, escalatedFrom); null in old rows. */
  mails: string | null;
  /** The offset after the batch: an alert's latest version is its row with the highest asOfOffset; null in old rows. */
  asOfOffset: number | null;
}

// The data-quality row is part of the batch contract too (the quality-alerts workflow's signal carries it).
export type { DqMetricRow } from '../contract/quality.ts';

/** Per-partition running totals per category after a batch (latest state = highest asOfOffset per partition). */
export interface CategoryTotalsRow {
  category: string;
  orders: number;
  items: number;
  revenueUsd: number;
  partition: number;
  asOfOffset: number;
}

// The shop's original reports, as per-batch contributions: rows of different batches add up with SUM.

/** gold/city_orders: orders and USD revenue shipped to a city in one batch ("Unknown" when unresolved). */
export interface CityOrdersRow {
  city: string;
  country: string;
  orders: number;
  revenueUsd: number;
  batchId: string;
}

/** gold/country_revenue: orders and USD revenue shipped to a country in one batch. */
export interface CountryRevenueRow {
  country: string;
  orders: number;
  revenueUsd: number;
  batchId: string;
}

/** gold/payment_method_daily: orders and USD revenue per payment method and order date in one batch. */
export interface PaymentMethodDailyRow {
  orderDate: string;
  paymentMethod: string;
  orders: number;
  revenueUsd: number;
  batchId: string;
}

/** gold/high_value_orders_daily: orders above `thresholdUsd` per order date in one batch. */
export interface HighValueOrdersDailyRow {
  orderDate: string;
  highValueOrders: number;
  highValueRevenueUsd: number;
  /** All orders of that date in the batch, for the share. */
  orders: number;
  thresholdUsd: number;
  batchId: string;
}
