// Delta checkpoints (the protocol's "Checkpoints" and "Last Checkpoint File"; docs/design.md §12):
// a table's reconciled state at a version in one Parquet file, so a reader starts there instead of
// replaying every JSON commit. Pure: what a checkpoint holds, its bytes and back; log-io.ts reads
// and writes the objects.
//
// The file is the classic single-file checkpoint Spark and delta-rs write and read: one row per
// action, top-level struct columns `txn`, `add`, `remove`, `metaData`, `protocol`, exactly one set
// per row; `add.stats` is the JSON text, `partitionValues`, `tags`, `configuration` and
// `format.options` are map<string,string>, `partitionColumns` a list<string>.
import { parquetMetadata, parquetReadObjects, type SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { AddAction, DeltaAction, MetadataAction, ProtocolAction, RemoveAction, TxnAction } from './protocol.ts';
import { emptySnapshot, type DeltaSnapshot } from './snapshot.ts';
import { PersistentMap } from './persistent-map.ts';

/** What `_last_checkpoint` holds: the checkpoint's version and its number of actions (rows). */
export interface LastCheckpoint {
  version: number;
  size: number;
  sizeInBytes?: number;
  numOfAddFiles?: number;
}

/**
 * The actions of a checkpoint of `snapshot` (the protocol's action reconciliation): protocol,
 * metaData, the newest txn per appId, every live file's add, and the remove tombstones newer than
 * `tombstonesAfterMs` (VACUUM needs them; older ones are left out, as Delta's
 * deletedFileRetentionDuration does). Sorted, so the same snapshot gives the same file.
 */
export function checkpointActions(snapshot: DeltaSnapshot, options: { tombstonesAfterMs: number }): DeltaAction[] {
  if (snapshot.version < 0 || !snapshot.protocol || !snapshot.metadata) throw new RangeError(`a checkpoint needs a table with protocol and metaData (version ${snapshot.version})`);
  const byKey = <T>(map: Iterable<[string, T]>): [string, T][] => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const actions: DeltaAction[] = [{ protocol: snapshot.protocol }, { metaData: snapshot.metadata }];
  for (const [appId, version] of byKey(snapshot.txns)) actions.push({ txn: { appId, version } });
  for (const [, add] of byKey(snapshot.files)) actions.push({ add: { ...add, dataChange: false } });
  for (const [, remove] of byKey(snapshot.tombstones)) {
    if (remove.deletionTimestamp > options.tombstonesAfterMs) actions.push({ remove: { ...remove, dataChange: false } });
  }
  return actions;
}

/** A checkpoint may rewrite about this many files' `add` actions per version since the one before. */
export const CHECKPOINT_FILES_PER_VERSION = 1_000;

/**
 * Whether the committer checkpoints a table at `version`: every `interval` versions (Spark's and
 * delta-rs's 10) while the table is small. A checkpoint rewrites every file's `add`: at 250,000
 * files (a day of small batches before OPTIMIZE) that took 3 s, every 10 versions, i.e. every
 * ~10 s of commit rounds. So for a big table the interval doubles until a checkpoint's files per
 * version since the last one are within CHECKPOINT_FILES_PER_VERSION; the doubled intervals are
 * multiples of the smaller ones, so a table that grows still meets its next checkpoint, and a
 * reader replays at most ~files / 1,000 commits after it (docs/benchmarks.md, "Delta log at a day's files").
 */
export function checkpointDueAt(version: number, files: number, interval: number): boolean {
  let every = Math.max(1, interval);
  while (files / every > CHECKPOINT_FILES_PER_VERSION) every *= 2;
  return version > 0 && version % every === 0;
}

/** The snapshot a checkpoint of `version` describes. */
export function snapshotOfCheckpoint(version: number, actions: readonly DeltaAction[]): DeltaSnapshot {
  const snapshot = emptySnapshot();
  const adds: [string, AddAction][] = [];
  const removes: [string, RemoveAction][] = [];
  for (const action of actions) {
    if ('protocol' in action) snapshot.protocol = action.protocol;
    else if ('metaData' in action) snapshot.metadata = action.metaData;
    else if ('add' in action) adds.push([action.add.path, action.add]);
    else if ('remove' in action) removes.push([action.remove.path, action.remove]);
    else if ('txn' in action) snapshot.txns.set(action.txn.appId, action.txn.version);
  }
  snapshot.files = PersistentMap.of(adds);
  snapshot.tombstones = PersistentMap.of(removes);
  snapshot.version = version;
  return snapshot;
}

// ---- Parquet layout ----

const str = (name: string): SchemaElement => ({ name, repetition_type: 'OPTIONAL', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } });
const long = (name: string): SchemaElement => ({ name, repetition_type: 'OPTIONAL', type: 'INT64' });
const int = (name: string): SchemaElement => ({ name, repetition_type: 'OPTIONAL', type: 'INT32' });
const bool = (name: string): SchemaElement => ({ name, repetition_type: 'OPTIONAL', type: 'BOOLEAN' });
const group = (name: string, children: SchemaElement[][]): SchemaElement[] => [{ name, repetition_type: 'OPTIONAL', num_children: children.length }, ...children.flat()];
const stringMap = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
  { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
  { ...str('key'), repetition_type: 'REQUIRED' },
  str('value'),
];
const stringList = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  str('element'),
];
const leaf = (e: SchemaElement): SchemaElement[] => [e];

/** The checkpoint's Parquet schema (a root, then the five action columns). */
const CHECKPOINT_SCHEMA: SchemaElement[] = [
  { name: 'spark_schema', num_children: 5 },
  ...group('txn', [leaf(str('appId')), leaf(long('version')), leaf(long('lastUpdated'))]),
  ...group('add', [leaf(str('path')), stringMap('partitionValues'), leaf(long('size')), leaf(long('modificationTime')), leaf(bool('dataChange')), leaf(str('stats')), stringMap('tags')]),
  ...group('remove', [leaf(str('path')), leaf(long('deletionTimestamp')), leaf(bool('dataChange')), leaf(bool('extendedFileMetadata')), stringMap('partitionValues'), leaf(long('size'))]),
  ...group('metaData', [
    leaf(str('id')),
    leaf(str('name')),
    leaf(str('description')),
    group('format', [leaf(str('provider')), stringMap('options')]),
    leaf(str('schemaString')),
    stringList('partitionColumns'),
    stringMap('configuration'),
    leaf(long('createdTime')),
  ]),
  ...group('protocol', [leaf(int('minReaderVersion')), leaf(int('minWriterVersion'))]),
];

const big = (n: number | undefined): bigint | null => (n === undefined || n === null ? null : BigInt(n));

function txnRow(t: TxnAction) {
  return { appId: t.appId, version: big(t.version), lastUpdated: big(t.lastUpdated) };
}
function addRow(a: AddAction) {
  return { path: a.path, partitionValues: a.partitionValues, size: big(a.size), modificationTime: big(a.modificationTime), dataChange: a.dataChange, stats: a.stats ?? null, tags: a.tags ?? null };
}
function removeRow(r: RemoveAction) {
  return { path: r.path, deletionTimestamp: big(r.deletionTimestamp), dataChange: r.dataChange, extendedFileMetadata: r.extendedFileMetadata ?? null, partitionValues: r.partitionValues ?? null, size: big(r.size) };
}
function metadataRow(m: MetadataAction) {
  return {
    id: m.id,
    name: m.name ?? null,
    description: null,
    format: { provider: m.format.provider, options: m.format.options },
    schemaString: m.schemaString,
    partitionColumns: m.partitionColumns,
    configuration: m.configuration,
    createdTime: big(m.createdTime),
  };
}
function protocolRow(p: ProtocolAction) {
  return { minReaderVersion: p.minReaderVersion, minWriterVersion: p.minWriterVersion };
}

/** The checkpoint file of these actions (from checkpointActions). Same actions, same bytes. */
export function encodeCheckpoint(actions: readonly DeltaAction[]): Uint8Array {
  const columns: Record<'txn' | 'add' | 'remove' | 'metaData' | 'protocol', unknown[]> = { txn: [], add: [], remove: [], metaData: [], protocol: [] };
  for (const action of actions) {
    const row = { txn: null, add: null, remove: null, metaData: null, protocol: null } as Record<keyof typeof columns, unknown>;
    if ('txn' in action) row.txn = txnRow(action.txn);
    else if ('add' in action) row.add = addRow(action.add);
    else if ('remove' in action) row.remove = removeRow(action.remove);
    else if ('metaData' in action) row.metaData = metadataRow(action.metaData);
    else if ('protocol' in action) row.protocol = protocolRow(action.protocol);
    else continue; // commitInfo is not part of a table's state
    for (const name of Object.keys(columns) as (keyof typeof columns)[]) columns[name].push(row[name]);
  }
  const columnData = (Object.keys(columns) as (keyof typeof columns)[]).map((name): ColumnSource => ({ name, data: columns[name] as ColumnSource['data'], nullable: true }));
  return new Uint8Array(parquetWriteBuffer({ columnData, schema: CHECKPOINT_SCHEMA, codec: 'SNAPPY', createdBy: 'streaming-orders delta checkpoint', statistics: false }));
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
/** A map column as a plain object (hyparquet reads maps as objects; other writers' files too). */
function mapOf(v: unknown): Record<string, string | null> {
  if (v === null || v === undefined) return {};
  if (v instanceof Map) return Object.fromEntries(v);
  if (Array.isArray(v)) return Object.fromEntries(v.map((e: { key: string; value: string | null }) => [e.key, e.value]));
  return v as Record<string, string | null>;
}
/** Drops the fields a row left null, so a decoded action looks like the JSON one. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** The actions of a checkpoint file (ours or another writer's single-file checkpoint). */
export async function decodeCheckpoint(bytes: Uint8Array): Promise<DeltaAction[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const present = new Set(metadata.schema.map((e) => e.name));
  const columns = ['txn', 'add', 'remove', 'metaData', 'protocol'].filter((c) => present.has(c));
  const rows = (await parquetReadObjects({ file, metadata, columns })) as Record<string, Record<string, unknown> | null>[];
  const actions: DeltaAction[] = [];
  for (const row of rows) {
    const { txn, add, remove, metaData, protocol } = row;
    if (protocol) actions.push({ protocol: { minReaderVersion: Number(protocol.minReaderVersion), minWriterVersion: Number(protocol.minWriterVersion) } });
    else if (metaData) {
      const format = (metaData.format ?? {}) as { provider?: string; options?: unknown };
      actions.push({
        metaData: defined({
          id: String(metaData.id),
          name: (metaData.name as string | null) ?? undefined,
          format: { provider: 'parquet' as const, options: mapOf(format.options) as Record<string, string> },
          schemaString: String(metaData.schemaString),
          partitionColumns: ((metaData.partitionColumns as string[] | null) ?? []).map(String),
          configuration: mapOf(metaData.configuration) as Record<string, string>,
          createdTime: num(metaData.createdTime),
        }),
      });
    } else if (txn) actions.push({ txn: defined({ appId: String(txn.appId), version: Number(txn.version), lastUpdated: num(txn.lastUpdated) }) });
    else if (add) {
      const tags = add.tags ? (mapOf(add.tags) as Record<string, string>) : undefined;
      actions.push({
        add: defined({
          path: String(add.path),
          partitionValues: mapOf(add.partitionValues),
          size: Number(add.size),
          modificationTime: Number(add.modificationTime),
          dataChange: Boolean(add.dataChange),
          stats: (add.stats as string | null) ?? undefined,
          tags: tags && Object.keys(tags).length > 0 ? tags : undefined,
        }),
      });
    } else if (remove) {
      actions.push({
        remove: defined({
          path: String(remove.path),
          deletionTimestamp: Number(remove.deletionTimestamp ?? 0),
          dataChange: Boolean(remove.dataChange),
          extendedFileMetadata: (remove.extendedFileMetadata as boolean | null) ?? undefined,
          partitionValues: remove.partitionValues ? mapOf(remove.partitionValues) : undefined,
          size: num(remove.size),
        }),
      });
    }
  }
  return actions;
}
