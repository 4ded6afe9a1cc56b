// One TableSpec per lake table (docs/contract.md §2): column name, Parquet type and nullability, in file
// order. The specs are checked against the row types of src/domain/rows.ts at compile time: every
// field of the row needs a column of a compatible type, a nullable field needs a nullable column,
// and no column may name a field the row does not have. Add columns at the end, never rename.
import type {
  BronzeRow,
  CategoryTotalsRow,
  CityOrdersRow,
  CountryRevenueRow,
  CustomerTotalsRow,
  DqMetricRow,
  FraudAlertRow,
  HighValueOrdersDailyRow,
  PaymentMethodDailyRow,
  QuarantineRow,
  SalesByCategoryMinuteRow,
  SilverItemRow,
  SilverOrderRow,
} from '../domain/rows.ts';
import { goldTablePath, TABLE_PATHS } from './keys.ts';

/**
 * Column types and how they are stored:
 * STRING → BYTE_ARRAY (UTF8); INT32/INT64 → signed integers (INT64 read back as number when safe);
 * DOUBLE; BOOLEAN; TIMESTAMP → INT64 TIMESTAMP(MILLIS, UTC) from ms numbers (DuckDB: TIMESTAMPTZ);
 * DATE → INT32 DATE from 'YYYY-MM-DD' strings (read back as the same strings).
 */
export type ColumnType = 'STRING' | 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' | 'DATE';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

export interface TableSpec<Row extends object = object> {
  /** Folder of the table under the lake root, e.g. 'silver/orders'. */
  readonly path: string;
  readonly columns: readonly ColumnSpec[];
  /** Type only (never set): the row type the spec was derived from. */
  readonly rowType?: Row;
}

type TypesFor<V> = [V] extends [number] ? 'INT32' | 'INT64' | 'DOUBLE' | 'TIMESTAMP'
  : [V] extends [string] ? 'STRING' | 'DATE'
  : [V] extends [boolean] ? 'BOOLEAN'
  : never;

/** A column definition: its type, or `{ type, nullable: true }` exactly when the field admits null. */
export type ColumnDef<V> = null extends V ? { type: TypesFor<NonNullable<V>>; nullable: true } : TypesFor<V>;

export type ColumnDefs<Row extends object> = { readonly [K in keyof Row]-?: ColumnDef<Row[K]> };

/** Builds a TableSpec from one definition per row field, in the order written. */
export function defineTable<Row extends object>(path: string, defs: ColumnDefs<Row>): TableSpec<Row> {
  const columns = Object.entries(defs).map(([name, def]) => {
    if (typeof def === 'string') return { name, type: def as ColumnType, nullable: false };
    return { name, type: (def as { type: ColumnType }).type, nullable: true };
  });
  return { path, columns };
}

/**
 * A later version of a table with columns appended (schema evolution): older files keep the old
 * column set and readers combine them with `union_by_name`. Added columns must be nullable
 * or the old files would break NOT NULL expectations of readers.
 */
export function extendTable<Row extends object, Extra extends object>(
  base: TableSpec<Row>,
  extra: ColumnDefs<Extra>,
): TableSpec<Row & Extra> {
  const added = defineTable<Extra>(base.path, extra).columns;
  const clash = added.find((c) => base.columns.some((b) => b.name === c.name));
  if (clash) throw new RangeError(`column ${clash.name} already exists in ${base.path}`);
  return { path: base.path, columns: [...base.columns, ...added] } as TableSpec<Row & Extra>;
}

export const TABLES = {
  bronzeOrders: defineTable<BronzeRow>(TABLE_PATHS.bronzeOrders, {
    orderId: 'STRING',
    customerId: 'STRING',
    orderTs: 'TIMESTAMP',
    orderDate: 'DATE',
    schemaVersion: 'INT32',
    partition: 'INT32',
    offset: 'INT64',
    kafkaTs: 'TIMESTAMP',
    payload: 'STRING',
    duplicate: 'BOOLEAN',
  }),
  silverOrders: defineTable<SilverOrderRow>(TABLE_PATHS.silverOrders, {
    orderId: 'STRING',
    customerId: 'STRING',
    orderTs: 'TIMESTAMP',
    orderDate: 'DATE',
    totalAmount: 'DOUBLE',
    totalAmountUsd: 'DOUBLE',
    paymentMethod: 'STRING',
    paymentStatus: 'STRING',
    orderStatus: 'STRING',
    message: 'STRING',
    shippingStreet: 'STRING',
    city: 'STRING',
    country: 'STRING',
    lat: { type: 'DOUBLE', nullable: true },
    lon: { type: 'DOUBLE', nullable: true },
    itemCount: 'INT32',
    schemaVersion: 'INT32',
    partition: 'INT32',
    offset: 'INT64',
    kafkaTs: 'TIMESTAMP',
    customerName: 'STRING',
    customerSegment: 'STRING',
    customerAgeBand: 'STRING',
    homeCity: 'STRING',
    homeCountry: 'STRING',
    distanceFromHomeKm: { type: 'DOUBLE', nullable: true },
    shipsToHome: 'BOOLEAN',
  }),
  silverOrderItems: defineTable<SilverItemRow>(TABLE_PATHS.silverOrderItems, {
    orderId: 'STRING',
    customerId: 'STRING',
    orderTs: 'TIMESTAMP',
    orderDate: 'DATE',
    productId: 'STRING',
    productName: 'STRING',
    category: 'STRING',
    quantity: 'INT32',
    unitPriceUsd: 'DOUBLE',
    lineAmountUsd: 'DOUBLE',
  }),
  quarantineOrders: defineTable<QuarantineRow>(TABLE_PATHS.quarantineOrders, {
    partition: 'INT32',
    offset: 'INT64',
    kafkaTs: 'TIMESTAMP',
    reason: 'STRING',
    raw: 'STRING',
  }),
  customerTotals: defineTable<CustomerTotalsRow>(TABLE_PATHS.customerTotals, {
    customerId: 'STRING',
    orders: 'INT64',
    items: 'INT64',
    spendUsd: 'DOUBLE',
    firstOrderTs: 'TIMESTAMP',
    lastOrderTs: 'TIMESTAMP',
    segment: 'STRING',
    partition: 'INT32',
    asOfOffset: 'INT64',
  }),
  salesByCategoryMinute: defineTable<SalesByCategoryMinuteRow>(TABLE_PATHS.salesByCategoryMinute, {
    minute: 'TIMESTAMP',
    category: 'STRING',
    orders: 'INT64',
    items: 'INT64',
    revenueUsd: 'DOUBLE',
    batchId: 'STRING',
  }),
  fraudAlerts: defineTable<FraudAlertRow>(TABLE_PATHS.fraudAlerts, {
    alertId: 'STRING',
    customerId: 'STRING',
    ruleId: 'STRING',
    severity: 'STRING',
    windowStart: 'TIMESTAMP',
    windowEnd: 'TIMESTAMP',
    orderIds: 'STRING',
    score: 'DOUBLE',
    evidence: 'STRING',
    batchId: 'STRING',
    // Added with alerts that span batches (issue 18); nullable, so older parts still read.
    openedAt: { type: 'TIMESTAMP', nullable: true },
    mails: { type: 'STRING', nullable: true },
    asOfOffset: { type: 'INT64', nullable: true },
  }),
  dqMetrics: defineTable<DqMetricRow>(TABLE_PATHS.dqMetrics, {
    batchId: 'STRING',
    check: 'STRING',
    field: 'STRING',
    count: 'INT64',
    total: 'INT64',
    breached: 'BOOLEAN',
    rate: 'DOUBLE',
    maxRate: 'DOUBLE',
    detail: 'STRING',
  }),
  categoryTotals: defineTable<CategoryTotalsRow>(TABLE_PATHS.categoryTotals, {
    category: 'STRING',
    orders: 'INT64',
    items: 'INT64',
    revenueUsd: 'DOUBLE',
    partition: 'INT32',
    asOfOffset: 'INT64',
  }),
  cityOrders: defineTable<CityOrdersRow>(TABLE_PATHS.cityOrders, {
    city: 'STRING',
    country: 'STRING',
    orders: 'INT64',
    revenueUsd: 'DOUBLE',
    batchId: 'STRING',
  }),
  countryRevenue: defineTable<CountryRevenueRow>(TABLE_PATHS.countryRevenue, {
    country: 'STRING',
    orders: 'INT64',
    revenueUsd: 'DOUBLE',
    batchId: 'STRING',
  }),
  paymentMethodDaily: defineTable<PaymentMethodDailyRow>(TABLE_PATHS.paymentMethodDaily, {
    orderDate: 'DATE',
    paymentMethod: 'STRING',
    orders: 'INT64',
    revenueUsd: 'DOUBLE',
    batchId: 'STRING',
  }),
  highValueOrdersDaily: defineTable<HighValueOrdersDailyRow>(TABLE_PATHS.highValueOrdersDaily, {
    orderDate: 'DATE',
    highValueOrders: 'INT64',
    highValueRevenueUsd: 'DOUBLE',
    orders: 'INT64',
    thresholdUsd: 'DOUBLE',
    batchId: 'STRING',
  }),
} as const;

/** A TableSpec for a gold table added later (the shop's reports): `gold/<table>`. */
export function defineGoldTable<Row extends object>(table: string, defs: ColumnDefs<Row>): TableSpec<Row> {
  return defineTable<Row>(goldTablePath(table), defs);
}
