// A first-come, first-served limit on how many of a kind of task run at once in this process.
// The worker puts its batch derivations behind one (WORKER_MAX_CONCURRENT_DERIVATIONS, derive.ts):
// a derivation is CPU-bound JavaScript on the process's one main thread, so six partitions' batches
// derived at once finish no sooner than two at a time, they only hold six batches' rows in memory
// at once (docs/benchmarks.md, "Derivations in flight"). No I/O and no Temporal here: the caller
// passes its cancellation signal and how long a task may wait at most.

/** A slot held by one task; release it exactly once, when the task is over (a second call does nothing). */
export interface Slot {
  release(): void;
  /** How long the task waited for its slot. */
  waitedMs: number;
  /** The task waited `maxWaitMs` without getting a slot and runs over the limit. */
  overdue: boolean;
}

export interface AcquireOptions {
  /** Aborting it takes a waiting task out of the queue; acquire then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * After this long without a slot the task runs anyway, over the limit: a task that waited its
   * whole time budget away would only be retried and queue again behind the same tasks.
   */
  maxWaitMs?: number;
}

interface Waiter {
  grant(): void;
}

export class ConcurrencyLimit {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit is a whole number of at least 1, got ${limit}`);
  }

  /** Tasks holding a slot now (above `limit` only while overdue tasks run). */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a slot once fewer than `limit` tasks hold one and every task that came earlier has its own. */
  acquire(options: AcquireOptions = {}): Promise<Slot> {
    const { signal, maxWaitMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const startedMs = Date.now();
    const slot = (overdue: boolean): Slot => {
      this.running++;
      let released = false;
      return {
        waitedMs: Date.now() - startedMs,
        overdue,
        release: () => {
          if (released) return;
          released = true;
          this.running--;
          this.grantFree();
        },
      };
    };
    if (this.queue.length === 0 && this.running < this.limit) return Promise.resolve(slot(false));

    return new Promise<Slot>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve(slot(false));
        },
      };
      const onAbort = (): void => {
        leave();
        reject(signal!.reason);
      };
      this.queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (maxWaitMs !== undefined) {
        timer = setTimeout(() => {
          leave();
          resolve(slot(true));
        }, maxWaitMs);
      }
    });
  }

  /** Runs `task` in a slot, releasing it however the task ends. */
  async run<T>(task: (slot: Slot) => Promise<T>, options?: AcquireOptions): Promise<T> {
    const slot = await this.acquire(options);
    try {
      return await task(slot);
    } finally {
      slot.release();
    }
  }

  /** Hands free slots to the longest-waiting tasks. */
  private grantFree(): void {
    while (this.running < this.limit && this.queue.length > 0) this.queue[0]!.grant();
  }
}
