// The Delta commit of a committer round (docs/design.md §12): for each table the requests touch,
// one new version that adds the files not yet in it (and, for a backfill, removes the files it
// replaces), with the `txn` of every partition's batches. Idempotent: a file already in the table
// is not added again, so a retried round commits only what the first attempt did not.
import { ApplicationFailure } from '@temporalio/activity';
import { readParquet } from '../lake/parquet.ts';
import { dataKeyOf, DELTA_TABLES, deltaLogOf, deltaTableOfKey, fileStatsOf, planCommit, relativeDataPath, type DataFileFacts, type DeltaTable } from '../lake/delta/index.ts';
import { atOffsetOf, batchRangeOf } from '../lake/keys.ts';
import type { LakeStore } from '../lake/store.ts';
import {
  backfillManifestKey,
  type BackfillManifest,
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

/** The batch a data file belongs to, as `<partition>-<end offset>`: its part name, or the `at=<end+1>` of a snapshot table. */
function batchOfDataKey(key: string): string | undefined {
  const range = batchRangeOf(key);
  if (range) return `${range.partition}-${range.end}`;
  const at = atOffsetOf(key);
  return at ? `${at.partition}-${at.offset - 1}` : undefined;
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
  const replaced = [...snapshot.files.keys()].map((p) => dataKeyOf(path, p)).filter((key) => work.replacedBatches.has(batchOfDataKey(key) ?? ''));
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

export function createDeltaCommitActivities(deps: Pick<ActivityDeps, 'lake'>, io?: BatchIo) {
  return {
    async commitDeltaBatches(input: DeltaCommitInput): Promise<DeltaCommitOutcome> {
      const requests: DeltaCommitRequest[] = [];
      const manifests: string[] = [];
      for (const request of input.requests) {
        const prefix = request.replace?.manifestPrefix;
        if (prefix === undefined) requests.push(request);
        else {
          requests.push(...(await backfillRequests(deps.lake, request, prefix)));
          manifests.push(prefix);
        }
      }
      const work = [...workPerTable({ ...input, requests }).values()];
      const commits = await Promise.all(work.map((w) => commitTable(deps.lake, io, w, input.timestampMs)));
      // Committed: the manifests have done their work (a retry finds none and commits nothing).
      for (const prefix of manifests) for (const key of await deps.lake.list(prefix)) await deps.lake.delete(key);
      return { commits: commits.filter((c): c is DeltaTableCommit => c !== undefined) };
    },

    /** A backfill child's derived batches, kept until the backfill's one commit per table. */
    async recordBackfillManifest(input: { backfillId: string; date: string; partition: number; manifest: BackfillManifest }): Promise<void> {
      const first = input.manifest.batches[0]?.startOffset ?? 0;
      await deps.lake.put(backfillManifestKey(input.backfillId, input.date, input.partition, first), new TextEncoder().encode(JSON.stringify(input.manifest)), 'application/json');
    },
  };
}
