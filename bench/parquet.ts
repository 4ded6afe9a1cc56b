// Parquet library benchmark: write and read back N silver order rows (default 100,000) with
// - hyparquet-writer + hyparquet through src/lake/parquet.ts (the lake's real path), Snappy and Zstd
//   (Zstd through node:zlib);
// - parquet-wasm + apache-arrow (rows → Arrow vectors → IPC → wasm → Parquet and back), when installed.
// Every file written is also read by DuckDB (count and a checksum of one column) to prove it is
// valid Parquet for an independent reader. Figures: docs/benchmarks-parquet.md.
//
//   npx tsx bench/parquet.ts [rows]        (or `npm run bench`, which calls runParquetBench)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SilverOrderRow } from '../src/domain/rows.ts';
import { readParquet, TABLES, writeParquet } from '../src/lake/parquet.ts';

export interface ParquetBenchFigure {
  library: string;
  codec: string;
  rows: number;
  /** Median of the timed runs, ms: rows → Parquet bytes. */
  writeMs: number;
  /** Median of the timed runs, ms: Parquet bytes → plain row objects (numbers for timestamps and INT64). */
  readMs: number;
  bytes: number;
  /** Rows DuckDB counted in the file: equals `rows` when the file is readable by an independent reader. */
  duckdbRows: number;
  /** True when DuckDB's sum of totalAmountUsd over the file matches the input's. */
  duckdbSumMatches: boolean;
}

export interface ParquetBenchResult {
  node: string;
  rows: number;
  runs: number;
  /** 1-minute load average at the end and the CPU count: the figures depend on both. */
  loadAverage: number;
  cpus: number;
  figures: ParquetBenchFigure[];
  /** Contenders that could not run (for example not installed), with the reason. */
  skipped: { library: string; reason: string }[];
}

const CITIES = ['Lisbon', 'Porto', 'Berlin', 'Paris', 'Madrid', 'Rome', 'Unknown'];
const METHODS = ['card', 'paypal', 'bank_transfer', 'crypto'];

/** Deterministic pseudo-random silver rows (mulberry32), shaped like the enrich stage's output. */
export function sampleSilverRows(count: number, seed = 42): SilverOrderRow[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const rows: SilverOrderRow[] = [];
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i++) {
    const orderTs = start + Math.floor(random() * 30 * 86_400_000);
    const city = pick(CITIES);
    const known = city !== 'Unknown';
    const total = Math.round(random() * 50_000) / 100;
    rows.push({
      orderId: `ord-${(i + 1).toString().padStart(8, '0')}`,
      customerId: `cust-${1 + Math.floor(random() * 1000)}`,
      orderTs,
      orderDate: new Date(orderTs).toISOString().slice(0, 10),
      totalAmount: total,
      totalAmountUsd: Math.round(total * 108) / 100,
      paymentMethod: pick(METHODS),
      paymentStatus: pick(['paid', 'pending', 'failed']),
      orderStatus: pick(['created', 'shipped', 'delivered', 'cancelled']),
      message: random() < 0.3 ? `Please deliver after ${Math.floor(random() * 12) + 1} pm` : '',
      shippingStreet: `${Math.floor(random() * 200) + 1} Rua ${pick(['Augusta', 'do Ouro', 'da Prata', 'Garrett'])}`,
      city,
      country: known ? pick(['PT', 'DE', 'FR', 'ES', 'IT']) : 'Unknown',
      lat: known ? Math.round((35 + random() * 20) * 1e6) / 1e6 : null,
      lon: known ? Math.round((-9 + random() * 20) * 1e6) / 1e6 : null,
      itemCount: 1 + Math.floor(random() * 6),
      schemaVersion: 1 + Math.floor(random() * 3),
      partition: i % 6,
      offset: Math.floor(i / 6),
      kafkaTs: orderTs + Math.floor(random() * 2000),
      customerName: `Customer ${Math.floor(random() * 1000)}`,
      customerSegment: pick(['new', 'regular', 'vip']),
      customerAgeBand: pick(['18-24', '25-34', '35-44', '45-54', '55+']),
      homeCity: pick(CITIES.slice(0, -1)),
      homeCountry: pick(['PT', 'DE', 'FR', 'ES', 'IT']),
      distanceFromHomeKm: known ? Math.round(random() * 3_000_00) / 100 : null,
      shipsToHome: random() < 0.7,
    });
  }
  return rows;
}

interface Contender {
  library: string;
  codec: string;
  write(rows: SilverOrderRow[]): Uint8Array;
  read(bytes: Uint8Array): Promise<Record<string, unknown>[]> | Record<string, unknown>[];
}

/** The parts of apache-arrow and parquet-wasm the bench uses (loaded only when installed). */
interface ArrowModule {
  vectorFromArray(values: readonly unknown[], type: unknown): unknown;
  makeTable?: unknown;
  Table: new (columns: Record<string, unknown>) => { numRows: number; toArray(): { toJSON(): Record<string, unknown> }[] };
  tableToIPC(table: unknown, type: 'stream'): Uint8Array;
  tableFromIPC(bytes: Uint8Array): { numRows: number; toArray(): { toJSON(): Record<string, unknown> }[] };
  Utf8: new () => unknown;
  Int32: new () => unknown;
  Int64: new () => unknown;
  Float64: new () => unknown;
  Bool: new () => unknown;
  DateDay: new () => unknown;
  TimestampMillisecond: new (timezone?: string | null) => unknown;
}
interface WasmTable {
  intoIPCStream(): Uint8Array;
  free(): void;
}
interface WasmPropertiesBuilder {
  setCompression(codec: number): WasmPropertiesBuilder;
  setMaxRowGroupSize(rows: number): WasmPropertiesBuilder;
  build(): unknown;
}
interface ParquetWasmModule {
  Table: { fromIPCStream(bytes: Uint8Array): WasmTable };
  writeParquet(table: WasmTable, properties?: unknown): Uint8Array;
  readParquet(bytes: Uint8Array): WasmTable;
  WriterPropertiesBuilder: new () => WasmPropertiesBuilder;
  Compression: Record<string, number>;
}

async function importOptional<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch {
    return undefined;
  }
}

async function parquetWasmContenders(skipped: ParquetBenchResult['skipped']): Promise<Contender[]> {
  const arrow = await importOptional<ArrowModule>('apache-arrow');
  const wasm = await importOptional<ParquetWasmModule>('parquet-wasm');
  if (!arrow || !wasm) {
    skipped.push({ library: 'parquet-wasm + apache-arrow', reason: 'not installed (npm install --save-exact parquet-wasm apache-arrow to compare)' });
    return [];
  }
  const typeOf = (type: string): unknown => {
    switch (type) {
      case 'STRING': return new arrow.Utf8();
      case 'INT32': return new arrow.Int32();
      case 'INT64': return new arrow.Int64();
      case 'DOUBLE': return new arrow.Float64();
      case 'BOOLEAN': return new arrow.Bool();
      case 'DATE': return new arrow.DateDay();
      case 'TIMESTAMP': return new arrow.TimestampMillisecond('UTC');
      default: throw new Error(`no Arrow type for ${type}`);
    }
  };
  const toArrowTable = (rows: SilverOrderRow[]) => {
    const vectors: Record<string, unknown> = {};
    for (const column of TABLES.silverOrders.columns) {
      const values = rows.map((row) => {
        const value = (row as unknown as Record<string, unknown>)[column.name];
        if (value === null) return null;
        if (column.type === 'INT64') return BigInt(value as number);
        if (column.type === 'DATE') return new Date(`${value as string}T00:00:00Z`);
        return value;
      });
      vectors[column.name] = arrow.vectorFromArray(values, typeOf(column.type));
    }
    return new arrow.Table(vectors);
  };
  const contender = (codecName: 'SNAPPY' | 'ZSTD'): Contender => ({
    library: 'parquet-wasm 0.8 + apache-arrow 21',
    codec: codecName,
    write(rows) {
      const ipc = arrow.tableToIPC(toArrowTable(rows), 'stream');
      const table = wasm.Table.fromIPCStream(ipc);
      const properties = new wasm.WriterPropertiesBuilder()
        .setCompression(wasm.Compression[codecName]!)
        .setMaxRowGroupSize(100_000)
        .build();
      return wasm.writeParquet(table, properties);
    },
    read(bytes) {
      const table = arrow.tableFromIPC(wasm.readParquet(bytes).intoIPCStream());
      return table.toArray().map((row) => {
        const plain = row.toJSON();
        for (const name in plain) {
          const value = plain[name];
          if (typeof value === 'bigint') plain[name] = Number(value);
        }
        return plain;
      });
    },
  });
  return [contender('SNAPPY'), contender('ZSTD')];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function checkWithDuckDb(bytes: Uint8Array, expectedSum: number): Promise<{ rows: number; sumMatches: boolean }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parquet-bench-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const file = path.join(dir, 'silver.parquet');
    await writeFile(file, bytes);
    const reader = await connection.runAndReadAll(`SELECT count(*) AS n, sum(totalAmountUsd) AS s FROM read_parquet('${file}')`);
    const [row] = reader.getRowObjectsJS();
    return { rows: Number(row!.n), sumMatches: Math.abs(Number(row!.s) - expectedSum) < 1e-6 * Math.max(1, Math.abs(expectedSum)) };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs every contender `runs` times on the same rows (after one warm-up) and returns the figures. */
export async function runParquetBench(options: { rows?: number; runs?: number; log?: (line: string) => void } = {}): Promise<ParquetBenchResult> {
  const { rows: rowCount = 100_000, runs = 5, log = () => undefined } = options;
  const rows = sampleSilverRows(rowCount);
  const expectedSum = rows.reduce((sum, row) => sum + row.totalAmountUsd, 0);
  const skipped: ParquetBenchResult['skipped'] = [];
  const contenders: Contender[] = [
    ...(['SNAPPY', 'ZSTD'] as const).map((codec) => ({
      library: 'hyparquet-writer 0.17 + hyparquet 1.31',
      codec,
      write: (r: SilverOrderRow[]) => writeParquet(TABLES.silverOrders, r, { codec }),
      read: (b: Uint8Array) => readParquet(b),
    })),
    ...(await parquetWasmContenders(skipped)),
  ];
  // Warm up every contender, then time them round-robin, so that a change in machine load
  // during the run affects all of them alike.
  const state = [] as { contender: Contender; bytes: Uint8Array; writeTimes: number[]; readTimes: number[] }[];
  for (const contender of contenders) {
    const bytes = contender.write(rows);
    const readBack = await contender.read(bytes);
    if (readBack.length !== rowCount) throw new Error(`${contender.library} read ${readBack.length} rows, wrote ${rowCount}`);
    state.push({ contender, bytes, writeTimes: [], readTimes: [] });
  }
  for (let run = 0; run < runs; run++) {
    for (const entry of state) {
      let t0 = performance.now();
      entry.bytes = entry.contender.write(rows);
      entry.writeTimes.push(performance.now() - t0);
      t0 = performance.now();
      await entry.contender.read(entry.bytes);
      entry.readTimes.push(performance.now() - t0);
    }
  }
  const figures: ParquetBenchFigure[] = [];
  for (const { contender, bytes, writeTimes, readTimes } of state) {
    const duck = await checkWithDuckDb(bytes, expectedSum);
    const figure: ParquetBenchFigure = {
      library: contender.library,
      codec: contender.codec,
      rows: rowCount,
      writeMs: Math.round(median(writeTimes)),
      readMs: Math.round(median(readTimes)),
      bytes: bytes.byteLength,
      duckdbRows: duck.rows,
      duckdbSumMatches: duck.sumMatches,
    };
    figures.push(figure);
    log(`${figure.library} [${figure.codec}]: write ${figure.writeMs} ms, read ${figure.readMs} ms, ${(figure.bytes / 1e6).toFixed(2)} MB, DuckDB rows ${figure.duckdbRows}${figure.duckdbSumMatches ? '' : ' (SUM MISMATCH)'}`);
  }
  return { node: process.version, rows: rowCount, runs, loadAverage: os.loadavg()[0]!, cpus: os.cpus().length, figures, skipped };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = Number(process.argv[2] ?? 100_000);
  const result = await runParquetBench({ rows, log: (line) => console.log(line) });
  for (const s of result.skipped) console.log(`skipped ${s.library}: ${s.reason}`);
  console.log(JSON.stringify(result, null, 2));
}
