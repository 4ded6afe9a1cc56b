// Robust statistics (median, MAD, robust z-score) for the quantity-outlier rule and the
// data-quality outlier check. Pure; on plain arrays and on integer histograms kept in the state.

/** Scales a MAD to estimate the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;

/** Median of numbers (NaN for none). Does not modify its input. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[], center = median(values)): number {
  return median(values.map((v) => Math.abs(v - center)));
}

/**
 * Robust z-score: how many (MAD-estimated) standard deviations `value` lies from the median.
 * `madFloor` keeps a MAD of 0 (most values equal) from turning every other value into an outlier.
 */
export function robustZ(value: number, center: number, madValue: number, madFloor = 0): number {
  const scale = MAD_TO_SIGMA * Math.max(madValue, madFloor);
  if (scale === 0) return value === center ? 0 : value > center ? Infinity : -Infinity;
  return (value - center) / scale;
}

/** A histogram of numbers: value → how often it was seen. */
export type Histogram = ReadonlyMap<number, number>;

export function histogramCount(h: Histogram): number {
  let n = 0;
  for (const c of h.values()) n += c;
  return n;
}

/**
 * The median of a histogram's values (the mean of the two middle values for an even count, as
 * median()). Runs for every item line of every batch, so it sorts only the distinct values.
 */
export function histogramMedian(h: Histogram): number {
  const values: number[] = [];
  let n = 0;
  for (const [v, c] of h) {
    if (c <= 0) continue;
    values.push(v);
    n += c;
  }
  if (n === 0) return NaN;
  values.sort((a, b) => a - b);
  const lowRank = (n - 1) >> 1;
  const highRank = n >> 1;
  let seen = 0;
  let low = NaN;
  for (const v of values) {
    seen += h.get(v)!;
    if (Number.isNaN(low) && lowRank < seen) low = v;
    if (highRank < seen) return (low + v) / 2;
  }
  return values.at(-1)!;
}

/** Median absolute deviation of a histogram's values. */
export function histogramMad(h: Histogram, center = histogramMedian(h)): number {
  const deviations = new Map<number, number>();
  for (const [v, c] of h) {
    const d = Math.abs(v - center);
    deviations.set(d, (deviations.get(d) ?? 0) + c);
  }
  return histogramMedian(deviations);
}
