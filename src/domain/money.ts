// Money in US dollars, rounded and summed in whole cents so running sums never drift.

/** Rounds to cents, correcting binary representation first (1.005 → 1.01, as a person would round). */
export function roundCents(usd: number): number {
  return Math.round(Number((usd * 100).toPrecision(15))) / 100;
}

/** a + b in cents, so running sums never drift. */
export function addCents(a: number, b: number): number {
  return (Math.round(a * 100) + Math.round(b * 100)) / 100;
}
