// The generator's settings and the shapes it plans with: defaults, the thresholds and margins that
// keep the truth file crisp (docs/truth-file.md explains each), the options and statistics types,
// and the small helpers of the wire format. No I/O, no state.
import type { PaymentMethod } from '../domain/order.ts';
import type { City } from '../reference/gazetteer.ts';
import type { AnomalyType, DefectType, FraudType } from './types.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const DEFAULT_START = '2026-11-24T00:00:00Z';
export const DEFAULT_VERSION_MIX: Readonly<Record<1 | 2 | 3, number>> = { 1: 0.1, 2: 0.3, 3: 0.6 };
export const DEFAULT_HEADERLESS_SHARE = 0.05;
export const DEFAULT_ANOMALY_RATE = 0.02;
/** Default event-time arrival rate per customer and hour (0.6 × customers orders per simulated hour). */
export const DEFAULT_ORDERS_PER_CUSTOMER_HOUR = 0.6;

/** A normal customer orders at most once per 15 minutes: ≤ 5 orders in any hour, never > 6 (velocity). */
export const NORMAL_MIN_SPACING_MS = 15 * MINUTE_MS;
/** A fraud pattern's customer has no other order within 65 minutes before or after it. */
export const PATTERN_QUIET_MS = 65 * MINUTE_MS;
/**
 * Normal order totals stay within these multiples of the customer's budget, so no normal order is
 * even 5× another (the value-spike rule's factor is 5 in config/fraud-rules.json, 8 in the brief).
 */
export const NORMAL_BAND = { min: 0.7, max: 1.5 } as const;
/** High-value orders go to customers whose usual is high enough that 4,800 USD is < 5× any normal order. */
export const HIGH_VALUE_USD = { threshold: 4000, min: 4050, max: 4800, minBudget: 1500 } as const;
/** The high-value pattern is also a value spike: at least this many times the customer's mean (config/fraud-rules.json flags from 5 ×, the brief from 8 ×), after this many orders (the rule needs 3). */
export const HIGH_VALUE_SPIKE_TIMES = 8.5;
export const HIGH_VALUE_SPIKE_HISTORY = 4;
export const VALUE_SPIKE = { factor: 10, maxUsd: 3900, maxBudget: 200, minHistory: 5 } as const;
export const QUANTITY_OUTLIER = { min: 20, max: 30, minBudget: 400 } as const;
export const NORMAL_MAX_QUANTITY = 5;
/**
 * Future-dated orders come only from every 8th customer, and those customers never get an
 * impossible-travel pattern: a detector that anchors travel on the customer's latest located
 * order would otherwise measure the trip from a place dated weeks ahead.
 */
export const FUTURE_DATE_CUSTOMER_EVERY = 8;
export const isFutureDateCustomer = (id: number): boolean => id % FUTURE_DATE_CUSTOMER_EVERY === 0;

export interface GeneratorOptions {
  seed?: number | string;
  /** Customers 1..N the simulated shop has (the pipeline's CUSTOMERS should be at least this). */
  customers?: number;
  /** Relative weights of the event versions. */
  versions?: Partial<Record<1 | 2 | 3, number>>;
  /** Share of messages sent without the schema-version header (detected by shape). */
  headerlessShare?: number;
  /** Share of messages that carry an anomaly, split evenly across `anomalyTypes`. */
  anomalyRate?: number;
  anomalyTypes?: readonly AnomalyType[];
  /** Event time of the first order, ms since the epoch. */
  startMs?: number;
  /** Mean orders per simulated hour (shaped by the daily rhythm); default 0.6 × customers. */
  eventRatePerHour?: number;
  /** Shape the arrival rate by the hour of day (default true; off when event time should follow a constant send rate). */
  dailyRhythm?: boolean;
  /** Messages in the run, when known: patterns are then never cut short by the end. */
  count?: number;
  /**
   * Share of normal orders that look unusual for an honest reason (default 0): gifts shipped
   * abroad, orders shipped to an office nearby, big orders of customers who can afford them.
   * Labelled in the truth file (`benign`), never fraud, so precision is measured against them.
   */
  benignRate?: number;
}

/** What the benign mix consists of, and in what proportions. */
export const BENIGN_KINDS = ['gift-abroad', 'office', 'big-spender'] as const;
export type BenignKind = (typeof BENIGN_KINDS)[number];
export const BENIGN_WEIGHTS = [0.55, 0.3, 0.15];
/** A big spender's big order: above the high-value threshold, at most this many times their usual budget (never a value spike, flagged from 5 ×). */
export const BIG_SPENDER = { minBudget: 2000, minUsd: 4100, maxTimesBudget: 2.5, maxUsd: 9000 } as const;

export interface Ship {
  city: City;
  street: string;
}

export interface LinePick {
  n: number;
  q: number;
}

export interface OrderPlan {
  customer: number;
  ts: number;
  lines: LinePick[];
  paymentMethod: PaymentMethod;
  /** Undefined: the customer's home address. */
  ship?: Ship;
  fraud: FraudType | null;
  /** A second rule the same fraudulent order breaks (a card thief's order rarely has one signal only). */
  alsoFraud?: FraudType;
  /** A normal order that looks unusual for an honest reason (labelled benign in the truth file). */
  benign?: BenignKind;
  patternId: string | null;
  defect: DefectType | null;
}

export interface Pending {
  ts: number;
  order: number;
  plan: OrderPlan;
}

export interface GeneratorStats {
  sent: number;
  valid: number;
  invalid: number;
  /** Messages per written version ("9" for unknown-version). */
  perVersion: Record<string, number>;
  headerless: number;
  /** Messages per anomaly type. */
  perAnomaly: Record<AnomalyType, number>;
  /** Fraud instances per type (a velocity burst of 8 orders is one instance). */
  fraudInstances: Record<FraudType, number>;
  firstEventTs: number | null;
  lastEventTs: number | null;
}

export const MESSAGES = [
  '', 'Please leave the parcel at the door', 'Gift wrap, please', 'Call me on arrival', 'Deliver after 6pm',
  'Ring the bell twice', 'Fragile, handle with care', 'Happy birthday!', 'No plastic packaging please', 'Leave it with the neighbour if I am out',
];

export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const round8 = (x: number): number => Math.round(x * 1e8) / 1e8;
export const pad2 = (n: number): string => String(n).padStart(2, '0');
export const utcHourOf = (ms: number): number => Math.floor(ms / HOUR_MS) % 24;
export const LINE_COUNT_WEIGHTS = [36, 28, 18, 11, 7];
export const QUANTITY_WEIGHTS = [70, 20, 7, 2, 1];
export const PAYMENT_STATUS_WEIGHTS = [85, 12, 3];
export const ORDER_STATUS_WEIGHTS = [60, 22, 13, 5];
export const RECENT_MESSAGES = 1000;
export const priceOf = (n: number): number => 5 + 5 * n;

/** "YYYY-MM-DD HH:MM:SS" in UTC (how v1 and v2 wrote the order date), from an ISO string. */
export function legacyDateTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** ISO 8601 with an explicit offset: the wall time at `offsetHours` plus "+HH:00". */
export function isoWithOffset(ms: number, offsetHours: number): string {
  if (offsetHours === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offsetHours * HOUR_MS).toISOString().slice(0, 23);
  return `${local}${offsetHours < 0 ? '-' : '+'}${pad2(Math.abs(offsetHours))}:00`;
}

export function resolveVersionMix(versions: Partial<Record<1 | 2 | 3, number>> | undefined): [number, number, number] {
  const mix = versions ?? DEFAULT_VERSION_MIX;
  const weights: [number, number, number] = [mix[1] ?? 0, mix[2] ?? 0, mix[3] ?? 0];
  if (weights.some((w) => !(w >= 0)) || weights.every((w) => w === 0)) throw new RangeError('version weights must be ≥ 0 and not all 0');
  return weights;
}

/**
 * Messages of one instance, labelled and in all (an impossible-travel pair labels only its second
 * order), used to split the anomaly share by messages. Types not listed: one labelled message.
 */
export const INSTANCE_SIZE: Partial<Record<AnomalyType, { labelled: number; total: number }>> = {
  velocity: { labelled: 8.5, total: 8.5 },
  'payment-hopping': { labelled: 3.3, total: 3.3 },
  'impossible-travel': { labelled: 1, total: 2 },
};
