// Following one table of the lake: list its prefix, fetch the objects not seen before, skip (and
// report) unreadable ones. Used by the gold reader for each gold table.
import { isCorruptLakeObject } from '../lake/errors.ts';
import { liveDataKeys } from '../lake/delta/log-io.ts';

/** The part of the lake the dashboard needs. */
export interface GoldLake {
  list(prefix: string): Promise<string[]>;
  /** Undefined when the object is gone. */
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Parses one Parquet object into plain rows (column name → value). */
export type ParquetRows = (bytes: Uint8Array, options: { key: string }) => Promise<Record<string, unknown>[]>;

/** Objects fetched at once when catching up with a large lake. */
const FETCH_CONCURRENCY = 8;
/** A poll fetches at most this many new objects per table, so a large lake fills the page in steps. */
const MAX_FETCHED_PER_POLL = 2000;

export interface TableChanges<Row> {
  added: { key: string; rows: Row[] }[];
  removed: string[];
  /** More new keys are waiting than one poll fetches. */
  backlog: boolean;
}

/**
 * Lists a table prefix and fetches the keys not seen before. Remembers keys, not rows. A key
 * counts as seen only once its rows were folded in (commit), so a poll that fails half-way
 * loses nothing: the next one fetches the same keys again.
 */
export class TableFollower<Row> {
  private readonly known = new Set<string>();
  /** Objects that are not readable Parquet: skipped (they would fail every poll), and reported. */
  readonly unreadable = new Map<string, string>();

  constructor(
    private readonly lake: GoldLake,
    private readonly prefix: string,
    private readonly parse: ParquetRows,
    private readonly toRow: (r: Record<string, unknown>) => Row,
  ) {}

  async sync(): Promise<TableChanges<Row>> {
    // The table's current Delta snapshot: a batch's parts appear together, once committed.
    const listed = await liveDataKeys(this.lake, this.prefix.replace(/\/$/, ''));
    const present = new Set(listed);
    const removed = [...this.known].filter((key) => !present.has(key));
    for (const key of this.unreadable.keys()) if (!present.has(key)) this.unreadable.delete(key);
    const fresh = listed.filter((key) => !this.known.has(key) && !this.unreadable.has(key)).sort();
    const now = fresh.slice(0, MAX_FETCHED_PER_POLL);
    const added: { key: string; rows: Row[] }[] = [];
    for (let i = 0; i < now.length; i += FETCH_CONCURRENCY) {
      const chunk = now.slice(i, i + FETCH_CONCURRENCY);
      const rows = await Promise.all(
        chunk.map(async (key) => {
          const bytes = await this.lake.get(key);
          if (!bytes) return undefined;
          try {
            return (await this.parse(bytes, { key })).map(this.toRow);
          } catch (error) {
            if (!isCorruptLakeObject(error)) throw error;
            this.unreadable.set(key, error.message);
            return undefined;
          }
        }),
      );
      chunk.forEach((key, j) => {
        const parsed = rows[j];
        if (parsed) added.push({ key, rows: parsed }); // else deleted since the listing, or unreadable
      });
    }
    return { added, removed, backlog: fresh.length > now.length };
  }

  /** The changes are folded into the aggregates: their keys are now seen (or gone). */
  commit(changes: TableChanges<Row>): void {
    for (const key of changes.removed) this.known.delete(key);
    for (const { key } of changes.added) this.known.add(key);
  }

  /** Forget every key so that the next sync fetches the whole table again. */
  reset(): void {
    this.known.clear();
  }
}
