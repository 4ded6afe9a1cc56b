// Start-up waits for its dependencies. The bridge and the worker may start while Temporal or Kafka
// is restarting (a deploy, a crash, the chaos run); exiting then turns a blip of one service into
// a crash of another. So each connection at start-up is retried, with a warning naming the
// service, until it succeeds or the deadline passes; only then does the process give up.
// An error that says no retry can help (a TLS handshake with a plaintext listener, a bad setting)
// ends the wait at once.
import { PipelineError } from './errors.ts';
import type { Logger } from './logger.ts';

/** How long a starting process waits for a service that does not answer. */
export const STARTUP_WAIT_MS = 180_000;
const PAUSE_MS = 1_000;

export interface WaitOptions {
  log?: Pick<Logger, 'warn'>;
  timeoutMs?: number;
  pauseMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function whenReachable<T>(service: string, connect: () => Promise<T>, options: WaitOptions = {}): Promise<T> {
  const { log, timeoutMs = STARTUP_WAIT_MS, pauseMs = PAUSE_MS, now = Date.now } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (now() >= deadline || (error instanceof PipelineError && !error.retryable)) throw error;
      log?.warn({ service, attempt, err: error }, `${service} is not reachable yet; retrying`);
      await sleep(pauseMs);
    }
  }
}
