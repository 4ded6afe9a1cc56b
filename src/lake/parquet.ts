// Parquet encoding of lake rows, with hyparquet-writer (write) and hyparquet (read): chosen by
// bench/parquet.ts, figures in docs/benchmarks-parquet.md.
//
// Same rows in, same bytes out: the writer puts no clock or random id in the file, the codec and
// row-group size are fixed here, and `created_by` is a constant. So a retried activity overwrites
// a part with identical bytes.
import { parquetMetadata, parquetReadObjects, type SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { CorruptLakeObjectError } from './errors.ts';
import type { ColumnSpec, ColumnType, TableSpec } from './tables.ts';

export { TABLES, defineTable, defineGoldTable, extendTable, type ColumnSpec, type ColumnType, type TableSpec } from './tables.ts';

export type ParquetCodec = 'SNAPPY' | 'ZSTD';
/** Compression of every column: Zstd (node:zlib) wrote faster and 30% smaller than Snappy here (docs/benchmarks-parquet.md); DuckDB, Arrow, Spark and Athena read it. */
export const PARQUET_CODEC: ParquetCodec = 'ZSTD';

// Zstd comes with Node (node:zlib); hyparquet brings its own Snappy.
const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdCompressSync(input)) };
const decompressors = {
  ZSTD: (input: Uint8Array, outputLength: number) => new Uint8Array(zstdDecompressSync(input, { maxOutputLength: Math.max(outputLength, 1) })),
};
/** Rows per row group: lake parts are one batch (≤ a few thousand rows), so usually one group. */
export const PARQUET_ROW_GROUP_ROWS = 100_000;
/** `created_by` in the footer; constant so that bytes do not depend on who wrote them. */
export const PARQUET_CREATED_BY = 'streaming-orders lake (hyparquet-writer)';

const DAY_MS = 86_400_000;

function schemaElement(column: ColumnSpec): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = column.name;
  switch (column.type) {
    case 'STRING':
      return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'INT32':
      return { name, repetition_type, type: 'INT32' };
    case 'INT64':
      return { name, repetition_type, type: 'INT64' };
    case 'DOUBLE':
      return { name, repetition_type, type: 'DOUBLE' };
    case 'BOOLEAN':
      return { name, repetition_type, type: 'BOOLEAN' };
    case 'TIMESTAMP':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
    case 'DATE':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
  }
}

/** The Parquet schema of a table: a root element followed by one element per column. */
export function parquetSchemaOf(table: TableSpec): SchemaElement[] {
  return [{ name: 'root', num_children: table.columns.length }, ...table.columns.map(schemaElement)];
}

/** Days since the epoch of a 'YYYY-MM-DD' date (a batch has few distinct dates: cached). */
const daysCache = new Map<string, number>();
function daysOf(date: string): number {
  const cached = daysCache.get(date);
  if (cached !== undefined) return cached;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) throw new TypeError(`expected a YYYY-MM-DD date, got ${JSON.stringify(date)}`);
  if (daysCache.size > 10_000) daysCache.clear();
  daysCache.set(date, ms / DAY_MS);
  return ms / DAY_MS;
}

/** Converts one value to what the writer stores for its type; throws TypeError on a mismatch. */
function toStored(type: ColumnType, value: unknown): unknown {
  switch (type) {
    case 'STRING':
      if (typeof value !== 'string') throw new TypeError(`expected a string, got ${typeof value}`);
      return value;
    case 'INT32':
      if (!Number.isInteger(value) || (value as number) < -2_147_483_648 || (value as number) > 2_147_483_647) throw new TypeError(`expected a 32-bit integer, got ${String(value)}`);
      return value;
    case 'INT64':
    case 'TIMESTAMP':
      if (typeof value === 'bigint') return value;
      if (!Number.isSafeInteger(value)) throw new TypeError(`expected a safe integer${type === 'TIMESTAMP' ? ' (ms since the epoch)' : ''}, got ${String(value)}`);
      return BigInt(value as number);
    case 'DOUBLE':
      if (typeof value !== 'number') throw new TypeError(`expected a number, got ${typeof value}`);
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw new TypeError(`expected a boolean, got ${typeof value}`);
      return value;
    case 'DATE':
      if (typeof value !== 'string') throw new TypeError(`expected a YYYY-MM-DD string, got ${typeof value}`);
      return daysOf(value);
  }
}

function columnData(table: TableSpec, column: ColumnSpec, rows: readonly object[]): ColumnSource {
  const data = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = (rows[i] as Record<string, unknown>)[column.name];
    if (value === null || value === undefined) {
      if (!column.nullable) throw new TypeError(`${table.path}: row ${i} has no value for non-nullable column ${column.name}`);
      data[i] = null;
      continue;
    }
    try {
      data[i] = toStored(column.type, value);
    } catch (error) {
      throw new TypeError(`${table.path}: row ${i}, column ${column.name} (${column.type}): ${(error as Error).message}`);
    }
  }
  return { name: column.name, data: data as ColumnSource['data'], nullable: column.nullable };
}

/**
 * The rows as one Parquet file with the table's schema. Fields not in the spec are ignored;
 * a missing value in a non-nullable column, or a value of the wrong type, throws a TypeError
 * naming the table, row and column (a bug, not bad input: callers build rows from their types).
 */
export function writeParquet<Row extends object>(table: TableSpec<Row>, rows: readonly Row[], options: { codec?: ParquetCodec } = {}): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: table.columns.map((column) => columnData(table, column, rows)),
    schema: parquetSchemaOf(table),
    codec: options.codec ?? PARQUET_CODEC,
    compressors,
    rowGroupSize: PARQUET_ROW_GROUP_ROWS,
    createdBy: PARQUET_CREATED_BY,
  });
  return new Uint8Array(buffer);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const isoDate = (days: number): string => new Date(days * DAY_MS).toISOString().slice(0, 10);

/**
 * The rows of a Parquet file as plain objects, the inverse of writeParquet: timestamps as ms
 * numbers, dates as 'YYYY-MM-DD', INT64 as numbers (bigint only beyond 2^53), nulls as null.
 * Reads files of other writers too. Throws CorruptLakeObjectError when the bytes are not Parquet.
 */
export async function readParquet(bytes: Uint8Array, options: { key?: string } = {}): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Record<string, unknown>[];
  let int64Columns: string[];
  try {
    const metadata = parquetMetadata(file);
    // Plain INT64 columns come back as bigint: turn them into numbers below (timestamps are
    // handled by the parsers, which see every INT64 timestamp value).
    int64Columns = metadata.schema
      .filter((element) => element.type === 'INT64' && element.converted_type === undefined && element.logical_type?.type !== 'TIMESTAMP' && element.num_children === undefined)
      .map((element) => element.name);
    rows = await parquetReadObjects({
      file,
      metadata,
      compressors: decompressors,
      parsers: {
        timestampFromMilliseconds: (ms: bigint) => Number(ms),
        timestampFromMicroseconds: (us: bigint) => Number(us / 1000n),
        timestampFromNanoseconds: (ns: bigint) => Number(ns / 1_000_000n),
        dateFromDays: isoDate,
      },
    });
  } catch (cause) {
    throw new CorruptLakeObjectError(`not a readable Parquet file (${(cause as Error).message})`, { key: options.key, cause });
  }
  for (const name of int64Columns) {
    for (const row of rows) {
      const value = row[name];
      if (typeof value === 'bigint' && value <= MAX_SAFE && value >= MIN_SAFE) row[name] = Number(value);
    }
  }
  return rows;
}
