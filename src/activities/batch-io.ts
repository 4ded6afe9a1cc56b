// Lake I/O shared by the stages of a batch: typed Parquet parts, and the worker's partition states.
import { ApplicationFailure } from '@temporalio/activity';
import { deltaTableOfKey, fileStatsOf, type FileStats } from '../lake/delta/index.ts';
import { readParquet, TABLES, writeParquet, type TableSpec } from '../lake/parquet.ts';
import type { LakeStore } from '../lake/store.ts';
import type { FraudAlertRow, SilverItemRow, SilverOrderRow } from '../domain/rows.ts';
import type { StepOutput } from '../domain/partition-walk.ts';
import { stateKeysOf, type PartitionState, type StateKeys } from '../domain/state.ts';
import type { BatchRef } from '../contract/batch.ts';
import type { PartitionStates } from '../state-store/partition-states.ts';
import { ImmutableCache } from './lake-cache.ts';

/** A batch's silver rows with the slice of the partition state before it: what gold, fraud and the checkpoint read. */
export interface SilverRows {
  state: PartitionState;
  orders: SilverOrderRow[];
  items: SilverItemRow[];
  /** The batch's walk through the state with the worker's rules and alert policy, when made once for all three (derive.ts). */
  step?: StepOutput;
}

type StateRef = Pick<BatchRef, 'partition' | 'startOffset' | 'firstBatch'>;

/**
 * The tables whose parts are read again after their batch's derivation, by the batch's alerts
 * (alert.ts: its fraud alerts and quality figures; a few rows per batch). The rows of every other
 * part are dropped once written: nothing reads them again in the one-activity derivation. Silver
 * orders are read again too, but only the few that the batch's fraud alerts name, so the fraud
 * stage keeps just those (`keepNamedOrders`) instead of the whole 5,000-row part
 * (docs/benchmarks.md, "Worker memory").
 */
const READ_AFTER_DERIVATION: ReadonlySet<string> = new Set([TABLES.fraudAlerts.path, TABLES.dqMetrics.path]);

/** What the Delta commit needs of a part this worker wrote, so that it need not read the part back. */
export interface WrittenPart {
  size: number;
  stats: FileStats;
}

export class BatchIo {
  /**
   * Up to 256 parts and 10,000 rows of the tables read after a derivation: the fraud alerts and
   * quality figures of the last batches (a few dozen rows each), not the run.
   */
  private readonly parts = new ImmutableCache<unknown[]>(256, 10_000, (rows) => rows.length);
  /** Size and column statistics of the parts this worker wrote, for the Delta commit (a few hundred bytes each). */
  private readonly written = new ImmutableCache<WrittenPart>(4096);
  /** Per batch (its silver keys), the silver orders its fraud alerts name: what the alert activity mails about. */
  private readonly namedOrders = new ImmutableCache<SilverOrderRow[]>(256, 10_000, (rows) => rows.length);

  constructor(
    readonly lake: LakeStore,
    readonly states: PartitionStates,
  ) {}

  async writePart<T extends object>(key: string, table: TableSpec, rows: T[]): Promise<void> {
    const bytes = writeParquet(table, rows as Record<string, unknown>[]);
    await this.lake.put(key, bytes, 'application/vnd.apache.parquet');
    if (READ_AFTER_DERIVATION.has(table.path)) this.parts.set(key, rows);
    // The statistics the commit would compute from the rows (delta-commit.ts), taken now, while the rows are at hand.
    const delta = deltaTableOfKey(key);
    if (delta) {
      const stats = fileStatsOf(delta.spec, rows as Record<string, unknown>[], delta.partitionColumns.map((p) => p.name));
      this.written.set(key, { size: bytes.byteLength, stats });
    }
  }

  /** Writes rows split by date, one part per date, all at once; returns the keys (in the order the dates first appear). */
  async writeDatedParts<T extends object>(table: TableSpec<T>, rows: T[], dateOf: (row: T) => string, keyOf: (date: string) => string): Promise<string[]> {
    return (await this.writeDated(table, rows, dateOf, keyOf)).keys;
  }

  /**
   * writeDatedParts, also returning the rows as `readParts(keys)` would give them back (grouped by
   * date, part after part): the next stage of the same attempt takes them from memory and sees
   * them in exactly the order a stage reading the parts sees, so both derive the same bytes.
   */
  async writeDated<T extends object>(table: TableSpec<T>, rows: T[], dateOf: (row: T) => string, keyOf: (date: string) => string): Promise<{ keys: string[]; rows: T[] }> {
    const parts = [...groupBy(rows, dateOf)].map(([date, group]) => ({ key: keyOf(date), group }));
    await Promise.all(parts.map(({ key, group }) => this.writePart(key, table, group)));
    return { keys: parts.map((p) => p.key), rows: parts.flatMap((p) => p.group) };
  }

  /**
   * The slice of the partition's state a batch reads. Broken state throws CorruptStateError naming
   * the object, which the activity boundary turns into a non-retryable failure: the batch fails,
   * visibly, and `orders replay` finishes it once the object is repaired.
   */
  async stateSlice(partition: number, offset: number, firstBatch: boolean, keys: StateKeys): Promise<PartitionState> {
    return this.states.slice(partition, offset, firstBatch, keys);
  }

  /**
   * The state slice for a batch's silver rows. The domain steps never modify the state they are
   * given (copy on write, src/domain/partition-walk.ts), so one slice serves gold, fraud and the checkpoint.
   */
  async silverRows(ref: StateRef, orders: SilverOrderRow[], items: SilverItemRow[]): Promise<SilverRows> {
    const state = await this.stateSlice(ref.partition, ref.startOffset, ref.firstBatch === true, stateKeysOf(orders, items));
    return { state, orders, items };
  }

  /** A batch's silver parts read back from the lake (or this cache), with its state slice. */
  async readSilver(ref: StateRef & { silverKeys: string[]; itemKeys: string[] }): Promise<SilverRows> {
    const orders = await this.readParts<SilverOrderRow>(ref.silverKeys);
    const items = await this.readParts<SilverItemRow>(ref.itemKeys);
    return this.silverRows(ref, orders, items);
  }

  /** Remembers the batch's silver orders that its fraud alerts name, for its alert activity (`ordersNamed`). */
  keepNamedOrders(silverKeys: readonly string[], alerts: readonly FraudAlertRow[], orders: readonly SilverOrderRow[]): void {
    const named = namedOrderIds(alerts);
    this.namedOrders.set(silverKeysId(silverKeys), orders.filter((order) => named.has(order.orderId)));
  }

  /**
   * The batch's silver orders whose ids are in `named`, by id: from what the fraud stage kept, or,
   * on another worker or after eviction, read from the parts (not cached: only these few are needed).
   */
  async ordersNamed(silverKeys: readonly string[], named: ReadonlySet<string>): Promise<Map<string, SilverOrderRow>> {
    const kept = this.namedOrders.peek(silverKeysId(silverKeys));
    const orders = new Map<string, SilverOrderRow>();
    const take = (rows: readonly SilverOrderRow[]): void => {
      for (const order of rows) if (named.has(order.orderId)) orders.set(order.orderId, order);
    };
    if (kept) take(kept);
    else for (const key of silverKeys) take((this.parts.peek(key) as SilverOrderRow[] | undefined) ?? (await this.readUncached<SilverOrderRow>(key)));
    return orders;
  }

  /** Size and statistics of a part this worker wrote, while cached; undefined otherwise. */
  writtenPart(key: string): WrittenPart | undefined {
    return this.written.peek(key);
  }

  async readPart<T>(key: string): Promise<T[]> {
    return (await this.parts.get(key, () => this.readUncached(key))) as T[];
  }

  private async readUncached<T>(key: string): Promise<T[]> {
    const bytes = await this.lake.get(key);
    if (!bytes) throw ApplicationFailure.nonRetryable(`lake object ${key} is missing`, 'CorruptBatch');
    return (await readParquet(bytes)) as unknown as T[];
  }

  async readParts<T>(keys: string[]): Promise<T[]> {
    return (await Promise.all(keys.map((k) => this.readPart<T>(k)))).flat();
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

/** Every order id the fraud alerts name (an alert row lists its orders comma-separated). */
export function namedOrderIds(alerts: readonly Pick<FraudAlertRow, 'orderIds'>[]): Set<string> {
  return new Set(alerts.flatMap((alert) => alert.orderIds.split(',')));
}

const silverKeysId = (keys: readonly string[]): string => keys.join('\n');
