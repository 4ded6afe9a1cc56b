// How each customer behaves: a spending budget, a preferred and a secondary payment method, and
// when in the (local) day they shop. Derived from the customer id alone, so the same customer
// behaves the same in every run and the pipeline's notion of "usual" stays stable across runs.
import type { PaymentMethod } from '../domain/order.ts';
import { Random, hashSeed } from '../reference/prng.ts';
import type { Customer } from '../reference/types.ts';

export interface CustomerProfile {
  /** Typical order value in USD; normal orders stay within [0.6, 1.6] × budget. */
  budgetUsd: number;
  preferredPayment: PaymentMethod;
  secondaryPayment: PaymentMethod;
  business: boolean;
  /** Whole hours from UTC to the customer's solar local time. */
  utcOffsetHours: number;
}

const BUDGET: Record<string, { median: number; min: number; max: number }> = {
  consumer: { median: 90, min: 30, max: 250 },
  vip: { median: 700, min: 300, max: 1600 },
  'small-business': { median: 400, min: 200, max: 900 },
  corporate: { median: 1300, min: 700, max: 2000 },
};

const PAYMENT_WEIGHTS: [PaymentMethod, number][] = [
  ['CREDIT CARD', 34], ['DEBIT CARD', 18], ['PAYPAL', 15], ['VENMO', 5], ['ZELLE', 3], ['CASH', 4],
  ['BITCOIN', 7], ['ETHEREUM', 5], ['LITECOIN', 3], ['OTHER', 3],
];
/** Venmo and Zelle are US-only services. */
const US_ONLY: ReadonlySet<PaymentMethod> = new Set(['VENMO', 'ZELLE']);

export function paymentChoices(country: string): [PaymentMethod, number][] {
  return PAYMENT_WEIGHTS.filter(([m]) => country === 'US' || !US_ONLY.has(m));
}

export function profileOf(customer: Customer, seed = 'behaviour-v1'): CustomerProfile {
  const random = new Random(hashSeed(seed, customer.customerId));
  const band = BUDGET[customer.segment] ?? BUDGET.consumer!;
  const budgetUsd = Math.round(Math.min(band.max, Math.max(band.min, band.median * Math.exp(0.4 * random.normal()))));
  const choices = paymentChoices(customer.homeCountry);
  const preferred = choices[random.weightedIndex(choices.map(([, w]) => w))]![0];
  const others = choices.filter(([m]) => m !== preferred);
  const secondary = others[random.weightedIndex(others.map(([, w]) => w))]![0];
  return {
    budgetUsd,
    preferredPayment: preferred,
    secondaryPayment: secondary,
    business: customer.segment === 'small-business' || customer.segment === 'corporate',
    utcOffsetHours: Math.max(-12, Math.min(14, Math.round(customer.homeLon / 15))),
  };
}

/** Orders per hour relative to the daily mean, by UTC hour: busiest in the European evening / US afternoon. */
export function trafficShape(utcHour: number): number {
  return 1 + 0.5 * Math.cos((2 * Math.PI * (utcHour - 18)) / 24);
}

/** How likely a customer shops at this local hour (0..1): consumers in the evening, businesses in office hours. */
export function shoppingPropensity(profile: CustomerProfile, utcHour: number): number {
  const local = (((utcHour + profile.utcOffsetHours) % 24) + 24) % 24;
  if (profile.business) return local >= 9 && local < 18 ? 1 : local >= 7 && local < 21 ? 0.3 : 0.08;
  if (local >= 18 && local < 23) return 1;
  if (local >= 12 && local < 18) return 0.7;
  if (local >= 7 && local < 12) return 0.5;
  return 0.12;
}

/** Zipf-like draw over customers: a few order often, most rarely. The ranking is a seeded permutation of ids. */
export class ZipfCustomers {
  private readonly cdf: Float64Array;
  private readonly ids: Int32Array;

  constructor(count: number, random: Random, exponent = 1.0) {
    this.ids = Int32Array.from(random.shuffled(Array.from({ length: count }, (_, i) => i + 1)));
    this.cdf = new Float64Array(count);
    let total = 0;
    for (let k = 0; k < count; k++) {
      total += 1 / (k + 1) ** exponent;
      this.cdf[k] = total;
    }
  }

  draw(random: Random): number {
    const u = random.float() * this.cdf[this.cdf.length - 1]!;
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return this.ids[lo]!;
  }
}
