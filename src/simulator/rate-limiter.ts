// A token bucket: tokens accrue at `ratePerSec` up to `capacity`; take(n) waits until n are there.
// The simulator takes one batch's worth per send, so the long-run rate is exact and bursts stay
// within the capacity (two batches: a late timer is made up for on the next send).

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly ratePerSec: number,
    readonly capacity: number,
    private readonly nowMs: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    initialTokens = capacity,
  ) {
    if (!(ratePerSec > 0)) throw new RangeError('rate must be > 0');
    if (!(capacity >= 1)) throw new RangeError('capacity must be ≥ 1');
    this.tokens = Math.min(capacity, initialTokens);
    this.lastMs = nowMs();
  }

  private refill(): void {
    const now = this.nowMs();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.lastMs) * this.ratePerSec) / 1000);
    this.lastMs = now;
  }

  async take(n: number): Promise<void> {
    if (n > this.capacity) throw new RangeError(`cannot take ${n} tokens from a bucket of ${this.capacity}`);
    for (;;) {
      this.refill();
      if (this.tokens >= n) {
        this.tokens -= n;
        return;
      }
      await this.sleep(Math.max(1, Math.ceil(((n - this.tokens) * 1000) / this.ratePerSec)));
    }
  }
}
