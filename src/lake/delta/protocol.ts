// The part of the Delta Lake transaction protocol this lake writes and reads (docs/lake.md, "Delta
// tables"): reader version 1 / writer version 2, no deletion vectors or column mapping. A table's
// log is `<table>/_delta_log/<version, 20 digits>.json`, one action per line; a version exists once
// its file exists, and readers replay the files in version order, starting from the newest
// checkpoint (`<version>.checkpoint.parquet`, named by `_last_checkpoint`) when there is one.

/** Digits of a commit file's version, as the protocol names them. */
export const DELTA_VERSION_DIGITS = 20;
export const DELTA_LOG_DIR = '_delta_log';

/** The lowest protocol that has what we write (append-only tables, `txn`, no table features). */
export const DELTA_PROTOCOL = { minReaderVersion: 1, minWriterVersion: 2 } as const;

export interface ProtocolAction {
  minReaderVersion: number;
  minWriterVersion: number;
}

export interface MetadataAction {
  id: string;
  name?: string | null;
  format: { provider: 'parquet'; options: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number;
}

export interface AddAction {
  /** Relative to the table's folder, URI-encoded as the protocol asks. */
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** JSON text: numRecords, minValues, maxValues, nullCount. */
  stats?: string;
  /** Free annotations; a compacted file names the batches it holds (`COMPACTED_BATCHES_TAG`). */
  tags?: Record<string, string>;
}

export interface RemoveAction {
  path: string;
  deletionTimestamp: number;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null>;
  size?: number;
}

/** Exactly-once marker of an application: the highest version of `appId` written (Spark's foreachBatch uses the same). */
export interface TxnAction {
  appId: string;
  version: number;
  lastUpdated?: number;
}

export interface CommitInfoAction {
  timestamp: number;
  operation: string;
  operationParameters: Record<string, string>;
  isBlindAppend?: boolean;
  engineInfo?: string;
  [field: string]: unknown;
}

export type DeltaAction =
  | { protocol: ProtocolAction }
  | { metaData: MetadataAction }
  | { add: AddAction }
  | { remove: RemoveAction }
  | { txn: TxnAction }
  | { commitInfo: CommitInfoAction };

/** Who wrote a commit, in commitInfo (readers show it in a table's history). */
export const DELTA_ENGINE_INFO = 'streaming-orders delta writer';

/** `<table>/_delta_log/` */
export function deltaLogPrefix(tablePath: string): string {
  return `${tablePath}/${DELTA_LOG_DIR}/`;
}

/** `<table>/_delta_log/00000000000000000007.json` */
export function commitKey(tablePath: string, version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`delta version must be a non-negative integer, got ${version}`);
  return `${deltaLogPrefix(tablePath)}${String(version).padStart(DELTA_VERSION_DIGITS, '0')}.json`;
}

/** `<table>/_delta_log/00000000000000000010.checkpoint.parquet`: the table's state at that version, in one file. */
export function checkpointKey(tablePath: string, version: number): string {
  return commitKey(tablePath, version).replace(/\.json$/, '.checkpoint.parquet');
}

/** `<table>/_delta_log/_last_checkpoint`: where a reader starts (the protocol's hint; a reader may also list). */
export function lastCheckpointKey(tablePath: string): string {
  return `${deltaLogPrefix(tablePath)}_last_checkpoint`;
}

const CHECKPOINT_NAME = /\/_delta_log\/(\d{20})\.checkpoint\.parquet$/;

/** The version of a single-file checkpoint's key; undefined for anything else. */
export function versionOfCheckpointKey(key: string): number | undefined {
  const match = CHECKPOINT_NAME.exec(key);
  return match ? Number(match[1]) : undefined;
}

const COMMIT_NAME = /\/_delta_log\/(\d{20})\.json$/;

/** The version of a commit file's key; undefined for anything else in the log folder (checkpoints, temporary files). */
export function versionOfCommitKey(key: string): number | undefined {
  const match = COMMIT_NAME.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** A commit file's text: one JSON action per line, newline-terminated. */
export function encodeCommit(actions: readonly DeltaAction[]): string {
  return actions.map((action) => JSON.stringify(action)).join('\n') + '\n';
}

/** The actions of a commit file; blank lines are skipped, a line that is not JSON throws a SyntaxError naming the line. */
export function decodeCommit(text: string, key = 'commit'): DeltaAction[] {
  const actions: DeltaAction[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      actions.push(JSON.parse(line) as DeltaAction);
    } catch (error) {
      throw new SyntaxError(`${key}: line ${index + 1} is not JSON (${(error as Error).message})`);
    }
  });
  return actions;
}

/** A data file's path in the log: its key relative to the table folder, each segment URI-encoded. */
export function relativeDataPath(tablePath: string, key: string): string {
  const prefix = `${tablePath}/`;
  if (!key.startsWith(prefix)) throw new RangeError(`${key} is not in table ${tablePath}`);
  return key.slice(prefix.length).split('/').map(encodePathSegment).join('/');
}

/** URI-escapes a path segment but keeps `=` (Hive folders read as `order_date=2026-11-28`, as Spark writes them). */
function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replaceAll('%3D', '=');
}

/** The lake key of a path from the log (the inverse of relativeDataPath). */
export function dataKeyOf(tablePath: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) throw new RangeError(`absolute data file paths are not supported: ${path}`);
  return `${tablePath}/${path.split('/').map(decodeURIComponent).join('/')}`;
}
