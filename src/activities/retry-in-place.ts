// Retrying one write inside an activity, for the writes that must not be left to the activity's
// own retry: when the effect before them cannot be repeated harmlessly (a mail already accepted by
// the SMTP server), a retry of the whole activity would repeat that effect.

export interface RetryInPlaceOptions {
  /** Give up (re-throw the last error) once this much time has passed. */
  forMs: number;
  firstWaitMs?: number;
  maxWaitMs?: number;
  /** Waits between attempts; the activity passes its cancellation-aware sleep and heartbeats in it. */
  sleep: (ms: number) => Promise<void>;
  now?: () => number;
}

export async function retryInPlace<T>(attempt: () => Promise<T>, options: RetryInPlaceOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.forMs;
  for (let wait = options.firstWaitMs ?? 200; ; wait = Math.min(wait * 2, options.maxWaitMs ?? 5_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (now() + wait > deadline) throw error;
      await options.sleep(wait);
    }
  }
}
