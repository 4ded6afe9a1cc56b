// Shapes shared by the simulator's generator, its Kafka shell, the CLI and the tests.

export const FRAUD_TYPES = ['velocity', 'high-value', 'value-spike', 'quantity-outlier', 'foreign-shipping', 'payment-hopping', 'impossible-travel'] as const;
export const DEFECT_TYPES = ['missing-field', 'wrong-type', 'malformed-json', 'duplicate-order', 'negative-amount', 'empty-items', 'unknown-product', 'future-date', 'unknown-version'] as const;
export const ANOMALY_TYPES = [...FRAUD_TYPES, ...DEFECT_TYPES] as const;

export type FraudType = (typeof FRAUD_TYPES)[number];
export type DefectType = (typeof DEFECT_TYPES)[number];
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

/** Defects whose event is still valid under docs/contract.md §1 (the data-quality checks count them). */
export const VALID_DEFECTS: ReadonlySet<DefectType> = new Set(['duplicate-order', 'unknown-product', 'future-date']);

export const isFraudType = (t: string): t is FraudType => (FRAUD_TYPES as readonly string[]).includes(t);
export const isDefectType = (t: string): t is DefectType => (DEFECT_TYPES as readonly string[]).includes(t);

export interface TruthItem {
  productId: string;
  quantity: number;
  /** Catalog unit price; null for a product that is not in the catalog (unknown-product). */
  unitPriceUsd: number | null;
  lineUsd: number | null;
  category: string | null;
}

/** One line of the truth file per message sent (docs/truth-file.md). */
export interface TruthRecord {
  /** 0-based position in the send order. */
  seq: number;
  key: string;
  /** Version the event was written as (9 for unknown-version). */
  version: number;
  headerSent: boolean;
  /** Version the registry reports for it: the header's, or the shape's when there is no header. */
  schemaVersion: number | null;
  orderId: string;
  valid: boolean;
  defect: DefectType | null;
  /** Fraud labels: the rules the order is meant to trigger (two for a fraud with two signals), sorted in rule order. */
  fraud: FraudType[];
  /** For a normal order that looks unusual for an honest reason (`gift-abroad`, `office`, `big-spender`); null otherwise. */
  benign: string | null;
  /** Groups the orders of one fraud instance, e.g. "velocity-12"; null for normal orders. */
  patternId: string | null;
  customerId: string;
  /** Event time in ms since the epoch, as the pipeline reads it (v1/v2: whole seconds). */
  orderTs: number;
  /** UTC date of orderTs. */
  orderDate: string;
  paymentMethod: string;
  paymentStatus: string;
  orderStatus: string;
  /** As sent: USD, or the coin for crypto methods. */
  totalAmount: number;
  /** totalAmount × the rate of orderDate, rounded to cents (what silver's totalAmountUsd should hold). */
  usdTotal: number;
  items: TruthItem[];
  shipCity: string | null;
  shipCountry: string | null;
  /** Great-circle km from the customer's home to the shipping city; null when the address has no city. */
  shipKm: number | null;
  /** For duplicate-order: seq of the message this one repeats. */
  duplicateOf: number | null;
}

export interface SimMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
  truth: TruthRecord;
}
