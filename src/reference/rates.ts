// Crypto → US dollar rates by date, from a reference file shipped in the repository
// (data/rates/crypto-usd.json): no network at run time. The file is synthetic but plausible
// (a mean-reverting random walk around a trend through realistic levels), generated
// deterministically by `npx tsx src/reference/build-rates.ts`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Random } from './prng.ts';

export const COIN_BY_METHOD = { BITCOIN: 'BTC', ETHEREUM: 'ETH', LITECOIN: 'LTC' } as const;
export type Coin = (typeof COIN_BY_METHOD)[keyof typeof COIN_BY_METHOD];
export const COINS: readonly Coin[] = ['BTC', 'ETH', 'LTC'];

export const DEFAULT_RATES_PATH = path.resolve(import.meta.dirname, '..', '..', 'data', 'rates', 'crypto-usd.json');

export interface RatesFile {
  description: string;
  /** US dollars per one unit of each coin, per UTC calendar date. */
  unit: 'USD per coin';
  first: string;
  last: string;
  rates: Record<string, Record<Coin, number>>;
}

export function coinOf(paymentMethod: string): Coin | undefined {
  return (COIN_BY_METHOD as Record<string, Coin | undefined>)[paymentMethod];
}

export class CryptoRates {
  private readonly dates: string[];

  constructor(private readonly file: RatesFile) {
    this.dates = Object.keys(file.rates).sort();
    if (this.dates.length === 0) throw new Error('crypto rates file holds no dates');
  }

  get firstDate(): string {
    return this.dates[0]!;
  }

  get lastDate(): string {
    return this.dates.at(-1)!;
  }

  /**
   * US dollars per unit of the method's coin on `date` (YYYY-MM-DD, or an ISO datetime whose UTC
   * date is used): the latest rate on or before that date, the first rate before the file starts.
   * 1 for fiat methods.
   */
  usdPerUnit(paymentMethod: string, date: string): number {
    const coin = coinOf(paymentMethod);
    if (!coin) return 1;
    return this.rateOn(date)[coin];
  }

  rateOn(date: string): Record<Coin, number> {
    const day = date.length > 10 ? new Date(date).toISOString().slice(0, 10) : date;
    const exact = this.file.rates[day];
    if (exact) return exact;
    // Binary search for the last date <= day.
    let lo = 0;
    let hi = this.dates.length - 1;
    if (day < this.dates[0]!) return this.file.rates[this.dates[0]!]!;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.dates[mid]! <= day) lo = mid;
      else hi = mid - 1;
    }
    return this.file.rates[this.dates[lo]!]!;
  }
}

export function loadCryptoRates(file = DEFAULT_RATES_PATH): CryptoRates {
  return new CryptoRates(JSON.parse(readFileSync(file, 'utf8')) as RatesFile);
}

/** Trend anchors (date → USD) each coin's walk reverts to, interpolated in log space between them. */
const ANCHORS: Record<Coin, [string, number][]> = {
  BTC: [['2024-01-01', 42_500], ['2024-12-31', 93_000], ['2025-12-31', 88_000], ['2026-12-31', 104_000], ['2027-12-31', 118_000]],
  ETH: [['2024-01-01', 2_300], ['2024-12-31', 3_350], ['2025-12-31', 3_000], ['2026-12-31', 3_600], ['2027-12-31', 4_100]],
  LTC: [['2024-01-01', 72], ['2024-12-31', 102], ['2025-12-31', 82], ['2026-12-31', 95], ['2027-12-31', 104]],
};
/** Daily volatility of each coin's log price; ETH and LTC move with BTC through a common factor. */
const DAILY_VOLATILITY: Record<Coin, number> = { BTC: 0.028, ETH: 0.036, LTC: 0.042 };
const MEAN_REVERSION_PER_DAY = 0.04;
const DAY_MS = 86_400_000;

function trendUsd(coin: Coin, dayMs: number): number {
  const anchors = ANCHORS[coin];
  const at = anchors.map(([d, v]) => [Date.parse(d), Math.log(v)] as const);
  if (dayMs <= at[0]![0]) return Math.exp(at[0]![1]);
  for (let i = 1; i < at.length; i++) {
    const [t1, v1] = at[i]!;
    if (dayMs <= t1) {
      const [t0, v0] = at[i - 1]!;
      return Math.exp(v0 + ((v1 - v0) * (dayMs - t0)) / (t1 - t0));
    }
  }
  return Math.exp(at.at(-1)![1]);
}

export function generateCryptoRates({ from = '2024-01-01', to = '2027-12-31', seed = 'crypto-usd-v1' } = {}): RatesFile {
  const random = new Random(seed);
  const deviation: Record<Coin, number> = { BTC: 0, ETH: 0, LTC: 0 };
  const rates: RatesFile['rates'] = {};
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY_MS) {
    const market = random.normal();
    const day: Record<Coin, number> = { BTC: 0, ETH: 0, LTC: 0 };
    for (const coin of COINS) {
      const shock = coin === 'BTC' ? market : 0.75 * market + Math.sqrt(1 - 0.75 ** 2) * random.normal();
      deviation[coin] = deviation[coin] * (1 - MEAN_REVERSION_PER_DAY) + DAILY_VOLATILITY[coin] * shock;
      day[coin] = Math.round(trendUsd(coin, t) * Math.exp(deviation[coin]) * 100) / 100;
    }
    rates[new Date(t).toISOString().slice(0, 10)] = day;
  }
  const dates = Object.keys(rates);
  return {
    description: 'Synthetic, deterministic daily crypto reference rates (not market data). Regenerate with: npx tsx src/reference/build-rates.ts',
    unit: 'USD per coin',
    first: dates[0]!,
    last: dates.at(-1)!,
    rates,
  };
}
