// OPTIMIZE and VACUUM of the lake's Delta tables (docs/design.md §12, "Maintenance"), the I/O of
// the lake-maintenance workflow. Writing a compacted file is done here; making it part of a table
// is not: that commit goes through the topic's committer, the tables' only writer, so a batch
// commit and a compaction never race. VACUUM writes no commit: it deletes removed files past the
// retention, compacted files no version names past the retention (a run that never committed its
// file), and JSON commits and checkpoints before the newest checkpoint past the log retention.
import { readParquet, writeParquet } from '../lake/parquet.ts';
import {
  checkpointKey,
  commitKey,
  decodeCommit,
  deltaLogOf,
  deltaLogPrefix,
  DELTA_TABLES,
  compactable,
  orphanedCompactedKeys,
  planCompaction,
  vacuumablePaths,
  versionOfCheckpointKey,
  versionOfCommitKey,
  dataKeyOf,
  tombstoneRetentionMs,
} from '../lake/delta/index.ts';
import type { LakeStore } from '../lake/store.ts';
import type { CompactionRequest } from '../contract/delta-commit.ts';
import type { CompactionPlanned, TableVacuumed } from '../contract/lake-maintenance.ts';
import type { ActivityDeps } from './deps.ts';

type MaintenanceConfig = Pick<ActivityDeps['config'], 'DELTA_OPTIMIZE_MIN_FILES' | 'DELTA_OPTIMIZE_SMALL_FILE_MB' | 'DELTA_VACUUM_RETENTION' | 'DELTA_LOG_RETENTION'> & Partial<Pick<ActivityDeps['config'], 'LAKE_MAINTENANCE_EVERY'>>;

/**
 * Compacted files written per table in one activity at most (16 × 256 sources): the commit request
 * stays small and one attempt stays short; the workflow calls again while `more` says a table has
 * groups left (docs/design.md §12, "Maintenance").
 */
export const MAX_GROUPS_PER_TABLE = 16;
const HOUR_MS = 3_600_000;

/** Reads the sources and writes their rows, in source order, as one file at the group's target (same sources, same bytes). */
async function writeCompacted(lake: LakeStore, tablePath: string, group: { sources: string[]; target: string }): Promise<number> {
  const table = DELTA_TABLES.get(tablePath)!;
  const rows: Record<string, unknown>[] = [];
  for (const key of group.sources) {
    const bytes = await lake.get(key);
    // A live file that is gone is a broken table, not something to paper over by compacting the rest.
    if (!bytes) throw new RangeError(`${key} is in the snapshot of ${tablePath} but not in the lake`);
    for (const row of await readParquet(bytes, { key })) rows.push(row);
  }
  await lake.put(group.target, writeParquet(table.spec, rows), 'application/octet-stream');
  return rows.length;
}

/** The commit timestamps of log files, oldest first, up to the first one younger than `before` (one GET each). */
async function deletableCommits(lake: LakeStore, tablePath: string, versions: number[], before: number): Promise<number[]> {
  const deletable: number[] = [];
  for (const version of versions) {
    const bytes = await lake.get(commitKey(tablePath, version));
    if (!bytes) continue;
    const info = decodeCommit(new TextDecoder().decode(bytes)).find((a) => 'commitInfo' in a);
    const timestamp = info && 'commitInfo' in info ? info.commitInfo.timestamp : undefined;
    if (timestamp === undefined || timestamp >= before) break;
    deletable.push(version);
  }
  return deletable;
}

export function createLakeMaintenanceActivities(deps: Pick<ActivityDeps, 'lake'> & { config: MaintenanceConfig }) {
  const { lake, config } = deps;
  const keepTombstonesMs = tombstoneRetentionMs({ vacuumRetentionMs: config.DELTA_VACUUM_RETENTION, maintenanceEveryMs: config.LAKE_MAINTENANCE_EVERY ?? HOUR_MS });
  const logOf = (tablePath: string) => deltaLogOf(lake, tablePath, { tombstoneRetentionMs: keepTombstonesMs });
  return {
    /**
     * Plans OPTIMIZE of every table and writes the compacted files; the workflow asks the committer
     * to commit them. A retry plans on the files added by the same `nowMs` (the workflow's), so it
     * writes the same keys. A group the committer can no longer commit has its file deleted there
     * (src/activities/delta-commit.ts); a file no request reached (a retry whose plan changed, a
     * run terminated first) is deleted by VACUUM once past the retention. `more`: some table had
     * more groups than MAX_GROUPS_PER_TABLE, so another call after this commit has work.
     */
    async writeCompactedFiles(input: { nowMs: number }): Promise<{ requests: CompactionRequest[]; planned: CompactionPlanned[]; more: boolean }> {
      const today = new Date(input.nowMs).toISOString().slice(0, 10);
      const requests: CompactionRequest[] = [];
      const planned: CompactionPlanned[] = [];
      let more = false;
      for (const table of DELTA_TABLES.values()) {
        const snapshot = await logOf(table.spec.path).snapshot();
        if (snapshot.version < 0) continue;
        const all = planCompaction(table, snapshot, { today, minFilesToday: config.DELTA_OPTIMIZE_MIN_FILES, smallFileBytes: config.DELTA_OPTIMIZE_SMALL_FILE_MB * 1024 * 1024, addedByMs: input.nowMs });
        if (all.length > MAX_GROUPS_PER_TABLE) more = true;
        const groups = all.slice(0, MAX_GROUPS_PER_TABLE);
        if (groups.length === 0) continue;
        let rows = 0;
        for (const group of groups) rows += await writeCompacted(lake, table.spec.path, group);
        requests.push({ table: table.spec.path, groups });
        planned.push({ table: table.spec.path, files: groups.reduce((n, g) => n + g.sources.length, 0), into: groups.length, rows });
      }
      return { requests, planned, more };
    },

    /**
     * VACUUM of every table: removed files past DELTA_VACUUM_RETENTION, compacted files no version
     * names whose run is past it, log files before the newest checkpoint past DELTA_LOG_RETENTION.
     */
    async vacuumTables(input: { nowMs: number }): Promise<TableVacuumed[]> {
      const results: TableVacuumed[] = [];
      for (const table of DELTA_TABLES.values()) {
        const tablePath = table.spec.path;
        const log = logOf(tablePath);
        const snapshot = await log.snapshot();
        if (snapshot.version < 0) continue;
        let files = 0;
        for (const path of vacuumablePaths(snapshot, { nowMs: input.nowMs, retentionMs: config.DELTA_VACUUM_RETENTION })) {
          const key = dataKeyOf(tablePath, path);
          if (await lake.get(key).then((b) => b !== undefined)) {
            await lake.delete(key);
            files++;
          }
        }
        if (compactable(table)) {
          for (const key of orphanedCompactedKeys(tablePath, snapshot, await lake.list(`${tablePath}/`), { nowMs: input.nowMs, retentionMs: config.DELTA_VACUUM_RETENTION })) {
            await lake.delete(key);
            files++;
          }
        }
        let logFiles = 0;
        const last = await log.readLastCheckpoint();
        if (last) {
          const listed = await lake.list(deltaLogPrefix(tablePath));
          const commits = listed.map(versionOfCommitKey).filter((v): v is number => v !== undefined && v < last.version).sort((a, b) => a - b);
          const doomed = await deletableCommits(lake, tablePath, commits, input.nowMs - config.DELTA_LOG_RETENTION);
          // Oldest first: a reader listing the log mid-way still finds an unbroken run of commits after what is left.
          for (const version of doomed) await lake.delete(commitKey(tablePath, version));
          logFiles += doomed.length;
          const oldestKept = commits.find((v) => !doomed.includes(v)) ?? last.version;
          for (const version of listed.map(versionOfCheckpointKey).filter((v): v is number => v !== undefined && v < last.version && v < oldestKept)) {
            await lake.delete(checkpointKey(tablePath, version));
            logFiles++;
          }
        }
        if (files > 0 || logFiles > 0) results.push({ table: tablePath, files, logFiles });
      }
      return results;
    },
  };
}
