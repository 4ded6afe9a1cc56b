// One partition's state at one offset, in an embedded SQLite file on the worker's disk
// (docs/design.md §4). The page cache is the memory budget; what does not fit stays on disk, so a
// partition with tens of millions of remembered ids or a million customers costs a batch only the
// rows its keys touch. The file is a cache of the lake's snapshot and deltas, never the only copy:
// it is written without fsync and rebuilt from the lake when in doubt.
//
// Why SQLite (node:sqlite, built into Node 24) over lmdb or a RocksDB binding: no native package to
// install, a range delete by hour for the dedup window, half lmdb's file size, and point look-ups
// of a 5,000-order batch in 13–21 ms at 1M ids against lmdb's 9–16 ms (docs/benchmarks.md, State).
import { createRequire } from 'node:module';
import type { DatabaseSync as DatabaseSyncType } from 'node:sqlite';
import { decodeCategory, decodeCustomer, decodeHistogram, encodeCategory, encodeCustomer, encodeHistogram } from '../domain/state-codec.ts';
import type { FraudRule } from '../domain/fraud/rules.ts';
import {
  CorruptStateError,
  dedupCutoffTs,
  prunedCustomer,
  recentCutoffTs,
  STATE_VERSION,
  type PartitionState,
  type StateDelta,
  type StateKeys,
} from '../domain/state.ts';

const HOUR_MS = 3_600_000;

/**
 * node:sqlite, loaded without its one-time "experimental" warning: the API the store uses (open,
 * exec, prepare, run, all) has been stable since Node 22.5, and a warning with a stack trace on
 * every worker start reads like a failure to whoever runs it. Other warnings pass as usual.
 */
function loadSqlite(): typeof import('node:sqlite') {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning instanceof Error ? warning.message : warning).startsWith('SQLite is an experimental')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
}

const { DatabaseSync } = loadSqlite();
type DatabaseSync = DatabaseSyncType;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, ts INTEGER NOT NULL, hour INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS seen_by_hour ON seen (hour);
  CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS categories (name TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, histogram TEXT NOT NULL) WITHOUT ROWID;
`;

/** Where the store stands: the state before `offset` of `partition`. */
export interface StoreMeta {
  formatVersion: typeof STATE_VERSION;
  partition: number;
  offset: number;
  eventWatermarkTs: number | null;
  arrivalWatermarkTs: number | null;
}

export interface SliceConfig {
  dedupWindowMs: number;
  rules: readonly FraudRule[];
}

export class PartitionStateStore {
  private constructor(
    private readonly db: DatabaseSync,
    readonly file: string,
    private current: StoreMeta,
  ) {}

  /** A new, empty store: the partition's state before its first batch. */
  static create(file: string, partition: number, offset: number, cacheMb: number): PartitionStateStore {
    const db = openDatabase(file, cacheMb);
    db.exec(SCHEMA);
    const meta: StoreMeta = { formatVersion: STATE_VERSION, partition, offset, eventWatermarkTs: null, arrivalWatermarkTs: null };
    const store = new PartitionStateStore(db, file, meta);
    store.writeMeta(meta);
    return store;
  }

  /** An existing store file (a downloaded snapshot); `what` names it in errors. */
  static open(file: string, cacheMb: number, what: string): PartitionStateStore {
    let db: DatabaseSync | undefined;
    try {
      db = openDatabase(file, cacheMb);
      const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
      const meta = JSON.parse(Object.fromEntries(rows.map((r) => [r.key, r.value])).meta ?? 'null') as StoreMeta | null;
      if (!meta || meta.formatVersion !== STATE_VERSION || !Number.isSafeInteger(meta.offset) || !Number.isSafeInteger(meta.partition)) {
        throw new Error('no valid meta row');
      }
      return new PartitionStateStore(db, file, meta);
    } catch (error) {
      db?.close();
      throw new CorruptStateError(`${what} is not a state snapshot (${error instanceof Error ? error.message : String(error)})`, error);
    }
  }

  get meta(): Readonly<StoreMeta> {
    return this.current;
  }

  /** The offset the state stands before. */
  get offset(): number {
    return this.current.offset;
  }

  /** Changes the page cache: the worker splits its budget over the stores it holds. */
  setCacheMb(cacheMb: number): void {
    this.db.exec(`PRAGMA cache_size = ${-Math.max(1024, Math.round(cacheMb * 1024))}`);
  }

  /**
   * The part of the state a batch reads, shaped as the whole state so the pure step can walk it:
   * the batch's order ids within the dedup window, its customers (pruned as the whole-state walk
   * would have pruned them), its products, and every category (a shop has tens).
   */
  // CROSS JOIN keeps the batch's keys as the outer loop: each is a primary-key probe, never a scan of the table.
  slice(keys: StateKeys, config: SliceConfig): PartitionState {
    const { eventWatermarkTs, arrivalWatermarkTs } = this.current;
    const seenCutoff = dedupCutoffTs(arrivalWatermarkTs, config.dedupWindowMs);
    const recentCutoff = recentCutoffTs(eventWatermarkTs, config.rules);
    const seen = new Map<string, number>();
    for (const row of this.lookup('SELECT s.id AS k, s.ts AS v FROM json_each(?) j CROSS JOIN seen s ON s.id = j.value', keys.orderIds)) {
      if ((row.v as number) >= seenCutoff) seen.set(row.k, row.v as number);
    }
    const customers = new Map<string, ReturnType<typeof decodeCustomer>>();
    for (const row of this.lookup('SELECT c.id AS k, c.state AS v FROM json_each(?) j CROSS JOIN customers c ON c.id = j.value', keys.customerIds)) {
      customers.set(row.k, prunedCustomer(this.decode(decodeCustomer, row.v as string, `customer ${row.k}`), recentCutoff));
    }
    const productQuantities = new Map<string, Map<number, number>>();
    for (const row of this.lookup('SELECT p.id AS k, p.histogram AS v FROM json_each(?) j CROSS JOIN products p ON p.id = j.value', keys.productIds)) {
      productQuantities.set(row.k, this.decode(decodeHistogram, row.v as string, `product ${row.k}`));
    }
    const categories = new Map<string, ReturnType<typeof decodeCategory>>();
    for (const row of this.db.prepare('SELECT name AS k, state AS v FROM categories').all() as { k: string; v: string }[]) {
      categories.set(row.k, this.decode(decodeCategory, row.v, `category ${row.k}`));
    }
    return { version: STATE_VERSION, eventWatermarkTs, arrivalWatermarkTs, seen, customers, categories, productQuantities };
  }

  /**
   * Moves the store from the state before `delta.fromOffset` to the state before `delta.toOffset`,
   * in one transaction, and drops the dedup window's hours that ended before its cutoff.
   */
  apply(delta: StateDelta, dedupWindowMs: number): void {
    if (delta.partition !== this.current.partition || delta.fromOffset !== this.current.offset) {
      throw new CorruptStateError(
        `delta [${delta.fromOffset}, ${delta.toOffset}) of partition ${delta.partition} does not follow the store at offset ${this.current.offset} of partition ${this.current.partition}`,
      );
    }
    const putSeen = this.db.prepare('INSERT OR REPLACE INTO seen (id, ts, hour) VALUES (?, ?, ?)');
    const putCustomer = this.db.prepare('INSERT OR REPLACE INTO customers (id, state) VALUES (?, ?)');
    const putCategory = this.db.prepare('INSERT OR REPLACE INTO categories (name, state) VALUES (?, ?)');
    const putProduct = this.db.prepare('INSERT OR REPLACE INTO products (id, histogram) VALUES (?, ?)');
    const next: StoreMeta = { ...this.current, offset: delta.toOffset, eventWatermarkTs: delta.eventWatermarkTs, arrivalWatermarkTs: delta.arrivalWatermarkTs };
    this.db.exec('BEGIN');
    try {
      for (const [id, ts] of delta.seen) putSeen.run(id, ts, Math.floor(ts / HOUR_MS));
      for (const [id, c] of delta.customers) putCustomer.run(id, encodeCustomer(c));
      for (const [name, c] of delta.categories) putCategory.run(name, encodeCategory(c));
      for (const [id, h] of delta.productQuantities) putProduct.run(id, encodeHistogram(h));
      // Whole hours that ended before the window's start: every id in them is outside it.
      const cutoff = dedupCutoffTs(delta.arrivalWatermarkTs, dedupWindowMs);
      if (Number.isFinite(cutoff)) this.db.prepare('DELETE FROM seen WHERE hour < ?').run(Math.floor(cutoff / HOUR_MS));
      this.writeMeta(next);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    this.current = next;
  }

  /** Sizes, for metrics and benchmarks. */
  counts(): { ids: number; customers: number; products: number } {
    const count = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { ids: count('seen'), customers: count('customers'), products: count('products') };
  }

  /** Makes the file whole on its own (no WAL beside it), for upload as a snapshot. */
  checkpointFile(): void {
    this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private lookup(sql: string, keys: readonly string[]): { k: string; v: unknown }[] {
    if (keys.length === 0) return [];
    return this.db.prepare(sql).all(JSON.stringify(keys)) as { k: string; v: unknown }[];
  }

  private decode<T>(decode: (text: string) => T, text: string, what: string): T {
    try {
      return decode(text);
    } catch (error) {
      throw new CorruptStateError(`${what} in the local store of partition ${this.current.partition}: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }

  private writeMeta(meta: StoreMeta): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('meta', JSON.stringify(meta));
  }
}

function openDatabase(file: string, cacheMb: number): DatabaseSync {
  const db = new DatabaseSync(file);
  // The lake is the durable copy: no fsync, and a crashed worker's files are rebuilt, not trusted.
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = ${-Math.max(1024, Math.round(cacheMb * 1024))};`);
  return db;
}
