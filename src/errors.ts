// A small error hierarchy: every error says whether retrying can help, and carries context.

export class PipelineError extends Error {
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

/** A setting in the environment is missing or malformed; the process must not start. */
export class ConfigError extends PipelineError {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`, { context: { variable } });
  }
}

/** A record that breaks the order contract: quarantine it, never retry it. */
export class InvalidOrderError extends PipelineError {
  constructor(readonly reason: string, context: Record<string, unknown> = {}) {
    super(reason, { context });
  }
}

/** A service the pipeline needs did not answer. */
export class ServiceUnavailableError extends PipelineError {
  constructor(readonly service: string, detail: string, cause?: unknown) {
    super(`${service} is not reachable: ${detail}`, { retryable: true, cause, context: { service } });
  }
}

/** Wrong command-line input: print usage, not a stack trace. */
export class UsageError extends PipelineError {}

export const isRetryable = (error: unknown): boolean => error instanceof PipelineError && error.retryable;
