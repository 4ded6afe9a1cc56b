// Every number the pipeline computes and adds up must stay finite: a NaN or Infinity that reached
// a checkpoint could never be read back (JSON has no Infinity), and every later batch of the
// partition would fail on it. The contract's bounds (src/schemas/limits.ts) keep valid orders far
// from that; these checks make a breach fail its own batch, loudly and not retried, instead.
import { PipelineError } from '../errors.ts';

/** A computed amount or count is NaN or ±Infinity: deterministic, so never retryable. */
export class NonFiniteNumberError extends PipelineError {
  constructor(readonly field: string, value: number, context: Record<string, unknown> = {}) {
    super(`${field}: computed value ${String(value)} is not a finite number`, { retryable: false, context: { field, ...context } });
  }
}

/** Returns `value` when finite, else throws NonFiniteNumberError naming the field. */
export function finite(value: number, field: string, context?: Record<string, unknown>): number {
  if (!Number.isFinite(value)) throw new NonFiniteNumberError(field, value, context);
  return value;
}

/** The same for a nullable column. */
export function finiteOrNull(value: number | null, field: string, context?: Record<string, unknown>): number | null {
  return value === null ? null : finite(value, field, context);
}
