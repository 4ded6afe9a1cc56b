// Errors of the lake. An unreachable or failing store is retryable (the activity retries); a lake
// object that cannot be decoded, or a request the store refuses, is not.
import { PipelineError, ServiceUnavailableError } from '../errors.ts';

/** A store operation failed; `retryable` says whether trying again can help. */
export class LakeError extends PipelineError {
  constructor(
    message: string,
    readonly operation: string,
    readonly key: string | undefined,
    options: { retryable: boolean; cause?: unknown; context?: Record<string, unknown> },
  ) {
    super(message, { retryable: options.retryable, cause: options.cause, context: { operation, key, ...options.context } });
  }
}

/** A lake object exists but is not what its key says (bad gzip, bad JSON, not Parquet). */
export class CorruptLakeObjectError extends PipelineError {
  constructor(problem: string, options: { key?: string | undefined; cause?: unknown } = {}) {
    super(options.key ? `${options.key}: ${problem}` : problem, { retryable: false, cause: options.cause, context: { key: options.key } });
  }
}

/** The store did not answer (connection refused, timeout, reset): retryable. */
export class LakeUnavailableError extends ServiceUnavailableError {
  constructor(
    service: string,
    readonly operation: string,
    readonly key: string | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super(service, `${operation} ${key ?? ''}`.trim() + `: ${detail}`, cause);
  }
}

export const isLakeUnavailable = (error: unknown): error is LakeUnavailableError => error instanceof LakeUnavailableError;
export const isCorruptLakeObject = (error: unknown): error is CorruptLakeObjectError => error instanceof CorruptLakeObjectError;
