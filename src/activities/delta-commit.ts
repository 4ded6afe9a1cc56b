// The Delta commit of a committer round (docs/design.md §12): for each table the requests touch,
// one new version that adds the batches not yet in it (and, for a backfill, adds its new parts and
// removes the files they replace), with the `txn` of every partition's batches. Idempotent: a
// batch the table holds already (its files, a compacted file or a backfill's parts holding it) is
// not added again, and a backfill's part in the table is not added again, so a retried round
// commits only what the first attempt did not.
import { ApplicationFailure } from '@temporalio/activity';
import { readParquet } from '../lake/parquet.ts';
import { rewriteOf } from '../lake/keys.ts';
import {
  batchesHeldByRewrites,
  batchesOfFile,
  heldAfterCommit,
  dataKeyOf,
  DELTA_TABLES,
  deltaLogOf,
  deltaTableOfKey,
  fileStatsOf,
  checkpointDueAt,
  tombstoneRetentionMs,
  planCommit,
  planCompactionCommit,
  relativeDataPath,
  sourcePartsOf,
  type DataFileFacts,
  type DeltaAction,
  type DeltaSnapshot,
  type DeltaTable,
  type HeldBatches,
} from '../lake/delta/index.ts';
import type { LakeStore } from '../lake/store.ts';
import {
  backfillManifestKey,
  type BackfillManifest,
  type CompactionRequest,
  type DeltaCheckpointInput,
  type DeltaCommitInput,
  type DeltaCommitOutcome,
  type DeltaCommitRequest,
  type DeltaTableCommit,
} from '../contract/delta-commit.ts';
import type { BatchIo } from './batch-io.ts';
import type { ActivityDeps } from './deps.ts';

interface TableWork {
  table: DeltaTable;
  /** A batch's files, per batch (`<partition>-<end>`): added together unless the table holds the batch already. */
  appends: Map<string, Set<string>>;
  /** A backfill's files: added unless in the table already (a stream key of a backfill from before new keys: added again, its bytes changed). */
  replacements: Set<string>;
  remove: Set<string>;
  replace: boolean;
  /** Backfill: batches (`<partition>-<end>`) whose files in the table not in `replacements` are removed. */
  replacedBatches: Set<string>;
  txns: Map<string, number>;
  batches: string[];
}

/**
 * Per lake and table, the batches compacted files and backfill parts hold, at a version: the
 * committer is the tables' only writer, so this process advances it with its own commits and a
 * round costs the files it changes; at any other version (another worker committed, OPTIMIZE) it
 * is counted again from the snapshot.
 */
const heldByLake = new WeakMap<LakeStore, Map<string, { version: number; held: HeldBatches }>>();

function heldBatchesOf(lake: LakeStore, tablePath: string, snapshot: DeltaSnapshot): { held: HeldBatches; advance: (actions: readonly DeltaAction[]) => void } {
  let tables = heldByLake.get(lake);
  if (!tables) heldByLake.set(lake, (tables = new Map()));
  let entry = tables.get(tablePath);
  if (entry?.version !== snapshot.version) tables.set(tablePath, (entry = { version: snapshot.version, held: batchesHeldByRewrites(tablePath, snapshot) }));
  const current = entry;
  return {
    held: current.held,
    advance: (actions) => {
      heldAfterCommit(current.held, tablePath, snapshot, actions);
      current.version = snapshot.version + 1;
    },
  };
}

/** A backfill's requests, one per batch it re-derived, from its manifests. */
async function backfillRequests(lake: LakeStore, request: DeltaCommitRequest, manifestPrefix: string): Promise<DeltaCommitRequest[]> {
  const requests: DeltaCommitRequest[] = [];
  for (const key of await lake.list(manifestPrefix)) {
    const bytes = await lake.get(key);
    if (!bytes) continue;
    const manifest = JSON.parse(new TextDecoder().decode(bytes)) as BackfillManifest;
    for (const b of manifest.batches) requests.push({ requester: request.requester, partition: b.partition, startOffset: b.startOffset, endOffset: b.endOffset, keys: b.keys, replace: {} });
  }
  return requests;
}

/** The requests sorted into one piece of work per table; a backfill touches every table (it may remove files from any). */
function workPerTable(input: DeltaCommitInput): Map<string, TableWork> {
  const tables = new Map<string, TableWork>();
  const workOf = (table: DeltaTable): TableWork => {
    let work = tables.get(table.spec.path);
    if (!work) tables.set(table.spec.path, (work = { table, appends: new Map(), replacements: new Set(), remove: new Set(), replace: false, replacedBatches: new Set(), txns: new Map(), batches: [] }));
    return work;
  };
  for (const request of input.requests) {
    if (request.replace) {
      for (const table of DELTA_TABLES.values()) {
        const work = workOf(table);
        work.replace = true;
        work.replacedBatches.add(`${request.partition}-${request.endOffset}`);
      }
    }
    const appId = `${input.topic}-${request.partition}`;
    const batch = `${input.topic}-${request.partition}-${request.startOffset}`;
    const touch = (key: string): TableWork => {
      const table = deltaTableOfKey(key);
      if (!table) throw ApplicationFailure.nonRetryable(`${key} is not a data file of a lake table`, 'DeltaCommitRefused');
      const work = workOf(table);
      work.txns.set(appId, Math.max(request.endOffset, work.txns.get(appId) ?? -1));
      if (!work.batches.includes(batch)) work.batches.push(batch);
      return work;
    };
    const batchOfRequest = `${request.partition}-${request.endOffset}`;
    for (const key of request.keys) {
      const work = touch(key);
      if (request.replace) {
        work.replacements.add(key);
        work.replace = true;
      } else {
        let keys = work.appends.get(batchOfRequest);
        if (!keys) work.appends.set(batchOfRequest, (keys = new Set()));
        keys.add(key);
      }
    }
    for (const key of request.replace?.removeKeys ?? []) touch(key).remove.add(key);
  }
  return tables;
}

/** Size and statistics of a data file; a missing file fails the round (its batch wrote it before asking). */
async function factsOf(lake: LakeStore, io: BatchIo | undefined, work: Pick<TableWork, 'table'>, key: string): Promise<DataFileFacts> {
  const partitionColumns = work.table.partitionColumns.map((p) => p.name);
  const written = io?.writtenPart(key);
  // Taken from the rows at the write, without the partition columns (batch-io.ts): the same figures.
  if (written) return { key, size: written.size, stats: written.stats };
  const bytes = await lake.get(key);
  if (!bytes) throw ApplicationFailure.nonRetryable(`lake object ${key} is missing: its batch wrote it before asking for the commit`, 'CorruptBatch');
  return { key, size: bytes.byteLength, stats: fileStatsOf(work.table.spec, await readParquet(bytes, { key }), partitionColumns) };
}

async function commitTable(lake: LakeStore, io: BatchIo | undefined, work: TableWork, timestampMs: number, retention: Retention): Promise<DeltaTableCommit | undefined> {
  const { vacuumRetentionMs } = retention;
  const log = deltaLogOf(lake, work.table.spec.path, { tombstoneRetentionMs: retention.keepTombstonesMs });
  const snapshot = await log.snapshot();
  const path = work.table.spec.path;
  const live = (key: string): boolean => snapshot.files.has(relativeDataPath(path, key));
  const toAdd = new Set<string>();
  // A batch is in the table once any file holds it: its own parts, or (after OPTIMIZE or a
  // backfill) a compacted file or a backfill's parts. A re-sent or replayed batch adds nothing then.
  const index = heldBatchesOf(lake, path, snapshot);
  const held = index.held;
  for (const [batch, keys] of work.appends) {
    if (work.replacedBatches.has(batch) || held.has(batch) || [...keys].some(live)) continue;
    for (const key of keys) toAdd.add(key);
  }
  for (const key of work.replacements) if (!live(key) || rewriteOf(key) === undefined) toAdd.add(key);
  const add = await Promise.all([...toAdd].sort().map((key) => factsOf(lake, io, work, key)));
  const replaced: string[] = [];
  const restored: string[] = [];
  for (const [p, file] of snapshot.files) {
    const key = dataKeyOf(path, p);
    const batches = batchesOfFile(key, file);
    if (!batches.some((b) => work.replacedBatches.has(b))) continue;
    replaced.push(key);
    // A compacted file also holds batches the backfill does not re-derive: it goes, and their
    // source parts (removed by OPTIMIZE, still on disk until VACUUM) come back.
    const sources = sourcePartsOf(key, file).filter((s) => !work.replacedBatches.has(s.batch) && !work.replacements.has(s.key));
    if (sources.length === 0) continue;
    // VACUUM deletes the sources a retention after the compaction: re-adding them is safe well before that only.
    if (timestampMs - file.modificationTime > vacuumRetentionMs / 2) {
      throw ApplicationFailure.nonRetryable(`${key} compacted batches this backfill re-derives longer than half of DELTA_VACUUM_RETENTION ago; its other batches' parts may be vacuumed (docs/design.md §12)`, 'DeltaCommitRefused');
    }
    for (const source of sources) restored.push(source.key);
  }
  // A backfill's work covers every table; one that does not exist yet and gets no file stays absent.
  if (snapshot.version < 0 && add.length === 0 && restored.length === 0) return undefined;
  for (const key of restored) {
    if (!(await lake.get(key))) throw ApplicationFailure.nonRetryable(`${key}, a part of a compacted file this backfill takes apart, is gone (vacuumed?)`, 'DeltaCommitRefused');
    add.push(await factsOf(lake, undefined, work, key));
  }
  const actions = planCommit({
    table: work.table,
    snapshot,
    add,
    remove: [...work.remove, ...replaced].filter((key) => !work.replacements.has(key)),
    txns: work.txns,
    timestampMs,
    operation: work.replace ? 'REPLACE' : 'WRITE',
    note: `batches ${work.batches.join(' ')}`,
  });
  if (!actions) return undefined;
  const committed = await log.commit(snapshot, actions);
  index.advance(actions);
  return { table: path, version: snapshot.version + 1, added: add.length, removed: actions.filter((a) => 'remove' in a).length, files: committed.files.size, ...tombstonesOf(committed) };
}

/** The snapshot's tombstones for a commit's result, when it has any (the checkpoint cadence counts them with the files). */
function tombstonesOf(snapshot: DeltaSnapshot): { tombstones?: number } {
  return snapshot.tombstones.size > 0 ? { tombstones: snapshot.tombstones.size } : {};
}

/** One OPTIMIZE commit for a table: the groups still valid against its current snapshot (planCompactionCommit). */
async function commitCompaction(lake: LakeStore, request: CompactionRequest, timestampMs: number, retention: Retention): Promise<DeltaTableCommit | undefined> {
  const table = DELTA_TABLES.get(request.table);
  if (!table) throw ApplicationFailure.nonRetryable(`${request.table} is not a lake table`, 'DeltaCommitRefused');
  const log = deltaLogOf(lake, table.spec.path, { tombstoneRetentionMs: retention.keepTombstonesMs });
  const snapshot = await log.snapshot();
  const rel = (key: string): string => relativeDataPath(table.spec.path, key);
  const groups = [];
  for (const group of request.groups) {
    // A group overtaken by another commit is skipped by the plan; its target need not be read.
    if (snapshot.files.has(rel(group.target))) continue;
    if (group.sources.some((key) => !snapshot.files.has(rel(key)))) continue;
    groups.push({ sources: group.sources, target: await factsOf(lake, undefined, { table }, group.target) });
  }
  const actions = planCompactionCommit(table, snapshot, groups, timestampMs);
  const committed = actions ? await log.commit(snapshot, actions) : undefined;
  // A target this commit did not add and no version names (its group overtaken by a backfill or
  // another compaction) would stay in the lake for good, since VACUUM deletes only what a commit removed.
  const added = new Set((actions ?? []).flatMap((a) => ('add' in a ? [a.add.path] : [])));
  for (const group of request.groups) {
    const target = rel(group.target);
    if (!added.has(target) && !snapshot.files.has(target) && !snapshot.tombstones.has(target)) await lake.delete(group.target);
  }
  if (!actions || !committed) return undefined;
  return {
    table: table.spec.path,
    version: snapshot.version + 1,
    added: actions.filter((a) => 'add' in a).length,
    removed: actions.filter((a) => 'remove' in a).length,
    files: committed.files.size,
    ...tombstonesOf(committed),
    operation: 'OPTIMIZE',
  };
}

/** Checkpoint every this many versions unless the settings say otherwise (Spark's and delta-rs's default). */
const DEFAULT_CHECKPOINT_INTERVAL = 10;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The VACUUM retention and how long tombstones are kept (tombstoneRetentionMs). */
interface Retention {
  vacuumRetentionMs: number;
  keepTombstonesMs: number;
}

export function createDeltaCommitActivities(deps: Pick<ActivityDeps, 'lake'> & { config?: Pick<ActivityDeps['config'], 'DELTA_CHECKPOINT_INTERVAL' | 'DELTA_VACUUM_RETENTION'> & Partial<Pick<ActivityDeps['config'], 'LAKE_MAINTENANCE_EVERY'>> }, io?: BatchIo) {
  const interval = deps.config?.DELTA_CHECKPOINT_INTERVAL ?? DEFAULT_CHECKPOINT_INTERVAL;
  const vacuumRetentionMs = deps.config?.DELTA_VACUUM_RETENTION ?? 7 * DAY_MS;
  const retention: Retention = { vacuumRetentionMs, keepTombstonesMs: tombstoneRetentionMs({ vacuumRetentionMs, maintenanceEveryMs: deps.config?.LAKE_MAINTENANCE_EVERY ?? HOUR_MS }) };
  return {
    async commitDeltaBatches(input: DeltaCommitInput): Promise<DeltaCommitOutcome> {
      const requests: DeltaCommitRequest[] = [];
      const manifests: string[] = [];
      const compactions: CompactionRequest[] = [];
      for (const request of input.requests) {
        const prefix = request.replace?.manifestPrefix;
        if (request.compact) {
          compactions.push(...request.compact);
          continue;
        }
        if (prefix === undefined) requests.push(request);
        else {
          requests.push(...(await backfillRequests(deps.lake, request, prefix)));
          manifests.push(prefix);
        }
      }
      const work = [...workPerTable({ ...input, requests }).values()];
      const commits = await Promise.all(work.map((w) => commitTable(deps.lake, io, w, input.timestampMs, retention)));
      // Committed: the manifests have done their work (a retry finds none and commits nothing).
      for (const prefix of manifests) for (const key of await deps.lake.list(prefix)) await deps.lake.delete(key);
      // After the batches' commits: a compaction is checked against the snapshot they made.
      for (const compaction of compactions) commits.push(await commitCompaction(deps.lake, compaction, input.timestampMs, retention));
      const made = commits.filter((c): c is DeltaTableCommit => c !== undefined);
      const checkpointDue = [...new Set(made.filter((c) => checkpointDueAt(c.version, (c.files ?? 0) + (c.tombstones ?? 0), interval)).map((c) => c.table))].sort();
      return checkpointDue.length > 0 ? { commits: made, checkpointDue } : { commits: made };
    },

    /**
     * Checkpoints of the tables' current versions (the committer calls it after answering a round,
     * off the batches' path). Remove tombstones are kept for the VACUUM retention plus a grace
     * (tombstoneRetentionMs), so VACUUM sees every one before a checkpoint drops it.
     */
    async writeDeltaCheckpoints(input: DeltaCheckpointInput): Promise<{ table: string; version: number }[]> {
      const written = [];
      for (const tablePath of input.tables) {
        const log = deltaLogOf(deps.lake, tablePath, { tombstoneRetentionMs: retention.keepTombstonesMs });
        const snapshot = await log.snapshot();
        if (snapshot.version < 0) continue;
        const last = await log.writeCheckpoint(snapshot, { tombstonesAfterMs: input.timestampMs - retention.keepTombstonesMs });
        written.push({ table: tablePath, version: last.version });
      }
      return written;
    },

    /** A backfill child's derived batches, kept until the backfill's one commit per table. */
    async recordBackfillManifest(input: { backfillId: string; date: string; partition: number; manifest: BackfillManifest }): Promise<void> {
      const first = input.manifest.batches[0]?.startOffset ?? 0;
      await deps.lake.put(backfillManifestKey(input.backfillId, input.date, input.partition, first), new TextEncoder().encode(JSON.stringify(input.manifest)), 'application/json');
    },
  };
}
