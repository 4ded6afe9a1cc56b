// The Delta commit of a committer round (docs/design.md §12): for each table the requests touch,
// one new version that adds the files not yet in it (and, for a backfill, removes the files it
// replaces), with the `txn` of every partition's batches. Idempotent: a file already in the table
// is not added again, so a retried round commits only what the first attempt did not.
import { ApplicationFailure } from '@temporalio/activity';
import { readParquet } from '../lake/parquet.ts';
import {
  batchesOfFile,
  dataKeyOf,
  DELTA_TABLES,
  deltaLogOf,
  deltaTableOfKey,
  fileStatsOf,
  planCommit,
  planCompactionCommit,
  relativeDataPath,
  sourcePartsOf,
  type DataFileFacts,
  type DeltaTable,
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
  add: Set<string>;
  remove: Set<string>;
  replace: boolean;
  /** Backfill: batches (`<partition>-<end>`) whose files in the table not in `add` are removed. */
  replacedBatches: Set<string>;
  txns: Map<string, number>;
  batches: string[];
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
    if (!work) tables.set(table.spec.path, (work = { table, add: new Set(), remove: new Set(), replace: false, replacedBatches: new Set(), txns: new Map(), batches: [] }));
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
    for (const key of request.keys) {
      const work = touch(key);
      work.add.add(key);
      if (request.replace) work.replace = true;
    }
    for (const key of request.replace?.removeKeys ?? []) touch(key).remove.add(key);
  }
  return tables;
}

/** Size and statistics of a data file; a missing file fails the round (its batch wrote it before asking). */
async function factsOf(lake: LakeStore, io: BatchIo | undefined, work: Pick<TableWork, 'table'>, key: string): Promise<DataFileFacts> {
  // The statistics of a part this worker wrote were taken from its rows at the write (batch-io.ts): the same figures.
  const written = io?.writtenPart(key);
  if (written) return { key, size: written.size, stats: written.stats };
  const bytes = await lake.get(key);
  if (!bytes) throw ApplicationFailure.nonRetryable(`lake object ${key} is missing: its batch wrote it before asking for the commit`, 'CorruptBatch');
  const rows = await readParquet(bytes, { key });
  return { key, size: bytes.byteLength, stats: fileStatsOf(work.table.spec, rows, work.table.partitionColumns.map((p) => p.name)) };
}

async function commitTable(lake: LakeStore, io: BatchIo | undefined, work: TableWork, timestampMs: number, vacuumRetentionMs: number): Promise<DeltaTableCommit | undefined> {
  const log = deltaLogOf(lake, work.table.spec.path);
  const snapshot = await log.snapshot();
  const path = work.table.spec.path;
  const toAdd = [...work.add].filter((key) => work.replace || !snapshot.files.has(relativeDataPath(path, key))).sort();
  const add = await Promise.all(toAdd.map((key) => factsOf(lake, io, work, key)));
  const replaced: string[] = [];
  const restored: string[] = [];
  for (const [p, file] of snapshot.files) {
    const key = dataKeyOf(path, p);
    const batches = batchesOfFile(key, file);
    if (!batches.some((b) => work.replacedBatches.has(b))) continue;
    replaced.push(key);
    // A compacted file also holds batches the backfill does not re-derive: it goes, and their
    // source parts (removed by OPTIMIZE, still on disk until VACUUM) come back.
    const sources = sourcePartsOf(key, file).filter((s) => !work.replacedBatches.has(s.batch) && !work.add.has(s.key));
    if (sources.length === 0) continue;
    // VACUUM deletes the sources a retention after the compaction: re-adding them is safe well before that only.
    if (timestampMs - file.modificationTime > vacuumRetentionMs / 2) {
      throw ApplicationFailure.nonRetryable(`${key} compacted batches this backfill re-derives longer than half of DELTA_VACUUM_RETENTION ago; its other batches' parts may be vacuumed (docs/design.md §12)`, 'DeltaCommitRefused');
    }
    for (const source of sources) restored.push(source.key);
  }
  for (const key of restored) {
    if (!(await lake.get(key))) throw ApplicationFailure.nonRetryable(`${key}, a part of a compacted file this backfill takes apart, is gone (vacuumed?)`, 'DeltaCommitRefused');
    add.push(await factsOf(lake, undefined, work, key));
  }
  const actions = planCommit({
    table: work.table,
    snapshot,
    add,
    remove: [...work.remove, ...replaced].filter((key) => !work.add.has(key)),
    txns: work.txns,
    timestampMs,
    operation: work.replace ? 'REPLACE' : 'WRITE',
    note: `batches ${work.batches.join(' ')}`,
  });
  if (!actions) return undefined;
  await log.commit(snapshot, actions);
  return { table: path, version: snapshot.version + 1, added: add.length, removed: actions.filter((a) => 'remove' in a).length };
}

/** One OPTIMIZE commit for a table: the groups still valid against its current snapshot (planCompactionCommit). */
async function commitCompaction(lake: LakeStore, request: CompactionRequest, timestampMs: number): Promise<DeltaTableCommit | undefined> {
  const table = DELTA_TABLES.get(request.table);
  if (!table) throw ApplicationFailure.nonRetryable(`${request.table} is not a lake table`, 'DeltaCommitRefused');
  const log = deltaLogOf(lake, table.spec.path);
  const snapshot = await log.snapshot();
  const groups = [];
  for (const group of request.groups) {
    // A group overtaken by another commit is skipped by the plan; its target need not be read.
    if (snapshot.files.has(relativeDataPath(table.spec.path, group.target))) continue;
    if (group.sources.some((key) => !snapshot.files.has(relativeDataPath(table.spec.path, key)))) continue;
    groups.push({ sources: group.sources, target: await factsOf(lake, undefined, { table }, group.target) });
  }
  const actions = planCompactionCommit(table, snapshot, groups, timestampMs);
  if (!actions) return undefined;
  await log.commit(snapshot, actions);
  return { table: table.spec.path, version: snapshot.version + 1, added: actions.filter((a) => 'add' in a).length, removed: actions.filter((a) => 'remove' in a).length, operation: 'OPTIMIZE' };
}

/** Checkpoint every this many versions unless the settings say otherwise (Spark's and delta-rs's default). */
const DEFAULT_CHECKPOINT_INTERVAL = 10;
const DAY_MS = 86_400_000;

export function createDeltaCommitActivities(deps: Pick<ActivityDeps, 'lake'> & { config?: Pick<ActivityDeps['config'], 'DELTA_CHECKPOINT_INTERVAL' | 'DELTA_VACUUM_RETENTION'> }, io?: BatchIo) {
  const interval = deps.config?.DELTA_CHECKPOINT_INTERVAL ?? DEFAULT_CHECKPOINT_INTERVAL;
  const vacuumRetentionMs = deps.config?.DELTA_VACUUM_RETENTION ?? 7 * DAY_MS;
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
      const commits = await Promise.all(work.map((w) => commitTable(deps.lake, io, w, input.timestampMs, vacuumRetentionMs)));
      // Committed: the manifests have done their work (a retry finds none and commits nothing).
      for (const prefix of manifests) for (const key of await deps.lake.list(prefix)) await deps.lake.delete(key);
      // After the batches' commits: a compaction is checked against the snapshot they made.
      for (const compaction of compactions) commits.push(await commitCompaction(deps.lake, compaction, input.timestampMs));
      const made = commits.filter((c): c is DeltaTableCommit => c !== undefined);
      const checkpointDue = [...new Set(made.filter((c) => c.version > 0 && c.version % interval === 0).map((c) => c.table))].sort();
      return checkpointDue.length > 0 ? { commits: made, checkpointDue } : { commits: made };
    },

    /**
     * Checkpoints of the tables' current versions (the committer calls it after answering a round,
     * off the batches' path). Remove tombstones are kept for twice the VACUUM retention, so a
     * VACUUM that runs at least once per retention sees every one before a checkpoint drops it.
     */
    async writeDeltaCheckpoints(input: DeltaCheckpointInput): Promise<{ table: string; version: number }[]> {
      const written = [];
      for (const tablePath of input.tables) {
        const log = deltaLogOf(deps.lake, tablePath);
        const snapshot = await log.snapshot();
        if (snapshot.version < 0) continue;
        const last = await log.writeCheckpoint(snapshot, { tombstonesAfterMs: input.timestampMs - 2 * vacuumRetentionMs });
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
