// What one commit to a table holds (pure): protocol and metaData on the first one, a metaData
// again when the table's spec gained a column (schema evolution, docs/contract.md), `remove` and
// `add` of data files, the `txn` of each partition's batches, and `commitInfo`. The same inputs give
// the same bytes, so a commit written twice by a retried activity is the same commit.
import { createHash } from 'node:crypto';
import { DELTA_ENGINE_INFO, DELTA_PROTOCOL, relativeDataPath, type AddAction, type DeltaAction, type MetadataAction } from './protocol.ts';
import { partitionValuesOf, schemaStringOf, type DeltaTable } from './schema.ts';
import type { DeltaSnapshot } from './snapshot.ts';
import type { FileStats } from './stats.ts';

export interface DataFileFacts {
  /** Lake key of the Parquet file. */
  key: string;
  size: number;
  stats: FileStats;
}

export interface CommitInput {
  table: DeltaTable;
  /** The table as the commit finds it. */
  snapshot: DeltaSnapshot;
  add: readonly DataFileFacts[];
  /** Lake keys of files to take out of the table (those not in it are ignored). */
  remove?: readonly string[];
  /** Exactly-once markers: appId → version (kept only when higher than the table's). */
  txns: ReadonlyMap<string, number>;
  /** The commit's time (from the workflow, so a retried commit has the same bytes). */
  timestampMs: number;
  /** Shown in the table's history: 'WRITE' for a batch, 'REPLACE' for a backfill. */
  operation: 'WRITE' | 'REPLACE';
  /** Free text for commitInfo (batch ids). */
  note?: string;
}

/** A UUID-shaped table id, derived so that a first commit written twice is the same commit. */
function tableId(tablePath: string, createdTime: number): string {
  const hex = createHash('sha256').update(`${tablePath}\n${createdTime}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The metaData action a commit needs, if any: a new table's, or the current one with the spec's newer schema. */
export function metadataChange(table: DeltaTable, snapshot: DeltaSnapshot, timestampMs: number): MetadataAction | undefined {
  const schemaString = schemaStringOf(table);
  const partitionColumns = table.partitionColumns.map((p) => p.name);
  const current = snapshot.metadata;
  if (!current) {
    return { id: tableId(table.spec.path, timestampMs), format: { provider: 'parquet', options: {} }, schemaString, partitionColumns, configuration: {}, createdTime: timestampMs };
  }
  if (current.partitionColumns.join('/') !== partitionColumns.join('/')) {
    throw new RangeError(`${table.spec.path}: partition columns are [${current.partitionColumns.join(', ')}] in the log, [${partitionColumns.join(', ')}] in the spec; they cannot change`);
  }
  return current.schemaString === schemaString ? undefined : { ...current, schemaString };
}

/** The actions of the next commit, or undefined when it would change nothing. */
export function planCommit(input: CommitInput): DeltaAction[] | undefined {
  const { table, snapshot, timestampMs } = input;
  const path = table.spec.path;
  const actions: DeltaAction[] = [];
  const metadata = metadataChange(table, snapshot, timestampMs);
  if (snapshot.version < 0) actions.push({ protocol: { ...DELTA_PROTOCOL } });
  if (metadata) actions.push({ metaData: metadata });

  const added = new Set<string>();
  const adds: DeltaAction[] = [];
  for (const file of input.add) {
    const add: AddAction = {
      path: relativeDataPath(path, file.key),
      partitionValues: partitionValuesOf(table, file.key),
      size: file.size,
      modificationTime: timestampMs,
      dataChange: true,
      stats: JSON.stringify(file.stats),
    };
    added.add(add.path);
    adds.push({ add });
  }
  // A file re-added under the same path needs no remove: the newer add replaces it in every snapshot.
  for (const key of input.remove ?? []) {
    const rel = relativeDataPath(path, key);
    const current = snapshot.files.get(rel);
    if (!current || added.has(rel)) continue;
    actions.push({ remove: { path: rel, deletionTimestamp: timestampMs, dataChange: true, extendedFileMetadata: true, partitionValues: current.partitionValues, size: current.size } });
  }
  for (const add of adds) actions.push(add); // not push(...adds): a compaction or backfill may add more files than a call takes arguments
  for (const [appId, version] of [...input.txns].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if ((snapshot.txns.get(appId) ?? -1) < version) actions.push({ txn: { appId, version, lastUpdated: timestampMs } });
  }
  if (actions.length === 0) return undefined;
  const removes = actions.filter((a) => 'remove' in a).length;
  actions.push({
    commitInfo: {
      timestamp: timestampMs,
      operation: input.operation,
      operationParameters: { mode: input.operation === 'WRITE' ? 'Append' : 'Overwrite', partitionBy: JSON.stringify(table.partitionColumns.map((p) => p.name)) },
      isBlindAppend: removes === 0 && input.operation === 'WRITE',
      engineInfo: DELTA_ENGINE_INFO,
      operationMetrics: { numAddedFiles: String(adds.length), numRemovedFiles: String(removes) },
      ...(input.note ? { userMetadata: input.note } : {}),
    },
  });
  return actions;
}
