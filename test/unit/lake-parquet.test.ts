// Every lake table through writeParquet, back through readParquet, and read by an independent
// reader (DuckDB) with the right types and values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { loadConfig } from '../../src/config.ts';
import type { SilverItemRow } from '../../src/domain/rows.ts';
import { CorruptLakeObjectError } from '../../src/lake/errors.ts';
import { customerTotalsKey, silverItemsKey, silverOrdersKey } from '../../src/lake/keys.ts';
import { extendTable, PARQUET_CODEC, readParquet, TABLES, writeParquet, type ColumnSpec, type ColumnType, type TableSpec } from '../../src/lake/parquet.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { readTable, withLakeSnapshot } from '../helpers/duckdb.ts';

/** What DuckDB calls each column type. */
const DUCKDB_TYPES: Record<ColumnType, string> = {
  STRING: 'VARCHAR',
  INT32: 'INTEGER',
  INT64: 'BIGINT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP WITH TIME ZONE',
  DATE: 'DATE',
};

/** A value for row i of a column: edge cases (unicode, negatives, > 2^32, epoch) spread over rows. */
function sampleValue(column: ColumnSpec, i: number): unknown {
  if (column.nullable && i === 1) return null;
  switch (column.type) {
    case 'STRING':
      return [`${column.name}-α ☕ "quoted", comma`, '', `line\nbreak ${i}`][i % 3];
    case 'INT32':
      return [0, -7, 2_147_483_647][i % 3];
    case 'INT64':
      return [0, 2 ** 40 + i, Number.MAX_SAFE_INTEGER][i % 3];
    case 'DOUBLE':
      return [12.34, -0.5, 1e-9 + i][i % 3];
    case 'BOOLEAN':
      return i % 2 === 0;
    case 'TIMESTAMP':
      return [1_740_000_000_123, 0, Date.UTC(2025, 11, 31, 23, 59, 59, 999)][i % 3];
    case 'DATE':
      return ['2025-03-01', '1970-01-01', '2024-02-29'][i % 3];
  }
}

function sampleRows<Row extends object>(table: TableSpec<Row>, count = 3): Row[] {
  return Array.from({ length: count }, (_, i) => Object.fromEntries(table.columns.map((c) => [c.name, sampleValue(c, i)])) as Row);
}

/** A DuckDB value as the writer's input type (timestamps and dates come back as Date). */
function asWritten(type: ColumnType, value: unknown): unknown {
  if (value === null) return null;
  if (type === 'TIMESTAMP') return (value as Date).getTime();
  if (type === 'DATE') return (value as Date).toISOString().slice(0, 10);
  return value;
}

const config = (root: string) => loadConfig({ LAKE_URI: `file://${root}` });

void describe('Parquet encoding of the lake tables', () => {
  let root: string;
  let lake: FileLakeStore;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lake-parquet-'));
    lake = new FileLakeStore(root);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const [name, table] of Object.entries(TABLES) as [string, TableSpec][]) {
    void it(`round-trips ${table.path} (${name}) through writeParquet and readParquet`, async () => {
      const rows = sampleRows(table);
      const back = await readParquet(writeParquet(table, rows));
      assert.deepEqual(back, rows);
    });

    void it(`lets DuckDB read ${table.path} with the declared types, nullability and values`, async () => {
      const rows = sampleRows(table);
      const key = `types/${name}.parquet`;
      await lake.put(key, writeParquet(table, rows));
      await withLakeSnapshot(config(root), [], async (db, dir) => {
        const file = path.join(dir, key);
        const types = await db.columnTypes(`SELECT * FROM read_parquet('${file}')`);
        assert.deepEqual(types, Object.fromEntries(table.columns.map((c) => [c.name, DUCKDB_TYPES[c.type]])));
        const schema = await db.query(`SELECT name, repetition_type FROM parquet_schema('${file}') WHERE name <> 'root'`);
        assert.deepEqual(
          schema.map((s) => [s.name, s.repetition_type]),
          table.columns.map((c) => [c.name, c.nullable ? 'OPTIONAL' : 'REQUIRED']),
        );
        const read = await db.query(`SELECT * FROM read_parquet('${file}')`);
        assert.deepEqual(
          read.map((r) => Object.fromEntries(table.columns.map((c) => [c.name, asWritten(c.type, r[c.name])]))),
          rows,
        );
      });
    });
  }

  void it('stores timestamps as INT64 TIMESTAMP(MILLIS, UTC) that DuckDB reads to the millisecond', async () => {
    const key = 'ts/silver.parquet';
    const [row] = sampleRows(TABLES.silverOrders, 1);
    await lake.put(key, writeParquet(TABLES.silverOrders, [{ ...row, orderTs: Date.UTC(2025, 2, 1, 12, 34, 56, 789) }]));
    await withLakeSnapshot(config(root), [], async (db, dir) => {
      const file = path.join(dir, key);
      const [meta] = await db.query(`SELECT type, logical_type FROM parquet_schema('${file}') WHERE name = 'orderTs'`);
      assert.equal(meta!.type, 'INT64');
      assert.match(String(meta!.logical_type), /TimestampType\(isAdjustedToUTC=1, unit=TimeUnit\(MILLIS/);
      const [got] = await db.query(`SELECT epoch_ms(orderTs) AS ms, strftime(orderTs AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%g') AS utc FROM read_parquet('${file}')`);
      assert.deepEqual(got, { ms: Date.UTC(2025, 2, 1, 12, 34, 56, 789), utc: '2025-03-01 12:34:56.789' });
    });
  });

  void it(`compresses every column chunk with ${PARQUET_CODEC}`, async () => {
    const bytes = writeParquet(TABLES.silverOrders, sampleRows(TABLES.silverOrders, 50));
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const codecs = new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)));
    assert.deepEqual([...codecs], [PARQUET_CODEC]);
  });

  void it('gives the same bytes for the same rows, so a retried write overwrites with identical content', () => {
    for (const table of Object.values(TABLES) as TableSpec[]) {
      const rows = sampleRows(table, 20);
      const first = writeParquet(table, rows);
      const second = writeParquet(table, structuredClone(rows));
      assert.deepEqual(second, first, table.path);
    }
  });

  void it('gives the same bytes in another process, as a retry on another worker would', { timeout: 60_000 }, async () => {
    const rows = sampleRows(TABLES.silverOrders, 50);
    const moduleUrl = pathToFileURL(path.resolve(import.meta.dirname, '../../src/lake/parquet.ts')).href;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { TABLES, writeParquet } = await import(${JSON.stringify(moduleUrl)});
      const { createHash } = await import('node:crypto');
      const rows = JSON.parse(process.argv[1]);
      process.stdout.write(createHash('sha256').update(writeParquet(TABLES.silverOrders, rows)).digest('hex'));
    `, JSON.stringify(rows)], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, createHash('sha256').update(writeParquet(TABLES.silverOrders, rows)).digest('hex'));
  });

  void it('writes a valid file with the full schema when there are no rows', async () => {
    const key = 'empty/fraud_alerts.parquet';
    await lake.put(key, writeParquet(TABLES.fraudAlerts, []));
    assert.deepEqual(await readParquet((await lake.get(key))!), []);
    await withLakeSnapshot(config(root), [], async (db, dir) => {
      const types = await db.columnTypes(`SELECT * FROM read_parquet('${path.join(dir, key)}')`);
      assert.equal(Object.keys(types).length, TABLES.fraudAlerts.columns.length);
    });
  });

  void it('refuses a row with a missing or mistyped value, naming table, row and column', () => {
    const [row] = sampleRows(TABLES.silverOrderItems, 1);
    assert.throws(() => writeParquet(TABLES.silverOrderItems, [{ ...row, quantity: undefined } as never]), /silver\/order_items: row 0 has no value for non-nullable column quantity/);
    assert.throws(() => writeParquet(TABLES.silverOrderItems, [{ ...row, quantity: 1.5 } as never]), /row 0, column quantity \(INT32\)/);
    assert.throws(() => writeParquet(TABLES.silverOrderItems, [{ ...row, orderDate: '1/3/2025' } as never]), /column orderDate \(DATE\)/);
    assert.throws(() => writeParquet(TABLES.silverOrderItems, [{ ...row, orderTs: '2025-03-01' } as never]), /column orderTs \(TIMESTAMP\)/);
  });

  void it('refuses bytes that are not Parquet with a non-retryable error naming the key', async () => {
    await assert.rejects(readParquet(new TextEncoder().encode('PAR1 not really'), { key: 'silver/x.parquet' }), (e: unknown) => e instanceof CorruptLakeObjectError && !e.retryable && e.message.startsWith('silver/x.parquet'));
  });
});

void describe('the lake as DuckDB sees it', () => {
  let root: string;
  let lake: FileLakeStore;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lake-duckdb-'));
    lake = new FileLakeStore(root);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('reads one part per date of a batch as one table, with order_date from the Hive folders', async () => {
    const rows = sampleRows(TABLES.silverOrders, 4).map((r, i) => ({ ...r, orderId: `o-${i}`, orderDate: i < 2 ? '2025-03-01' : '2025-03-02' }));
    for (const date of ['2025-03-01', '2025-03-02']) {
      await lake.put(silverOrdersKey(date, 0, 100, 199), writeParquet(TABLES.silverOrders, rows.filter((r) => r.orderDate === date)));
    }
    await withLakeSnapshot(config(root), [], async (db) => {
      const got = await db.query(`SELECT orderId, CAST(order_date AS VARCHAR) AS folder, CAST(orderDate AS VARCHAR) AS column FROM {silver/orders} ORDER BY orderId`);
      assert.deepEqual(got, rows.map((r) => ({ orderId: r.orderId, folder: r.orderDate, column: r.orderDate })));
    });
  });

  void it('reads files written under an older column set and a newer one together, with union_by_name', async () => {
    interface Discount { discountUsd: number | null; promoCode: string | null }
    const v2 = extendTable<SilverItemRow, Discount>(TABLES.silverOrderItems, { discountUsd: { type: 'DOUBLE', nullable: true }, promoCode: { type: 'STRING', nullable: true } });
    const [base] = sampleRows<SilverItemRow>(TABLES.silverOrderItems, 1);
    await lake.put(silverItemsKey('2025-03-01', 0, 0, 9), writeParquet(TABLES.silverOrderItems, [{ ...base!, orderId: 'old' }]));
    await lake.put(silverItemsKey('2025-03-02', 0, 10, 19), writeParquet(v2, [{ ...base!, orderId: 'new', discountUsd: 2.5, promoCode: 'SPRING' }]));
    await withLakeSnapshot(config(root), [], async (db) => {
      const types = await db.columnTypes('SELECT * FROM {silver/order_items}');
      assert.equal(types.discountUsd, 'DOUBLE');
      assert.equal(types.orderTs, 'TIMESTAMP WITH TIME ZONE');
      const got = await db.query('SELECT orderId, discountUsd, promoCode, quantity FROM {silver/order_items} ORDER BY orderId');
      assert.deepEqual(got, [
        { orderId: 'new', discountUsd: 2.5, promoCode: 'SPRING', quantity: base!.quantity },
        { orderId: 'old', discountUsd: null, promoCode: null, quantity: base!.quantity },
      ]);
    });
  });

  void it('gives the latest state per customer from the customer_totals snapshots in one query', async () => {
    const row = (customerId: string, orders: number, asOfOffset: number, partition: number) => ({
      customerId, orders, items: orders * 2, spendUsd: orders * 10, firstOrderTs: 1_740_000_000_000, lastOrderTs: 1_740_000_000_000 + asOfOffset, segment: 'regular', partition, asOfOffset,
    });
    await lake.put(customerTotalsKey(1, 99), writeParquet(TABLES.customerTotals, [row('c1', 1, 99, 1), row('c2', 3, 99, 1)]));
    await lake.put(customerTotalsKey(1, 199), writeParquet(TABLES.customerTotals, [row('c1', 2, 199, 1)]));
    await lake.put(customerTotalsKey(2, 49), writeParquet(TABLES.customerTotals, [row('c3', 5, 49, 2)]));
    await withLakeSnapshot(config(root), [], async (db) => {
      const latest = await db.query(`
        SELECT customerId, orders FROM {gold/customer_totals}
        QUALIFY row_number() OVER (PARTITION BY customerId ORDER BY asOfOffset DESC) = 1
        ORDER BY customerId`);
      assert.deepEqual(latest, [{ customerId: 'c1', orders: 2 }, { customerId: 'c2', orders: 3 }, { customerId: 'c3', orders: 5 }]);
    });
  });

  void it('builds read_parquet calls with Hive partitions and union_by_name for a table', () => {
    assert.equal(readTable('/l', 'silver/orders'), "read_parquet('/l/silver/orders/**/*.parquet', hive_partitioning = true, union_by_name = true)");
  });
});
