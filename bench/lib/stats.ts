// Pure figures of the pipeline benchmark: percentiles and the drain rate of the steady part of a
// run. No I/O, so test/unit/bench-stats.test.ts checks them on hand-made inputs.

/** Nearest-rank percentile (p in (0, 100]) of values; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (p: number): number | null => (sorted.length === 0 ? null : sorted[Math.ceil((p / 100) * sorted.length) - 1]!);
  return { count: sorted.length, p50Ms: at(50), p95Ms: at(95), p99Ms: at(99), maxMs: sorted.at(-1) ?? null };
}

/** A moment at which some orders became visible downstream (a silver part written, a batch's gold done). */
export interface Completion {
  atMs: number;
  orders: number;
}

export interface SteadyRateOptions {
  /** Ignored after the first completion: JIT, connections, the worker bundling its workflows. */
  warmupMs: number;
  /** Length of the measured window after the warm-up. */
  measureMs: number;
  /**
   * When the run drained its backlog: this much before the last completion is ignored too, because
   * partitions finish one by one and the last seconds run on fewer of them.
   */
  tailMs: number;
  /** True when the run ran out of input (the window may then be shorter than measureMs). */
  drained: boolean;
}

export interface SteadyRate {
  fromMs: number;
  toMs: number;
  windowMs: number;
  orders: number;
  ratePerSec: number;
  /** The window is shorter than asked for because the backlog ran out: load more orders. */
  shortWindow: boolean;
}

/**
 * Orders per second completed in the steady window (first completion + warm-up, for measureMs,
 * cut before the tail when the run drained). Completions exactly at the window's start belong to
 * the time before it, those at its end to the window. Undefined when no window is left.
 */
export function steadyRate(completions: readonly Completion[], options: SteadyRateOptions): SteadyRate | undefined {
  if (completions.length === 0) return undefined;
  let first = Infinity;
  let last = -Infinity;
  for (const c of completions) {
    first = Math.min(first, c.atMs);
    last = Math.max(last, c.atMs);
  }
  const fromMs = first + options.warmupMs;
  const end = options.drained ? last - options.tailMs : last;
  const toMs = Math.min(fromMs + options.measureMs, end);
  if (toMs <= fromMs) return undefined;
  let orders = 0;
  for (const c of completions) if (c.atMs > fromMs && c.atMs <= toMs) orders += c.orders;
  const windowMs = toMs - fromMs;
  return { fromMs, toMs, windowMs, orders, ratePerSec: Math.round((orders * 1000) / windowMs), shortWindow: windowMs < options.measureMs };
}

/** a / b rounded to 3 decimals; null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/**
 * Orders per second of CPU time (one core busy for one second) summed over the processes of a
 * run: the system under test and the stack services it used. On a shared machine a system gets
 * whatever CPU share the others leave it, so raw rates swing with the load; CPU cost per order
 * does not, which makes this ratio the steadier comparison (and the one a quiet machine scales
 * by: rate ≈ this × cores available).
 */
export function ordersPerCoreSecond(ratePerSec: number | null | undefined, cpuPctByProcess: Readonly<Record<string, { cpuPct: number }>>): number | null {
  const cores = Object.values(cpuPctByProcess).reduce((sum, p) => sum + p.cpuPct / 100, 0);
  if (ratePerSec == null || cores <= 0) return null;
  return Math.round(ratePerSec / cores);
}
