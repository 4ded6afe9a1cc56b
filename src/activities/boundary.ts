// The activity boundary: the one place where the project's errors become Temporal failures, and
// where every activity heartbeats while it runs.
//
// Retrying helps only when the world may change between attempts (S3, Kafka, SMTP, Temporal came
// back). A corrupt lake object, an unreadable checkpoint, a value a Parquet column refuses or a
// NaN in a sum fail the same way on every attempt: retried, they would hold back their partition
// forever without ever showing as failed. Those leave here as non-retryable ApplicationFailures
// whose type names the error, so the batch fails at once, `orders batches list --failed` shows
// it, and `orders replay` runs it again after the fix.
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { TemporalFailure } from '@temporalio/common';
import { PipelineError } from '../errors.ts';

/** JavaScript's own errors that deterministic code throws (a bad value, a broken invariant). */
const PROGRAMMING_ERRORS = new Set(['TypeError', 'RangeError', 'SyntaxError']);

/**
 * A TypeError from I/O is not about the data: undici's `fetch failed` carries the socket error
 * (ECONNREFUSED …) as its cause. Those stay retryable.
 */
function isFromIo(error: Error): boolean {
  const cause = (error as { cause?: unknown }).cause;
  return typeof cause === 'object' && cause !== null && typeof (cause as { code?: unknown }).code === 'string';
}

/**
 * What an activity's thrown error becomes at the boundary. Pure. Temporal's own failures pass
 * unchanged (they already say what they are); a PipelineError follows its `retryable` flag; a
 * TypeError, RangeError or SyntaxError from deterministic code is not retried; anything else is
 * left to the retry policy, whose maximumAttempts bounds it.
 */
export function classifyFailure(error: unknown): unknown {
  if (error instanceof TemporalFailure) return error;
  if (error instanceof PipelineError) return error.retryable ? error : nonRetryable(error);
  if (error instanceof Error && PROGRAMMING_ERRORS.has(error.name) && !isFromIo(error)) return nonRetryable(error);
  return error;
}

/**
 * The failure Temporal records: the error's own message, type and stack. Its causes are left out
 * on purpose: `orders batches show` prints a failure's innermost message, and that should read
 * "partition state is unreadable: not JSON", not the JSON parser's complaint underneath.
 */
function nonRetryable(error: Error): ApplicationFailure {
  const failure = ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true });
  failure.stack = error.stack;
  return failure;
}

/**
 * How often a running activity heartbeats. The stages' heartbeatTimeout (30 s) detects a worker
 * that died mid-attempt; a heartbeat every few seconds keeps a long but live attempt from being
 * mistaken for one (the SDK throttles what it sends to the server).
 */
export const HEARTBEAT_EVERY_MS = 5_000;

const inActivity = (): boolean => {
  try {
    Context.current();
    return true;
  } catch {
    return false; // called directly, e.g. by a unit test
  }
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any activity signature
type AnyActivity = (...args: any[]) => Promise<unknown>;

/** Wraps one activity: heartbeats while it runs, classifies what it throws. */
export function atBoundary<F extends AnyActivity>(activity: F, heartbeatEveryMs = HEARTBEAT_EVERY_MS): F {
  const wrapped = async (...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> => {
    const ticker = inActivity() ? setInterval(() => heartbeat(), heartbeatEveryMs) : undefined;
    try {
      return (await activity(...args)) as Awaited<ReturnType<F>>;
    } catch (error) {
      throw classifyFailure(error);
    } finally {
      if (ticker) clearInterval(ticker);
    }
  };
  // The worker registers activities by property name; keep the function's own name for stack traces.
  Object.defineProperty(wrapped, 'name', { value: activity.name });
  return wrapped as F;
}

/** Every activity of a set, wrapped. */
export function activitiesAtBoundary<T extends Record<string, AnyActivity>>(activities: T, heartbeatEveryMs = HEARTBEAT_EVERY_MS): T {
  return Object.fromEntries(Object.entries(activities).map(([name, fn]) => [name, atBoundary(fn, heartbeatEveryMs)])) as T;
}
