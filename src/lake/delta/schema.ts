// A lake table as a Delta table: its schema (from the TableSpec of src/lake/tables.ts) and its
// partition columns (the Hive folders of its keys, src/lake/keys.ts). Pure.
import { TABLES, type ColumnType, type TableSpec } from '../tables.ts';

/** A partition column taken from the folder names: `order_date=2026-11-28`, `partition=3`. */
export interface PartitionColumn {
  name: string;
  type: ColumnType;
}

const ORDER_DATE: PartitionColumn = { name: 'order_date', type: 'DATE' };
const BATCH_DATE: PartitionColumn = { name: 'batch_date', type: 'DATE' };
const PARTITION: PartitionColumn = { name: 'partition', type: 'INT32' };

/**
 * The folder layout of each table (keys.ts): dated parts under `order_date=`, quality figures
 * under `batch_date=`, per-partition tables under `partition=` (a column of their rows as well).
 */
const PARTITIONING: Record<string, readonly PartitionColumn[]> = {
  'quarantine/orders': [PARTITION],
  'gold/customer_totals': [PARTITION],
  'gold/category_totals': [PARTITION],
  'gold/dq_metrics': [BATCH_DATE],
};

export interface DeltaTable {
  spec: TableSpec;
  partitionColumns: readonly PartitionColumn[];
}

/** Every lake table that is a Delta table, by its folder. */
export const DELTA_TABLES: ReadonlyMap<string, DeltaTable> = new Map(
  Object.values(TABLES).map((spec: TableSpec) => [spec.path, { spec, partitionColumns: PARTITIONING[spec.path] ?? [ORDER_DATE] }]),
);

/** The table a lake key belongs to (its longest table folder that prefixes it); undefined for keys outside the tables. */
export function deltaTableOfKey(key: string): DeltaTable | undefined {
  const parts = key.split('/');
  for (let n = parts.length - 1; n >= 1; n--) {
    const table = DELTA_TABLES.get(parts.slice(0, n).join('/'));
    if (table) return table;
  }
  return undefined;
}

const DELTA_TYPE: Record<ColumnType, string> = {
  STRING: 'string',
  INT32: 'integer',
  INT64: 'long',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
  TIMESTAMP: 'timestamp',
  DATE: 'date',
};

/**
 * The table's schema as the protocol's JSON: the spec's columns in file order, then the
 * partition columns that are not columns of the rows (nullable: a reader adds them from the log).
 */
export function schemaStringOf(table: DeltaTable): string {
  const fields = table.spec.columns.map((c) => ({ name: c.name, type: DELTA_TYPE[c.type], nullable: c.nullable, metadata: {} }));
  for (const p of table.partitionColumns) {
    if (!table.spec.columns.some((c) => c.name === p.name)) fields.push({ name: p.name, type: DELTA_TYPE[p.type], nullable: true, metadata: {} });
  }
  return JSON.stringify({ type: 'struct', fields });
}

/**
 * The partition values of a data file from its key (`…/order_date=2026-11-28/part-…`), as the
 * protocol writes them (strings). Throws a RangeError when a partition folder is missing.
 */
export function partitionValuesOf(table: DeltaTable, key: string): Record<string, string> {
  const folders = new Map<string, string>();
  for (const segment of key.slice(table.spec.path.length + 1).split('/').slice(0, -1)) {
    const eq = segment.indexOf('=');
    if (eq > 0) folders.set(segment.slice(0, eq), decodeURIComponent(segment.slice(eq + 1)));
  }
  const values: Record<string, string> = {};
  for (const p of table.partitionColumns) {
    const value = folders.get(p.name);
    if (value === undefined) throw new RangeError(`${key} has no ${p.name}= folder, a partition column of ${table.spec.path}`);
    values[p.name] = value;
  }
  return values;
}
