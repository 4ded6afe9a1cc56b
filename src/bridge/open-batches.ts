// Backpressure (docs/design.md §3): the batch workflows this bridge started that have not closed
// yet, in total and per partition. Fetching waits while too many are open, and a partial batch may
// wait longer while its partition's predecessor still runs.

export class OpenBatches {
  private total = 0;
  private readonly byPartition = new Map<number, number>();

  /** @param onChange told the new total after every change (the open-batches gauge) */
  constructor(private readonly onChange: (open: number) => void = () => {}) {}

  get count(): number {
    return this.total;
  }

  hasOpen(partition: number): boolean {
    return (this.byPartition.get(partition) ?? 0) > 0;
  }

  /** Counts a batch as open until `closed` settles, whichever way. */
  track(partition: number, closed: Promise<unknown>): void {
    this.total++;
    this.byPartition.set(partition, (this.byPartition.get(partition) ?? 0) + 1);
    this.onChange(this.total);
    void closed
      .catch(() => {})
      .finally(() => {
        this.total--;
        this.byPartition.set(partition, (this.byPartition.get(partition) ?? 1) - 1);
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
