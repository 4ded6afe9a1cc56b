// OPTIMIZE and VACUUM of a Delta table, the pure part (docs/design.md §12, "Maintenance"): which
// small files of a partition to compact into one, the commit that swaps them (remove + add with
// dataChange false, so streaming readers of changes skip it), and which removed files VACUUM may
// delete. The activities in src/activities/lake-maintenance.ts do the reading and writing.
import { createHash } from 'node:crypto';
import { atOffsetOf, batchRangeOf, padOffset } from '../keys.ts';
import { dataKeyOf, DELTA_ENGINE_INFO, relativeDataPath, type AddAction, type DeltaAction } from './protocol.ts';
import { partitionValuesOf, type DeltaTable } from './schema.ts';
import type { DeltaSnapshot } from './snapshot.ts';
import type { DataFileFacts } from './commit.ts';

/**
 * Tag of a compacted file's `add`: the batch parts whose rows it holds, as `<partition>-<start>-<end>`,
 * space-separated. From it a backfill finds the parts to put back (`sourcePartsOf`).
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

function partsOfTag(tag: string): { partition: number; start: number; end: number }[] {
  return tag
    .split(' ')
    .filter((t) => t !== '')
    .map((t) => {
      const [partition, start, end] = t.split('-').map(Number);
      return { partition: partition!, start: start!, end: end! };
    });
}

/** The compacted file's source parts (`<folder>/part-P-<start>-<end>.parquet`), with the batch of each; empty for a file that is not compacted. */
export function sourcePartsOf(key: string, add: Pick<AddAction, 'tags'>): { key: string; batch: string }[] {
  const tagged = add.tags?.[COMPACTED_BATCHES_TAG];
  if (tagged === undefined) return [];
  const folder = key.slice(0, key.lastIndexOf('/'));
  return partsOfTag(tagged).map((r) => ({ key: `${folder}/part-${r.partition}-${padOffset(r.start)}-${padOffset(r.end)}.parquet`, batch: `${r.partition}-${r.end}` }));
}

/** The tag entries of a file about to be compacted: its own tag's, or its part name's range. */
function tagPartsOf(key: string, add: Pick<AddAction, 'tags'>): string[] {
  const tagged = add.tags?.[COMPACTED_BATCHES_TAG];
  if (tagged !== undefined) return tagged.split(' ').filter((t) => t !== '');
  const range = batchRangeOf(key);
  return range ? [`${range.partition}-${range.start}-${range.end}`] : [];
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
   * The compacted file's key, from the sources and the snapshot's version: two runs planning on the
   * same version write the same object, and a later compaction never reuses a key VACUUM may delete.
   */
  target: string;
}

export interface CompactionPolicy {
  /** `YYYY-MM-DD` of today: older date partitions are compacted from 2 small files. */
  today: string;
  /** Small files from which a partition of today (or later) is compacted. */
  minFilesToday: number;
  smallFileBytes: number;
}

/** The groups of small files OPTIMIZE compacts in this snapshot (none for a table that is not compactable). */
export function planCompaction(table: DeltaTable, snapshot: DeltaSnapshot, policy: CompactionPolicy): CompactionGroup[] {
  if (!compactable(table)) return [];
  const tablePath = table.spec.path;
  const byPartition = new Map<string, string[]>();
  for (const [path, add] of snapshot.files) {
    if (add.size >= policy.smallFileBytes) continue;
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
      const hash = createHash('sha256').update(`${snapshot.version}\n${sources.join('\n')}`).digest('hex').slice(0, 32);
      groups.push({ sources, target: `${folder}/compacted-${hash}.parquet` });
    }
  }
  return groups;
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

/** The removed files VACUUM deletes: tombstones older than the retention whose path no live file has. */
export function vacuumablePaths(snapshot: DeltaSnapshot, options: { nowMs: number; retentionMs: number }): string[] {
  const before = options.nowMs - options.retentionMs;
  return [...snapshot.tombstones.values()]
    .filter((r) => r.deletionTimestamp < before && !snapshot.files.has(r.path))
    .map((r) => r.path)
    .sort();
}
