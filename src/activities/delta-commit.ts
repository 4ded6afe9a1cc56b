// The Delta commit of a committer round (docs/design.md §9): for each table the requests touch,
// one new version that adds the files not yet in it (and, for a backfill, removes the files it
// replaces), with the `txn` of every partition's batches. Idempotent: a file already in the table
// is not added again, so a retried round commits only what the first attempt did not.
import { ApplicationFailure } from '@temporalio/activity';
import { readParquet } from '../lake/parquet.ts';
import { deltaLogOf, deltaTableOfKey, fileStatsOf, planCommit, relativeDataPath, type DataFileFacts, type DeltaTable } from '../lake/delta/index.ts';
import type { LakeStore } from '../lake/store.ts';
import type { DeltaCommitInput, DeltaCommitOutcome, DeltaTableCommit } from '../workflows/delta-commit-types.ts';
import type { BatchIo } from './batch-io.ts';
import type { ActivityDeps } from './deps.ts';

interface TableWork {
  table: DeltaTable;
  add: Set<string>;
  remove: Set<string>;
  replace: boolean;
  txns: Map<string, number>;
  batches: string[];
}

/** The requests sorted into one piece of work per table. */
function workPerTable(input: DeltaCommitInput): Map<string, TableWork> {
  const tables = new Map<string, TableWork>();
  for (const request of input.requests) {
    const appId = `${input.topic}-${request.partition}`;
    const batch = `${input.topic}-${request.partition}-${request.startOffset}`;
    const touch = (key: string): TableWork => {
      const table = deltaTableOfKey(key);
      if (!table) throw ApplicationFailure.nonRetryable(`${key} is not a data file of a lake table`, 'DeltaCommitRefused');
      let work = tables.get(table.spec.path);
      if (!work) tables.set(table.spec.path, (work = { table, add: new Set(), remove: new Set(), replace: false, txns: new Map(), batches: [] }));
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
async function factsOf(lake: LakeStore, io: BatchIo | undefined, work: TableWork, key: string): Promise<DataFileFacts> {
  const cached = io?.writtenPart(key);
  let size = cached?.size;
  let rows = cached?.rows as Record<string, unknown>[] | undefined;
  if (size === undefined || rows === undefined) {
    const bytes = await lake.get(key);
    if (!bytes) throw ApplicationFailure.nonRetryable(`lake object ${key} is missing: its batch wrote it before asking for the commit`, 'CorruptBatch');
    size = bytes.byteLength;
    rows = await readParquet(bytes, { key });
  }
  return { key, size, stats: fileStatsOf(work.table.spec, rows, work.table.partitionColumns.map((p) => p.name)) };
}

async function commitTable(lake: LakeStore, io: BatchIo | undefined, work: TableWork, timestampMs: number): Promise<DeltaTableCommit | undefined> {
  const log = deltaLogOf(lake, work.table.spec.path);
  const snapshot = await log.snapshot();
  const path = work.table.spec.path;
  const toAdd = [...work.add].filter((key) => work.replace || !snapshot.files.has(relativeDataPath(path, key))).sort();
  const add = await Promise.all(toAdd.map((key) => factsOf(lake, io, work, key)));
  const actions = planCommit({
    table: work.table,
    snapshot,
    add,
    remove: [...work.remove].filter((key) => !work.add.has(key)),
    txns: work.txns,
    timestampMs,
    operation: work.replace ? 'REPLACE' : 'WRITE',
    note: `batches ${work.batches.join(' ')}`,
  });
  if (!actions) return undefined;
  await log.commit(snapshot, actions);
  return { table: path, version: snapshot.version + 1, added: add.length, removed: actions.filter((a) => 'remove' in a).length };
}

export function createDeltaCommitActivities(deps: Pick<ActivityDeps, 'lake'>, io?: BatchIo) {
  return {
    async commitDeltaBatches(input: DeltaCommitInput): Promise<DeltaCommitOutcome> {
      const work = [...workPerTable(input).values()];
      const commits = await Promise.all(work.map((w) => commitTable(deps.lake, io, w, input.timestampMs)));
      return { commits: commits.filter((c): c is DeltaTableCommit => c !== undefined) };
    },
  };
}
