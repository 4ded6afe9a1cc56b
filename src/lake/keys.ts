// Deterministic object keys of the lake (docs/design.md §5). Every key is a pure function of the batch
// (partition, start and end offset) or of the thing it names, so a retried activity overwrites the
// same object instead of adding a second one. Keys are relative to the lake root (LAKE_URI).
//
// Offsets in names are zero-padded to OFFSET_DIGITS so that lexical order (the order S3 and
// `ls` list keys in) is numeric order: the newest checkpoint of a partition is the last key
// listed under its prefix.
import { createHash } from 'node:crypto';

/** Digits of a zero-padded offset: Kafka offsets are signed 64-bit, at most 19 digits. */
export const OFFSET_DIGITS = 20;

/** Where each table lives under the lake root. Gold tables added later use `goldTablePath`. */
export const TABLE_PATHS = {
  bronzeOrders: 'bronze/orders',
  silverOrders: 'silver/orders',
  silverOrderItems: 'silver/order_items',
  quarantineOrders: 'quarantine/orders',
  customerTotals: 'gold/customer_totals',
  salesByCategoryMinute: 'gold/sales_by_category_minute',
  fraudAlerts: 'gold/fraud_alerts',
  dqMetrics: 'gold/dq_metrics',
  categoryTotals: 'gold/category_totals',
  cityOrders: 'gold/city_orders',
  countryRevenue: 'gold/country_revenue',
  paymentMethodDaily: 'gold/payment_method_daily',
  highValueOrdersDaily: 'gold/high_value_orders_daily',
} as const;
export type TableName = keyof typeof TABLE_PATHS;

export const RAW_ORDERS_PATH = 'raw/orders';
export const STATE_PATH = 'state';
export const ALERT_SENT_PATH = 'alerts/sent';
export const DLQ_REDRIVEN_PATH = 'dlq/redriven';

const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const GOLD_TABLE_PATTERN = /^[a-z][a-z0-9_]*$/;

function checkOffset(what: string, offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${offset}`);
}

function checkPartition(partition: number): void {
  if (!Number.isSafeInteger(partition) || partition < 0) throw new RangeError(`partition must be a non-negative integer, got ${partition}`);
}

function checkRange(start: number, end: number): void {
  checkOffset('start offset', start);
  checkOffset('end offset', end);
  if (end < start) throw new RangeError(`end offset ${end} is before start offset ${start}`);
}

function checkDate(date: string): void {
  if (!DATE_PATTERN.test(date)) throw new RangeError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
}

/** An offset as it appears in object names: 20 digits, zero-padded. */
export function padOffset(offset: number): string {
  checkOffset('offset', offset);
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

/** `<start>-<end>` of a batch, both padded. */
function rangeName(start: number, end: number): string {
  checkRange(start, end);
  return `${padOffset(start)}-${padOffset(end)}`;
}

/**
 * A backfill's tag (docs/design.md §12, "Backfill"): a backfill writes the parts it re-derives under
 * new names, `….backfill-<tag>.parquet`, because a Delta table's data files never change once a
 * version names them. The tag is derived from the backfill's run (`backfillRewriteTag`), so a
 * retried activity writes the same key and a second backfill over the same day writes new ones.
 */
const REWRITE_TAG = /^[0-9a-z]{1,32}$/;

function checkRewrite(rewrite: string | undefined): void {
  if (rewrite !== undefined && !REWRITE_TAG.test(rewrite)) throw new RangeError(`backfill tag must be 1-32 lower-case letters or digits, got ${JSON.stringify(rewrite)}`);
}

/** `.backfill-<tag>` for a backfill's part, nothing for the stream's. */
function rewriteSuffix(rewrite: string | undefined): string {
  checkRewrite(rewrite);
  return rewrite === undefined ? '' : `.backfill-${rewrite}`;
}

/** File name of a batch's part inside a date folder: `part-P-<start>-<end>[.backfill-<tag>].parquet`. */
export function partName(partition: number, start: number, end: number, rewrite?: string): string {
  checkPartition(partition);
  return `part-${partition}-${rangeName(start, end)}${rewriteSuffix(rewrite)}.parquet`;
}

function datedPartKey(tablePath: string, date: string, partition: number, start: number, end: number, rewrite?: string): string {
  checkDate(date);
  return `${tablePath}/order_date=${date}/${partName(partition, start, end, rewrite)}`;
}

/**
 * The batch's raw records as gzip JSON lines:
 * `raw/orders/batch_date=YYYY-MM-DD/partition=P/<start>-<end>.jsonl.gz`. The batch date (its first
 * record's Kafka date) in the path lets a backfill find a day's batches by listing one folder.
 */
export function rawKey(batchDate: string, partition: number, start: number, end: number): string {
  return `${rawPrefix(batchDate, partition)}${rangeName(start, end)}.jsonl.gz`;
}

/** Every raw batch of one partition that arrived on `batchDate`, oldest first when listed. */
export function rawPrefix(batchDate: string, partition: number): string {
  checkDate(batchDate);
  checkPartition(partition);
  return `${RAW_ORDERS_PATH}/batch_date=${batchDate}/partition=${partition}/`;
}

/** Valid events of the batch dated `date` (a batch spanning dates writes one part per date). */
export function bronzeKey(date: string, partition: number, start: number, end: number, rewrite?: string): string {
  return datedPartKey(TABLE_PATHS.bronzeOrders, date, partition, start, end, rewrite);
}

export function silverOrdersKey(date: string, partition: number, start: number, end: number, rewrite?: string): string {
  return datedPartKey(TABLE_PATHS.silverOrders, date, partition, start, end, rewrite);
}

export function silverItemsKey(date: string, partition: number, start: number, end: number, rewrite?: string): string {
  return datedPartKey(TABLE_PATHS.silverOrderItems, date, partition, start, end, rewrite);
}

/** Invalid events of the batch: `quarantine/orders/partition=P/<start>-<end>[.backfill-<tag>].parquet`. */
export function quarantineKey(partition: number, start: number, end: number, rewrite?: string): string {
  checkPartition(partition);
  return `${TABLE_PATHS.quarantineOrders}/partition=${partition}/${rangeName(start, end)}${rewriteSuffix(rewrite)}.parquet`;
}

/** `gold/<table>`; table is snake_case (it becomes a folder name and a SQL-friendly name). */
export function goldTablePath(table: string): string {
  if (!GOLD_TABLE_PATTERN.test(table)) throw new RangeError(`gold table name must be snake_case, got ${JSON.stringify(table)}`);
  return `gold/${table}`;
}

/**
 * A gold table's part for one batch and one date:
 * `gold/<table>/order_date=YYYY-MM-DD/part-P-<start>-<end>.parquet`. Rows of different parts add up.
 */
export function goldKey(table: string, date: string, partition: number, start: number, end: number, rewrite?: string): string {
  return datedPartKey(goldTablePath(table), date, partition, start, end, rewrite);
}

export function salesByCategoryMinuteKey(date: string, partition: number, start: number, end: number, rewrite?: string): string {
  return goldKey('sales_by_category_minute', date, partition, start, end, rewrite);
}

export function fraudAlertsKey(date: string, partition: number, start: number, end: number, rewrite?: string): string {
  return goldKey('fraud_alerts', date, partition, start, end, rewrite);
}

/** Data-quality figures of a batch, filed under the batch's date (its first record's Kafka date). */
export function dqMetricsKey(batchDate: string, partition: number, start: number, end: number, rewrite?: string): string {
  checkDate(batchDate);
  return `${TABLE_PATHS.dqMetrics}/batch_date=${batchDate}/${partName(partition, start, end, rewrite)}`;
}

/**
 * Snapshot of a partition's customer totals after batch [start, end]:
 * `gold/customer_totals/partition=P/at=<end+1>.parquet` (the offset the next batch starts at, as
 * for checkpoints). A customer lives in one partition, so its latest state is its row with the
 * highest `asOfOffset`, whatever the snapshots hold (every customer of the partition or only
 * those the batch changed): see docs/lake.md for the query.
 */
export function customerTotalsKey(partition: number, endOffset: number, rewrite?: string): string {
  return goldSnapshotKey('customer_totals', partition, endOffset, rewrite);
}

/** Per-partition running totals per category after a batch; same layout as customer totals. */
export function categoryTotalsKey(partition: number, endOffset: number, rewrite?: string): string {
  return goldSnapshotKey('category_totals', partition, endOffset, rewrite);
}

/**
 * A snapshot of per-partition state in a gold table after batch [.., endOffset]:
 * `gold/<table>/partition=P/at=<endOffset+1>[.backfill-<tag>].parquet`. Rows carry `partition` and `asOfOffset`.
 */
export function goldSnapshotKey(table: string, partition: number, endOffset: number, rewrite?: string): string {
  checkPartition(partition);
  checkOffset('end offset', endOffset);
  return `${goldTablePath(table)}/partition=${partition}/at=${padOffset(endOffset + 1)}${rewriteSuffix(rewrite)}.parquet`;
}

/**
 * A whole-state checkpoint as written before deltas existed: `state/partition=P/at=<offset>.json`.
 * Read as the base of a partition's chain when it upgrades (docs/design.md §4).
 */
export function stateKey(partition: number, offset: number): string {
  checkPartition(partition);
  return `${statePrefix(partition)}at=${padOffset(offset)}.json`;
}

/** Prefix listing every state object of a partition: deltas, snapshots and old checkpoints. */
export function statePrefix(partition: number): string {
  checkPartition(partition);
  return `${STATE_PATH}/partition=${partition}/`;
}

/**
 * What batch [from, to-1] changed in the partition's state:
 * `state/partition=P/delta/at=<to>-from=<from>[.first].json.gz`. Keyed by `to`, the offset the
 * next batch starts at (so the next batch finds it by prefix), and named with `from` (so a chain
 * is walked from one listing). `.first` marks the partition's first batch: its base is empty.
 */
export function stateDeltaKey(partition: number, fromOffset: number, toOffset: number, first: boolean): string {
  checkRange(fromOffset, toOffset - 1);
  return `${stateDeltaPrefix(partition, toOffset)}from=${padOffset(fromOffset)}${first ? '.first' : ''}.json.gz`;
}

/** Prefix of the delta that leaves the state before `toOffset` (at most one object). */
export function stateDeltaPrefix(partition: number, toOffset: number): string {
  return `${statePrefix(partition)}delta/at=${padOffset(toOffset)}-`;
}

/**
 * The whole state before `offset` as an SQLite file:
 * `state/partition=P/snapshot/at=<offset>-ts=<Kafka ms>.sqlite`, named with the state's arrival
 * watermark so retention (by Kafka time) is decided from a listing.
 */
export function stateSnapshotKey(partition: number, offset: number, arrivalWatermarkTs: number | null): string {
  return `${statePrefix(partition)}snapshot/at=${padOffset(offset)}-ts=${Math.max(0, Math.floor(arrivalWatermarkTs ?? 0))}.sqlite`;
}

/**
 * Small, overwritten hint, `control/state-holder/partition=P.json`: the task queue of the worker
 * that holds the partition's state (docs/design.md §4). Kept out of state/: it is not derived from
 * the stream, and a backfill must leave state/ byte for byte as the stream wrote it.
 */
export function stateHolderKey(partition: number): string {
  checkPartition(partition);
  return `control/state-holder/partition=${partition}.json`;
}

export type StateObject =
  | { kind: 'delta'; key: string; partition: number; fromOffset: number; toOffset: number; first: boolean }
  | { kind: 'snapshot'; key: string; partition: number; offset: number; arrivalWatermarkTs: number }
  | { kind: 'checkpoint'; key: string; partition: number; offset: number };

const STATE_DELTA_NAME = /^state\/partition=(\d+)\/delta\/at=(\d+)-from=(\d+)(\.first)?\.json\.gz$/;
const STATE_SNAPSHOT_NAME = /^state\/partition=(\d+)\/snapshot\/at=(\d+)-ts=(\d+)\.sqlite$/;

/** What a key under state/ holds; undefined for anything else (a temporary file, a foreign object). */
export function parseStateObjectKey(key: string): StateObject | undefined {
  const delta = STATE_DELTA_NAME.exec(key);
  if (delta) return { kind: 'delta', key, partition: Number(delta[1]), toOffset: Number(delta[2]), fromOffset: Number(delta[3]), first: delta[4] !== undefined };
  const snapshot = STATE_SNAPSHOT_NAME.exec(key);
  if (snapshot) return { kind: 'snapshot', key, partition: Number(snapshot[1]), offset: Number(snapshot[2]), arrivalWatermarkTs: Number(snapshot[3]) };
  const checkpoint = atOffsetOf(key);
  return checkpoint ? { kind: 'checkpoint', key, partition: checkpoint.partition, offset: checkpoint.offset } : undefined;
}

/** Longest readable marker name; file systems refuse names over 255 bytes (ENAMETOOLONG). */
const ALERT_MARKER_MAX_CHARS = 200;

/** Fraud mails waiting for the next digest (ALERT_DIGEST_MINUTES): `alerts/digest/<topic>/pending/<mailId>.json`. */
export function digestPendingPrefix(topic: string): string {
  return `alerts/digest/${encodeURIComponent(topic)}/pending/`;
}
export function digestPendingKey(topic: string, mailId: string): string {
  return `${digestPendingPrefix(topic)}${encodeURIComponent(mailId)}.json`;
}
/** The digest being sent: the list it was cut from, kept until its mails are cleared, so a retry sends the same digest. */
export function digestPlanKey(topic: string): string {
  return `alerts/digest/${encodeURIComponent(topic)}/plan.json`;
}

/**
 * A mail's name inside a marker folder: its id URL-encoded, or `sha256-<hex>` when the encoded id
 * would be longer than 200 characters. Alert ids are built from batch ids and digests (never from a
 * message's fields), so the readable form is the usual one; the digest keeps any id a valid object
 * name on S3 and on disk alike.
 */
function alertMarkerName(alertId: string): string {
  if (alertId.length === 0) throw new RangeError('alert id must not be empty');
  const encoded = encodeURIComponent(alertId);
  if (encoded.length <= ALERT_MARKER_MAX_CHARS) return encoded;
  return `sha256-${createHash('sha256').update(alertId, 'utf8').digest('hex')}`;
}

/**
 * Marker written once the SMTP server accepted a mail:
 * `alerts/sent/day=YYYY-MM-DD/<alertId, URL-encoded | sha256-hex>`. The day is the mail's marker
 * day (the UTC date of the Kafka time of the batch that decided it, `markerDayOf`), the same on
 * every retry and replay, so the check and the write meet; the lake maintenance deletes whole days
 * once no mail of theirs can be decided again (docs/lake.md, "Sent-markers").
 */
export function alertSentKey(day: string, alertId: string): string {
  return `${alertSentDayPrefix(day)}${alertMarkerName(alertId)}`;
}

/** Every marker of one day: the folder the maintenance deletes whole. */
export function alertSentDayPrefix(day: string): string {
  checkDate(day);
  return `${ALERT_SENT_PATH}/day=${day}/`;
}

/**
 * The marker as written before day folders existed, `alerts/sent/<alertId, URL-encoded | sha256-hex>`:
 * still read (a mail marked there is sent), never written (docs/lake.md, "Sent-markers").
 */
export function legacyAlertSentKey(alertId: string): string {
  return `${ALERT_SENT_PATH}/${alertMarkerName(alertId)}`;
}

/** The marker day of a mail decided by a batch whose Kafka time starts at `kafkaTs` (ms): its UTC date. */
export function markerDayOf(kafkaTs: number): string {
  if (!Number.isFinite(kafkaTs)) throw new RangeError(`Kafka time must be a finite number of ms, got ${kafkaTs}`);
  return new Date(kafkaTs).toISOString().slice(0, 10);
}

/**
 * Marker written once a quarantined record was re-published to the orders topic and the broker
 * acknowledged it: `dlq/redriven/partition=P/<offset>.json`, keyed by the original record's
 * partition and offset (its DLQ id), so a second redrive of the same record finds it and skips.
 */
export function redriveMarkerKey(partition: number, offset: number): string {
  checkPartition(partition);
  return `${DLQ_REDRIVEN_PATH}/partition=${partition}/${padOffset(offset)}.json`;
}

/** Prefix of a table's objects, with the trailing slash, for `LakeStore.list`. */
export function tablePrefix(table: TableName): string {
  return `${TABLE_PATHS[table]}/`;
}

export interface BatchRange {
  partition: number;
  start: number;
  end: number;
  /** The tag of the backfill that wrote the part; absent for the stream's parts. */
  rewrite?: string;
}

const PART_NAME = /(?:^|\/)part-(\d+)-(\d+)-(\d+)(?:\.backfill-([0-9a-z]{1,32}))?\.parquet$/;
const PARTITIONED_RANGE = /(?:^|\/)partition=(\d+)\/(\d+)-(\d+)(?:(?:\.backfill-([0-9a-z]{1,32}))?\.parquet|\.jsonl\.gz)$/;

/** The batch a part, raw or quarantine key belongs to (with the backfill's tag, if a backfill wrote it); undefined for any other key. */
export function batchRangeOf(key: string): BatchRange | undefined {
  const match = PART_NAME.exec(key) ?? PARTITIONED_RANGE.exec(key);
  if (!match) return undefined;
  const range: BatchRange = { partition: Number(match[1]), start: Number(match[2]), end: Number(match[3]) };
  if (match[4] !== undefined) range.rewrite = match[4];
  return range;
}

const STATE_NAME = /(?:^|\/)partition=(\d+)\/at=(\d+)(?:\.json|(?:\.backfill-([0-9a-z]{1,32}))?\.parquet)$/;

/** Partition and offset of a checkpoint or customer-totals snapshot key (with a backfill's tag, if any); undefined otherwise. */
export function atOffsetOf(key: string): { partition: number; offset: number; rewrite?: string } | undefined {
  const match = STATE_NAME.exec(key);
  if (!match) return undefined;
  return { partition: Number(match[1]), offset: Number(match[2]), ...(match[3] !== undefined ? { rewrite: match[3] } : {}) };
}

/** The backfill tag in a data file's name (`….backfill-<tag>.parquet`); undefined for a stream part or any other key. */
export function rewriteOf(key: string): string | undefined {
  return batchRangeOf(key)?.rewrite ?? atOffsetOf(key)?.rewrite;
}

const KEY_SEGMENT_FORBIDDEN = new Set(['', '.', '..']);

/** Rejects keys that could escape the lake root or mean different objects on S3 and on disk. */
export function assertValidKey(key: string): void {
  if (key.includes('\\') || key.includes('\0')) throw new RangeError(`lake key must not contain '\\' or NUL: ${JSON.stringify(key)}`);
  for (const segment of key.split('/')) {
    if (KEY_SEGMENT_FORBIDDEN.has(segment)) throw new RangeError(`lake key has an empty, '.' or '..' segment: ${JSON.stringify(key)}`);
  }
}

/** Prefixes may end with '/', or be empty (the whole lake); otherwise the same rules as keys. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/**
 * The part of the lake a key is in, for counting requests: a table's Delta log, else the key's
 * first folder (raw, bronze, silver, gold, quarantine, state, alerts, ...). Few distinct values
 * whatever the keys, so it can label a metric.
 */
export function lakeAreaOf(key: string): string {
  if (key.includes('_delta_log/') || key.endsWith('_delta_log')) return 'delta-log';
  const slash = key.indexOf('/');
  return slash > 0 ? key.slice(0, slash) : '(top)';
}
