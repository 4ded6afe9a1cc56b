// Lake I/O shared by the stages of a batch: typed Parquet parts, and the worker's partition states.
import { ApplicationFailure } from '@temporalio/activity';
import { readParquet, writeParquet, type TableSpec } from '../lake/parquet.ts';
import type { LakeStore } from '../lake/store.ts';
import { CorruptStateError, type PartitionState, type StateKeys } from '../domain/state.ts';
import type { PartitionStates } from '../state-store/partition-states.ts';
import { ImmutableCache } from './lake-cache.ts';

export class BatchIo {
  /** Up to 256 parts and 250,000 rows: the stages in flight (one batch per partition), not the whole run. */
  private readonly parts = new ImmutableCache<unknown[]>(256, 250_000, (rows) => rows.length);

  constructor(
    readonly lake: LakeStore,
    readonly states: PartitionStates,
  ) {}

  async writePart<T extends object>(key: string, table: TableSpec, rows: T[]): Promise<void> {
    await this.lake.put(key, writeParquet(table, rows as Record<string, unknown>[]), 'application/vnd.apache.parquet');
    this.parts.set(key, rows);
  }

  /** Writes rows split by date, one part per date, all at once; returns the keys (in the order the dates first appear). */
  async writeDatedParts<T extends object>(table: TableSpec<T>, rows: T[], dateOf: (row: T) => string, keyOf: (date: string) => string): Promise<string[]> {
    const parts = [...groupBy(rows, dateOf)].map(([date, group]) => ({ key: keyOf(date), group }));
    await Promise.all(parts.map(({ key, group }) => this.writePart(key, table, group)));
    return parts.map((p) => p.key);
  }

  /** The slice of the partition's state a batch reads; broken state fails the batch for good, naming the object. */
  async stateSlice(partition: number, offset: number, firstBatch: boolean, keys: StateKeys): Promise<PartitionState> {
    return failBatchOnCorruptState(() => this.states.slice(partition, offset, firstBatch, keys));
  }

  async readPart<T>(key: string): Promise<T[]> {
    return (await this.parts.get(key, async () => {
      const bytes = await this.lake.get(key);
      if (!bytes) throw ApplicationFailure.nonRetryable(`lake object ${key} is missing`, 'CorruptBatch');
      return readParquet(bytes);
    })) as T[];
  }

  async readParts<T>(keys: string[]): Promise<T[]> {
    return (await Promise.all(keys.map((k) => this.readPart<T>(k)))).flat();
  }
}

/**
 * A missing or corrupt delta or snapshot cannot heal by retrying: the batch fails (non-retryable,
 * type CorruptState) with the object's name, shows as failed, and `orders replay` runs it again once
 * the object is repaired. Nothing starts from empty state instead.
 */
export async function failBatchOnCorruptState<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CorruptStateError) throw ApplicationFailure.nonRetryable(error.message, 'CorruptState', error.context);
    throw error;
  }
}

/** Groups rows by a key, keeping first-seen order (so output is deterministic). */
export function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
