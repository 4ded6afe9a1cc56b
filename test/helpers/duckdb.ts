// An independent reader of the lake for tests: DuckDB's own Parquet reader over a local copy.
// DuckDB's httpfs extension cannot be downloaded here, so an s3:// lake is first copied (the
// prefixes a test needs) into a temporary folder; a file:// lake is read in place.
//
//   const n = await queryLake(config, 'SELECT count(*) AS n FROM {silver/orders}');
//   await withLakeSnapshot(config, ['silver/', 'bronze/'], async (db, dir) => { ... });
//
// `{table/path}` in SQL stands for read_parquet over the data files of the table's current Delta
// snapshot (its `_delta_log` replayed; every Parquet file of the folder for a table with no log),
// with Hive partition columns and union_by_name, so files written under older column sets read together.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { liveDataKeys } from '../../src/lake/delta/index.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { openLake, parseLakeUri } from '../../src/lake/store.ts';
import type { Config } from '../../src/config.ts';

type LakeConfig = Pick<Config, 'LAKE_URI' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>;
export type Row = Record<string, unknown>;

/** Objects downloaded at once when copying an s3:// lake. */
const DOWNLOAD_CONCURRENCY = 16;
const TABLE_PLACEHOLDER = /\{([a-z0-9_]+(?:\/[a-z0-9_]+)+)\}/g;

/** Glob of every Parquet file of a table under a lake folder. */
export function lakeGlob(dir: string, table: string): string {
  return `${dir}/${table}/**/*.parquet`;
}

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The table function that reads a table of the lake folder: the given files, or every Parquet file under it. */
export function readTable(dir: string, table: string, files?: readonly string[]): string {
  const source = files && files.length > 0 ? `[${files.map(sqlString).join(', ')}]` : sqlString(lakeGlob(dir, table));
  return `read_parquet(${source}, hive_partitioning = true, union_by_name = true)`;
}

/** The files of the table's current snapshot in the lake folder `dir`, as paths (the folder's Parquet files when it has no log). */
export async function snapshotFiles(dir: string, table: string): Promise<string[]> {
  return (await liveDataKeys(new FileLakeStore(dir), table)).map((key) => path.join(dir, ...key.split('/')));
}

/** Expands `{table/path}` placeholders into read_parquet calls over the current snapshots in `dir`. */
export async function expandTables(sql: string, dir: string): Promise<string> {
  const tables = [...new Set([...sql.matchAll(TABLE_PLACEHOLDER)].map((m) => m[1]!))];
  const files = new Map(await Promise.all(tables.map(async (table) => [table, await snapshotFiles(dir, table)] as const)));
  return sql.replace(TABLE_PLACEHOLDER, (_, table: string) => readTable(dir, table, files.get(table)));
}

/** Table paths the SQL's placeholders name, as prefixes to copy ('silver/orders/'). */
export function tablesIn(sql: string): string[] {
  return [...new Set([...sql.matchAll(TABLE_PLACEHOLDER)].map((m) => `${m[1]!}/`))];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** DuckDB values as plain JS: BIGINT/HUGEINT as numbers when safe; timestamps as Date; dates as Date. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export interface LakeDb {
  /** The folder the lake (or its copy) is in. */
  readonly dir: string;
  /** Runs SQL (with `{table}` placeholders) and returns rows as plain objects. */
  query(sql: string): Promise<Row[]>;
  /** Column name → DuckDB type (e.g. 'TIMESTAMP WITH TIME ZONE', 'BIGINT') of the SQL's result. */
  columnTypes(sql: string): Promise<Record<string, string>>;
}

class DuckLakeDb implements LakeDb {
  constructor(
    readonly dir: string,
    private readonly connection: DuckDBConnection,
  ) {}

  async query(sql: string): Promise<Row[]> {
    const expanded = await expandTables(sql, this.dir);
    try {
      const reader = await this.connection.runAndReadAll(expanded);
      return reader.getRowObjectsJS().map((row) => plain(row) as Row);
    } catch (error) {
      throw new Error(`DuckDB failed on ${expanded}: ${(error as Error).message}`, { cause: error });
    }
  }

  async columnTypes(sql: string): Promise<Record<string, string>> {
    const rows = await this.query(`DESCRIBE ${sql}`);
    return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
  }
}

/** Opens an in-memory DuckDB over `dir` for the duration of `fn`. */
export async function withDuckDb<T>(dir: string, fn: (db: LakeDb) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await fn(new DuckLakeDb(dir, connection));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Copies every object under the prefixes into `dir`, keeping keys as relative paths. */
export async function downloadLake(config: LakeConfig, prefixes: readonly string[], dir: string): Promise<number> {
  const lake = openLake(config);
  const listAll = async (): Promise<string[]> => [...new Set((await Promise.all(prefixes.map((p) => lake.list(p)))).flat())];
  const copy = async (keys: readonly string[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++]!;
        const bytes = await lake.get(key);
        if (!bytes) continue; // deleted since the listing
        const file = path.join(dir, ...key.split('/'));
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, bytes);
      }
    };
    await Promise.all(Array.from({ length: Math.min(DOWNLOAD_CONCURRENCY, keys.length) }, worker));
  };
  // `_last_checkpoint` is the one object a Delta writer overwrites: copied before the listing the
  // rest comes from, it never names a checkpoint the copy lacks (the committer may be writing one).
  const hints = (await listAll()).filter((key) => key.endsWith('/_delta_log/_last_checkpoint'));
  await copy(hints);
  // One that appeared since is left out: a reader of the copy then finds the checkpoints by listing.
  const keys = (await listAll()).filter((key) => !key.endsWith('/_delta_log/_last_checkpoint'));
  await copy(keys);
  return hints.length + keys.length;
}

/**
 * Runs `fn` with DuckDB over the lake: a file:// lake in place, an s3:// lake copied (only the
 * given prefixes, e.g. ['silver/orders/']) into a temporary folder removed afterwards.
 */
export async function withLakeSnapshot<T>(config: LakeConfig, prefixes: readonly string[], fn: (db: LakeDb, dir: string) => Promise<T>): Promise<T> {
  const location = parseLakeUri(config.LAKE_URI);
  if (location.kind === 'file') {
    await stat(location.root).catch(() => mkdir(location.root, { recursive: true }));
    return withDuckDb(location.root, (db) => fn(db, location.root));
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lake-snapshot-'));
  try {
    await downloadLake(config, prefixes, dir);
    return await withDuckDb(dir, (db) => fn(db, dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One query over the lake: the tables its `{table}` placeholders name are copied if needed. */
export async function queryLake(config: LakeConfig, sql: string): Promise<Row[]> {
  return withLakeSnapshot(config, tablesIn(sql), (db) => db.query(sql));
}
