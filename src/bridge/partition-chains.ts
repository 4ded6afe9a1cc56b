// One queue of tasks per partition: a partition's batches start in offset order, while partitions
// go on side by side. A failed task is reported and the queue goes on (the ticker cuts it again).

export class PartitionChains {
  private readonly chains = new Map<number, Promise<void>>();

  constructor(private readonly onError: (partition: number, error: unknown) => void) {}

  /** Runs `task` after every earlier task of the same partition; resolves when it is done or failed. */
  enqueue(partition: number, task: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(partition) ?? Promise.resolve()).then(task).catch((error: unknown) => {
      this.onError(partition, error);
    });
    this.chains.set(partition, next);
    return next;
  }

  /** Resolves once every task queued so far has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.chains.values()]);
  }
}
