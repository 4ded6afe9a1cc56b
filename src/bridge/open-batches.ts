// Backpressure (docs/design.md §3): the batch workflows this bridge started that have not closed
// yet, in total and per partition. Fetching waits while too many are open, and a partial batch may
// wait longer while its partition's predecessor is still deriving (a predecessor that has derived
// and only waits for its Delta commit holds nothing up: the next batch can derive meanwhile).

export class OpenBatches {
  private total = 0;
  private readonly byPartition = new Map<number, number>();
  private readonly derivingByPartition = new Map<number, number>();

  /** @param onChange told the new total after every change (the open-batches gauge) */
  constructor(private readonly onChange: (open: number) => void = () => {}) {}

  get count(): number {
    return this.total;
  }

  hasOpen(partition: number): boolean {
    return (this.byPartition.get(partition) ?? 0) > 0;
  }

  /** Whether a batch of the partition is still deriving: neither derived nor closed. */
  isDeriving(partition: number): boolean {
    return (this.derivingByPartition.get(partition) ?? 0) > 0;
  }

  /**
   * Counts a batch as open until `closed` settles, and as deriving until `derived` or `closed`
   * settles, whichever way (a batch whose derivation cannot be awaited passes `closed` for both).
   */
  track(partition: number, closed: Promise<unknown>, derived: Promise<unknown> = closed): void {
    this.total++;
    const add = (counts: Map<number, number>, by: number) => counts.set(partition, (counts.get(partition) ?? 0) + by);
    add(this.byPartition, 1);
    add(this.derivingByPartition, 1);
    this.onChange(this.total);
    const settled = (p: Promise<unknown>) => p.then(() => undefined, () => undefined);
    void Promise.race([settled(derived), settled(closed)]).then(() => add(this.derivingByPartition, -1));
    void settled(closed).then(() => {
      this.total--;
      add(this.byPartition, -1);
      this.onChange(this.total);
    });
  }

  /** Waits (calling `heartbeat` every `pollMs`) while `max` or more batches are open, unless stopping. */
  async waitForRoom(max: number, heartbeat: () => Promise<void>, stopping: () => boolean, pollMs = 100): Promise<void> {
    while (this.total >= max && !stopping()) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      await heartbeat();
    }
  }
}
