// OPTIMIZE and VACUUM of a Delta table, the pure part (docs/design.md §12, "Maintenance"): which
// small files of a partition to compact into one, the commit that swaps them (remove + add with
// dataChange false, so streaming readers of changes skip it), and which removed files VACUUM may
// delete. The activities in src/activities/lake-maintenance.ts do the reading and writing.
import { createHash } from 'node:crypto';
import { atOffsetOf, batchRangeOf, partName } from '../keys.ts';
import { dataKeyOf, DELTA_ENGINE_INFO, relativeDataPath, type AddAction, type DeltaAction } from './protocol.ts';
import { partitionValuesOf, type DeltaTable } from './schema.ts';
import type { DeltaSnapshot } from './snapshot.ts';
import type { DataFileFacts } from './commit.ts';

/**
 * Tag of a compacted file's `add`: the batch parts whose rows it holds, as `<partition>-<start>-<end>`
 * (`…@<tag>` for a backfill's part, `….backfill-<tag>.parquet`), space-separated. From it a backfill
 * finds the parts to put back (`sourcePartsOf`).
 */
export const COMPACTED_BATCHES_TAG = 'streaming-orders.batches';
/** Source files of one compacted file at most (its commit request stays small, its rows fit in memory). */
export const MAX_FILES_PER_COMPACTION = 256;

/** The batch a data file's name belongs to, as `<partition>-<end offset>`: its part name, or the `at=<end+1>` of a snapshot table. */
export function batchOfDataKey(key: string): string | undefined {
  const range = batchRangeOf(key);
  if (range) return `${range.partition}-${range.end}`;
  const at = atOffsetOf(key);
  return at ? `${at.partition}-${at.offset - 1}` : undefined;
}

/** The batches whose rows a live file holds: a compacted file's tag, else its name's batch. */
export function batchesOfFile(key: string, add: Pick<AddAction, 'tags'> | undefined): string[] {
  const tagged = add?.tags?.[COMPACTED_BATCHES_TAG];
  if (tagged !== undefined) return partsOfTag(tagged).map((r) => `${r.partition}-${r.end}`);
  const batch = batchOfDataKey(key);
  return batch ? [batch] : [];
}

function partsOfTag(tag: string): { partition: number; start: number; end: number; rewrite?: string }[] {
  return tag
    .split(' ')
    .filter((t) => t !== '')
    .map((t) => {
      const [range, rewrite] = t.split('@');
      const [partition, start, end] = range!.split('-').map(Number);
      return { partition: partition!, start: start!, end: end!, ...(rewrite ? { rewrite } : {}) };
    });
}

/** The compacted file's source parts (`<folder>/part-P-<start>-<end>[.backfill-<tag>].parquet`), with the batch of each; empty for a file that is not compacted. */
export function sourcePartsOf(key: string, add: Pick<AddAction, 'tags'>): { key: string; batch: string }[] {
  const tagged = add.tags?.[COMPACTED_BATCHES_TAG];
  if (tagged === undefined) return [];
  const folder = key.slice(0, key.lastIndexOf('/'));
  return partsOfTag(tagged).map((r) => ({ key: `${folder}/${partName(r.partition, r.start, r.end, r.rewrite)}`, batch: `${r.partition}-${r.end}` }));
}

/** The tag entries of a file about to be compacted: its own tag's, or its part name's range (and backfill tag). */
function tagPartsOf(key: string, add: Pick<AddAction, 'tags'>): string[] {
  const tagged = add.tags?.[COMPACTED_BATCHES_TAG];
  if (tagged !== undefined) return tagged.split(' ').filter((t) => t !== '');
  const range = batchRangeOf(key);
  return range ? [`${range.partition}-${range.start}-${range.end}${range.rewrite ? `@${range.rewrite}` : ''}`] : [];
}

/** Names a backfill's part has (`….backfill-<tag>.parquet`), tested without parsing the whole name. */
const BACKFILL_PART_MARK = '.backfill-';

/** How many live files hold each batch, counting only compacted files and a backfill's parts. */
export type HeldBatches = Map<string, number>;

/** The batches a live file holds if it is a compacted file or a backfill's part; none for a stream part. */
function batchesOfRewrite(tablePath: string, path: string, add: Pick<AddAction, 'tags'>): string[] {
  if (add.tags?.[COMPACTED_BATCHES_TAG] === undefined && !path.includes(BACKFILL_PART_MARK)) return [];
  return batchesOfFile(dataKeyOf(tablePath, path), add);
}

/**
 * The batches held by live files that are not the stream's own parts: compacted files and a
 * backfill's parts. With the batch's own keys, they tell whether a table holds a batch already
 * (its commit adds nothing then, docs/design.md §12). One pass over the snapshot; a writer keeps
 * it up to date across its own commits with `heldAfterCommit`.
 */
export function batchesHeldByRewrites(tablePath: string, snapshot: Pick<DeltaSnapshot, 'files'>): HeldBatches {
  const held: HeldBatches = new Map();
  for (const [path, add] of snapshot.files) for (const batch of batchesOfRewrite(tablePath, path, add)) held.set(batch, (held.get(batch) ?? 0) + 1);
  return held;
}

/** `held` of `before` changed, in place, by the commit `actions` made on it (an `add` replaces a live file of the same path). */
export function heldAfterCommit(held: HeldBatches, tablePath: string, before: Pick<DeltaSnapshot, 'files'>, actions: readonly DeltaAction[]): HeldBatches {
  // What the commit has done to a path so far: its new add, or null once removed.
  const changed = new Map<string, Pick<AddAction, 'tags'> | null>();
  const drop = (path: string) => {
    const add = changed.has(path) ? changed.get(path) : before.files.get(path);
    if (add) for (const batch of batchesOfRewrite(tablePath, path, add)) held.set(batch, (held.get(batch) ?? 1) - 1);
  };
  for (const action of actions) {
    if ('remove' in action) {
      drop(action.remove.path);
      changed.set(action.remove.path, null);
    } else if ('add' in action) {
      drop(action.add.path);
      changed.set(action.add.path, action.add);
      for (const batch of batchesOfRewrite(tablePath, action.add.path, action.add)) held.set(batch, (held.get(batch) ?? 0) + 1);
    }
  }
  for (const [batch, count] of held) if (count <= 0) held.delete(batch);
  return held;
}

/**
 * Whether OPTIMIZE may compact the table: only tables partitioned by date alone, whose files are
 * appended per batch. The per-partition tables are not: the quarantine is read by the DLQ one
 * batch file at a time, and the snapshot tables keep one file per batch by design.
 */
export function compactable(table: DeltaTable): boolean {
  return table.partitionColumns.length > 0 && table.partitionColumns.every((p) => p.type === 'DATE');
}

export interface CompactionGroup {
  /** Lake keys of the files to replace, sorted; all in one partition folder. */
  sources: string[];
  /**
   * The compacted file's key, `compacted-<addedByMs>-<hash>.parquet`: the run's time and a hash of
   * the sources as the log added them (path, size, modification time). A retried activity that
   * plans the same sources writes the same object whatever else the table gained meanwhile; a
   * later compaction never reuses a key VACUUM may delete; and VACUUM can tell from the name alone
   * how old a compacted file that no version names is (`orphanedCompactedKeys`).
   */
  target: string;
}

export interface CompactionPolicy {
  /** `YYYY-MM-DD` of today: older date partitions are compacted from 2 small files. */
  today: string;
  /** Small files from which a partition of today (or later) is compacted. */
  minFilesToday: number;
  smallFileBytes: number;
  /**
   * Only files added at or before this time (the workflow's, so the same on every attempt): a
   * retried activity plans the groups the first attempt planned even if batches committed since.
   */
  addedByMs: number;
}

/** The groups of small files OPTIMIZE compacts in this snapshot (none for a table that is not compactable). */
export function planCompaction(table: DeltaTable, snapshot: DeltaSnapshot, policy: CompactionPolicy): CompactionGroup[] {
  if (!compactable(table)) return [];
  const tablePath = table.spec.path;
  const byPartition = new Map<string, string[]>();
  for (const [path, add] of snapshot.files) {
    if (add.size >= policy.smallFileBytes) continue;
    if (add.modificationTime > policy.addedByMs) continue;
    const key = dataKeyOf(tablePath, path);
    const folder = key.slice(0, key.lastIndexOf('/'));
    let files = byPartition.get(folder);
    if (!files) byPartition.set(folder, (files = []));
    files.push(key);
  }
  const groups: CompactionGroup[] = [];
  for (const [folder, files] of [...byPartition].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const date = Object.values(partitionValuesOf(table, files[0]!))[0]!;
    const needed = date < policy.today ? 2 : policy.minFilesToday;
    if (files.length < Math.max(2, needed)) continue;
    files.sort();
    for (let i = 0; i < files.length; i += MAX_FILES_PER_COMPACTION) {
      const sources = files.slice(i, i + MAX_FILES_PER_COMPACTION);
      if (sources.length < 2) continue;
      const hash = compactionHash(tablePath, sources, snapshot);
      groups.push({ sources, target: `${folder}/compacted-${Math.max(0, Math.floor(policy.addedByMs))}-${hash}.parquet` });
    }
  }
  return groups;
}

/** What a compacted file's name is derived from: each source's path, size and modification time in the log. */
function compactionHash(tablePath: string, sources: readonly string[], snapshot: Pick<DeltaSnapshot, 'files'>): string {
  const facts = sources.map((key) => {
    const path = relativeDataPath(tablePath, key);
    const add = snapshot.files.get(path)!;
    return `${path} ${add.size} ${add.modificationTime}`;
  });
  return createHash('sha256').update(facts.join('\n')).digest('hex').slice(0, 32);
}

/**
 * The commit of compacted files: for each group whose sources are all still in the table and whose
 * target is not, `remove` of the sources and `add` of the target (dataChange false: the rows are the
 * same). Groups overtaken by another commit (a source already gone) are left out, so a retried or
 * second run commits nothing twice. Undefined when no group is left.
 */
export function planCompactionCommit(table: DeltaTable, snapshot: DeltaSnapshot, groups: readonly { sources: readonly string[]; target: DataFileFacts }[], timestampMs: number): DeltaAction[] | undefined {
  const tablePath = table.spec.path;
  const actions: DeltaAction[] = [];
  let added = 0;
  let removed = 0;
  const taken = new Set<string>();
  for (const group of groups) {
    const sourcePaths = group.sources.map((key) => relativeDataPath(tablePath, key));
    const targetPath = relativeDataPath(tablePath, group.target.key);
    if (snapshot.files.has(targetPath) || sourcePaths.some((p) => !snapshot.files.has(p) || taken.has(p))) continue;
    const parts = new Set<string>();
    for (const [i, path] of sourcePaths.entries()) {
      const source = snapshot.files.get(path)!;
      for (const part of tagPartsOf(group.sources[i]!, source)) parts.add(part);
      taken.add(path);
      actions.push({ remove: { path, deletionTimestamp: timestampMs, dataChange: false, extendedFileMetadata: true, partitionValues: source.partitionValues, size: source.size } });
      removed++;
    }
    actions.push({
      add: {
        path: targetPath,
        partitionValues: partitionValuesOf(table, group.target.key),
        size: group.target.size,
        modificationTime: timestampMs,
        dataChange: false,
        stats: JSON.stringify(group.target.stats),
        tags: { [COMPACTED_BATCHES_TAG]: [...parts].sort().join(' ') },
      },
    });
    added++;
  }
  if (added === 0) return undefined;
  actions.push({
    commitInfo: {
      timestamp: timestampMs,
      operation: 'OPTIMIZE',
      operationParameters: { predicate: '[]', zOrderBy: '[]' },
      isBlindAppend: false,
      engineInfo: DELTA_ENGINE_INFO,
      operationMetrics: { numAddedFiles: String(added), numRemovedFiles: String(removed) },
    },
  });
  return actions;
}

const DAY_MS = 86_400_000;

/**
 * How long a remove tombstone stays in snapshots and checkpoints: the VACUUM retention (Delta's
 * deletedFileRetentionDuration: until then VACUUM must not delete the file, and readers of older
 * versions may still read it) plus a grace in which VACUUM, which deletes only what a tombstone
 * names, sees it at least twice: a day, or two maintenance intervals when they are longer. Before,
 * twice the retention (14 days); the protocol asks for the retention only.
 */
export function tombstoneRetentionMs(settings: { vacuumRetentionMs: number; maintenanceEveryMs: number }): number {
  return settings.vacuumRetentionMs + Math.max(DAY_MS, 2 * settings.maintenanceEveryMs);
}

const COMPACTED_NAME = /\/compacted-(\d+)-[0-9a-f]{32}\.parquet$/;

/**
 * Compacted files no version names (neither live nor removed in the log) whose run is older than
 * the retention: a run that wrote its file and never committed it (its group overtaken between a
 * failed attempt and the retry, or the run terminated before its commit). VACUUM deletes them; the
 * name gives the run's time, so no store timestamp is needed. `listed`: keys under the table folder.
 */
export function orphanedCompactedKeys(tablePath: string, snapshot: Pick<DeltaSnapshot, 'files' | 'tombstones'>, listed: readonly string[], options: { nowMs: number; retentionMs: number }): string[] {
  const before = options.nowMs - options.retentionMs;
  return listed
    .filter((key) => {
      const match = COMPACTED_NAME.exec(key);
      if (!match || Number(match[1]) >= before) return false;
      const path = relativeDataPath(tablePath, key);
      return !snapshot.files.has(path) && !snapshot.tombstones.has(path);
    })
    .sort();
}

/** The removed files VACUUM deletes: tombstones older than the retention whose path no live file has. */
export function vacuumablePaths(snapshot: DeltaSnapshot, options: { nowMs: number; retentionMs: number }): string[] {
  const before = options.nowMs - options.retentionMs;
  return [...snapshot.tombstones.values()]
    .filter((r) => r.deletionTimestamp < before && !snapshot.files.has(r.path))
    .map((r) => r.path)
    .sort();
}
