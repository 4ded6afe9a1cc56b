// Reading and writing a table's `_delta_log` in the lake (file:// or s3://). A DeltaLog keeps the
// newest snapshot it replayed and catches up by reading the commits after it, one GET each, until
// one is missing: a poll of an unchanged table costs one GET, not a listing of the whole log. A
// first read starts from the checkpoint `_last_checkpoint` names (or the newest one a listing
// finds), so its cost is bounded by the checkpoint interval, not the table's age.
import { CorruptLakeObjectError, LakeError } from '../errors.ts';
import type { LakeStore } from '../lake-store.ts';
import { checkpointActions, decodeCheckpoint, encodeCheckpoint, snapshotOfCheckpoint, type LastCheckpoint } from './checkpoint.ts';
import {
  checkpointKey,
  commitKey,
  dataKeyOf,
  decodeCommit,
  deltaLogPrefix,
  encodeCommit,
  lastCheckpointKey,
  versionOfCheckpointKey,
  versionOfCommitKey,
  type DeltaAction,
} from './protocol.ts';
import { applyCommit, commitTimestampOf, copySnapshot, emptySnapshot, expireTombstones, type DeltaSnapshot } from './snapshot.ts';

/** Commit files fetched at once when a log is read from the start. */
const READ_CONCURRENCY = 16;
const decoder = new TextDecoder();
const DAY_MS = 86_400_000;
/**
 * How long a log keeps tombstones in memory unless its writer says otherwise (`keepTombstonesFor`):
 * Delta's default deletedFileRetentionDuration (1 week) plus a day. A process that only reads
 * (dashboard, report) never needs them; the committer and VACUUM set their own.
 */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 8 * DAY_MS;
/** Expired tombstones are taken out at most this often (in commit time): one pass over them each time. */
const TOMBSTONE_EXPIRY_EVERY_MS = 3_600_000;

/** What reading a log needs of the lake (the dashboard passes no more); committing needs `put` too. */
export type LakeReader = Pick<LakeStore, 'list' | 'get'> & Partial<Pick<LakeStore, 'put'>>;

export class DeltaLog {
  private current: DeltaSnapshot = emptySnapshot();
  private refreshing: Promise<DeltaSnapshot> | undefined;
  private tombstoneRetentionMs = DEFAULT_TOMBSTONE_RETENTION_MS;
  /** Commit time of the last expiry pass; tombstones deleted before it minus the retention are gone. */
  private expiredAtMs = -Infinity;

  constructor(
    readonly lake: LakeReader,
    readonly tablePath: string,
  ) {}

  /** The table's newest snapshot (version -1: no commit yet). The returned object is not changed by later calls. */
  async snapshot(): Promise<DeltaSnapshot> {
    this.refreshing ??= this.catchUp().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * Writes `actions` as the version after `base` (the snapshot they were planned on). Only one
   * writer commits to a table (the topic's committer workflow, docs/design.md "Delta commits"), so
   * no conditional write is needed; a commit already there is an earlier attempt of this one.
   */
  async commit(base: DeltaSnapshot, actions: readonly DeltaAction[]): Promise<DeltaSnapshot> {
    const version = base.version + 1;
    if (!this.lake.put) throw new TypeError(`${this.tablePath}: this lake is opened for reading only`);
    await this.lake.put(commitKey(this.tablePath, version), new TextEncoder().encode(encodeCommit(actions)), 'application/json');
    if (this.current.version === base.version) this.current = this.expired(applyCommit(copySnapshot(this.current), version, actions), commitTimestampOf(actions));
    return this.snapshot();
  }

  /**
   * Keep remove tombstones this long after their deletion (the writer's retention: VACUUM must see
   * each one before it goes; docs/design.md §12, "Maintenance"). Every process's snapshot drops
   * older ones, so memory holds at most a retention's worth of removes, not every remove ever.
   */
  keepTombstonesFor(retentionMs: number): this {
    // Dropped under a shorter retention already (a reader of this process came first): read again
    // from the checkpoint, which the committer wrote with the writers' retention.
    if (retentionMs > this.tombstoneRetentionMs && this.expiredAtMs > -Infinity) {
      this.current = emptySnapshot();
      this.expiredAtMs = -Infinity;
    }
    this.tombstoneRetentionMs = retentionMs;
    return this;
  }

  /** `snapshot` (this log's own, not handed out yet) without the tombstones past the retention at `nowMs`, checked once per TOMBSTONE_EXPIRY_EVERY_MS. */
  private expired(snapshot: DeltaSnapshot, nowMs: number | undefined): DeltaSnapshot {
    if (nowMs === undefined || nowMs - this.expiredAtMs < TOMBSTONE_EXPIRY_EVERY_MS) return snapshot;
    snapshot.tombstones = expireTombstones(snapshot.tombstones, nowMs - this.tombstoneRetentionMs);
    this.expiredAtMs = nowMs;
    return snapshot;
  }

  private async catchUp(): Promise<DeltaSnapshot> {
    // A log deleted and started again (a table dropped and rebuilt) is read from the start.
    if (this.current.version >= 0 && !(await this.lake.get(commitKey(this.tablePath, this.current.version)))) this.current = emptySnapshot();
    let next = copySnapshot(this.current);
    let newestMs: number | undefined;
    if (next.version < 0) {
      const checkpointed = await this.fromLastCheckpoint();
      if (checkpointed) next = checkpointed;
      else ({ snapshot: next, newestMs } = await this.replayListed());
    }
    for (;;) {
      const actions = await this.readCommit(next.version + 1);
      if (!actions) break;
      applyCommit(next, next.version + 1, actions);
      newestMs = commitTimestampOf(actions) ?? newestMs;
    }
    checkReadable(this.tablePath, next);
    this.current = this.expired(next, newestMs);
    return copySnapshot(next);
  }

  /**
   * Writes the checkpoint of `snapshot` (a version this log committed or read) and points
   * `_last_checkpoint` at it unless it already names a newer one. Idempotent: a checkpoint of a
   * version has the same content whoever writes it, so a retry rewrites the same bytes.
   */
  async writeCheckpoint(snapshot: DeltaSnapshot, options: { tombstonesAfterMs: number }): Promise<LastCheckpoint> {
    if (!this.lake.put) throw new TypeError(`${this.tablePath}: this lake is opened for reading only`);
    const actions = checkpointActions(snapshot, options);
    const bytes = encodeCheckpoint(actions);
    await this.lake.put(checkpointKey(this.tablePath, snapshot.version), bytes, 'application/octet-stream');
    const last: LastCheckpoint = { version: snapshot.version, size: actions.length, sizeInBytes: bytes.byteLength, numOfAddFiles: snapshot.files.size };
    const current = await this.readLastCheckpoint();
    if (!current || current.version <= last.version) await this.lake.put(lastCheckpointKey(this.tablePath), new TextEncoder().encode(JSON.stringify(last)), 'application/json');
    return last;
  }

  /** What `_last_checkpoint` says; undefined when there is none (or it is unreadable: a reader then lists). */
  async readLastCheckpoint(): Promise<LastCheckpoint | undefined> {
    const bytes = await this.lake.get(lastCheckpointKey(this.tablePath));
    if (!bytes) return undefined;
    try {
      const last = JSON.parse(decoder.decode(bytes)) as LastCheckpoint;
      return Number.isSafeInteger(last.version) && last.version >= 0 ? last : undefined;
    } catch {
      return undefined;
    }
  }

  /** The snapshot of the checkpoint `_last_checkpoint` names; undefined without one (or when it is gone). */
  private async fromLastCheckpoint(): Promise<DeltaSnapshot | undefined> {
    const last = await this.readLastCheckpoint();
    return last ? this.readCheckpoint(last.version) : undefined;
  }

  private async readCheckpoint(version: number): Promise<DeltaSnapshot | undefined> {
    const key = checkpointKey(this.tablePath, version);
    const bytes = await this.lake.get(key);
    if (!bytes) return undefined;
    try {
      return snapshotOfCheckpoint(version, await decodeCheckpoint(bytes));
    } catch (cause) {
      throw new CorruptLakeObjectError(`not a readable Delta checkpoint (${(cause as Error).message})`, { key, cause });
    }
  }

  /** The log from one listing: from the newest checkpoint listed (or version 0), then the commits after it, which must follow each other. */
  private async replayListed(): Promise<{ snapshot: DeltaSnapshot; newestMs: number | undefined }> {
    const keys = await this.lake.list(deltaLogPrefix(this.tablePath));
    const checkpoints = keys.map(versionOfCheckpointKey).filter((v): v is number => v !== undefined);
    const base = checkpoints.length > 0 ? await this.readCheckpoint(Math.max(...checkpoints)) : undefined;
    const into = base ?? emptySnapshot();
    const versions = keys.map(versionOfCommitKey).filter((v): v is number => v !== undefined && v > into.version).sort((a, b) => a - b);
    versions.forEach((v, i) => {
      if (v !== into.version + 1 + i) throw new CorruptLakeObjectError(`the log has no commit ${into.version + 1 + i} (found ${v} after it) and no checkpoint to start after it`, { key: commitKey(this.tablePath, into.version + 1 + i) });
    });
    const commits: (DeltaAction[] | undefined)[] = new Array(versions.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < versions.length) {
        const i = next++;
        commits[i] = await this.readCommit(versions[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, versions.length) }, worker));
    let newestMs: number | undefined;
    commits.forEach((actions, i) => {
      if (!actions) throw new CorruptLakeObjectError(`commit ${versions[i]} disappeared while the log was read`, { key: commitKey(this.tablePath, versions[i]!) });
      applyCommit(into, versions[i]!, actions);
      newestMs = commitTimestampOf(actions) ?? newestMs;
    });
    return { snapshot: into, newestMs };
  }

  private async readCommit(version: number): Promise<DeltaAction[] | undefined> {
    const key = commitKey(this.tablePath, version);
    const bytes = await this.lake.get(key);
    if (!bytes) return undefined;
    try {
      return decodeCommit(decoder.decode(bytes), key);
    } catch (cause) {
      throw new CorruptLakeObjectError((cause as Error).message, { key, cause });
    }
  }
}

/** A reader must not read a table written with features it does not know (deletion vectors, column mapping, …). */
function checkReadable(tablePath: string, snapshot: DeltaSnapshot): void {
  const reader = snapshot.protocol?.minReaderVersion ?? 1;
  if (reader > 1) throw new LakeError(`${tablePath} needs Delta reader version ${reader}; this reader has version 1`, 'read delta log', deltaLogPrefix(tablePath), { retryable: false });
}

const logs = new WeakMap<LakeReader, Map<string, DeltaLog>>();

/**
 * The process's DeltaLog of a table in this lake (one per table, so every reader shares its cache).
 * A writer passes its tombstone retention (the committer and VACUUM: DELTA_VACUUM_RETENTION plus
 * the grace of `tombstoneRetentionMs`); readers keep the default.
 */
export function deltaLogOf(lake: LakeReader, tablePath: string, options: { tombstoneRetentionMs?: number } = {}): DeltaLog {
  let tables = logs.get(lake);
  if (!tables) logs.set(lake, (tables = new Map()));
  let log = tables.get(tablePath);
  if (!log) tables.set(tablePath, (log = new DeltaLog(lake, tablePath)));
  if (options.tombstoneRetentionMs !== undefined) log.keepTombstonesFor(options.tombstoneRetentionMs);
  return log;
}

/**
 * The lake keys of a table's data files in its current snapshot, sorted. A table with no log yet
 * (a lake written before the tables were Delta tables) is read as its folder's Parquet files.
 */
export async function liveDataKeys(lake: LakeReader, tablePath: string): Promise<string[]> {
  const snapshot = await deltaLogOf(lake, tablePath).snapshot();
  if (snapshot.version < 0) return (await lake.list(`${tablePath}/`)).filter((key) => key.endsWith('.parquet') && !key.includes('/_delta_log/')).sort();
  return [...snapshot.files.keys()].map((path) => dataKeyOf(tablePath, path)).sort();
}
