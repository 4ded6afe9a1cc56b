// How long a new reader (our DeltaLog) takes to load a table's snapshot with COMMITS commits
// (default 2,000, each one batch's `add` and `txn`, as the committer writes them), replaying every
// JSON commit versus starting from a checkpoint (at the last multiple of 10, as the committer
// writes them, so at most 9 commits follow it). On a file:// lake, and on the local stack's S3 when
// --s3 is given (each commit a GET there). Medians of 5 loads. Figures: docs/design.md §12.
//
//   npx tsx bench/delta-log.ts [commits] [--s3]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { DELTA_TABLES, DeltaLog, lastCheckpointKey, planCommit, type DeltaSnapshot } from '../src/lake/delta/index.ts';
import { FileLakeStore } from '../src/lake/file-store.ts';
import { silverOrdersKey } from '../src/lake/keys.ts';
import type { LakeStore } from '../src/lake/lake-store.ts';
import { openLake } from '../src/lake/store.ts';

const commits = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2000);
const useS3 = process.argv.includes('--s3');
const table = DELTA_TABLES.get('silver/orders')!;
const stats = { numRecords: 100, minValues: { orderId: 'a' }, maxValues: { orderId: 'z' }, nullCount: { orderId: 0 } };

/** Writes the commits; `onVersion` sees each new snapshot (to checkpoint it). */
async function build(lake: LakeStore, onVersion: (log: DeltaLog, snapshot: DeltaSnapshot) => Promise<void>): Promise<DeltaSnapshot> {
  const log = new DeltaLog(lake, table.spec.path);
  let snapshot = await log.snapshot();
  for (let v = 0; v < commits; v++) {
    const partition = v % 6;
    const start = Math.floor(v / 6) * 100;
    const key = silverOrdersKey('2026-11-28', partition, start, start + 99);
    const actions = planCommit({ table, snapshot, add: [{ key, size: 20_000, stats }], txns: new Map([[`orders-${partition}`, start + 99]]), timestampMs: 1_764_000_000_000 + v, operation: 'WRITE' })!;
    snapshot = await log.commit(snapshot, actions);
    await onVersion(log, snapshot);
  }
  return snapshot;
}

async function medianLoadMs(lake: LakeStore): Promise<{ ms: number; version: number; files: number }> {
  const times: number[] = [];
  let last: DeltaSnapshot | undefined;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    last = await new DeltaLog(lake, table.spec.path).snapshot();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: Math.round(times[2]! * 10) / 10, version: last!.version, files: last!.files.size };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'delta-bench-'));
  const lake: LakeStore = useS3 ? openLake({ ...loadConfig(), LAKE_URI: `s3://orders-lake/bench-delta-log-${Date.now()}` }) : new FileLakeStore(dir);
  try {
    // The checkpoint the committer would have written last: the newest multiple of 10 (at most 9 commits follow it).
    const at = Math.floor((commits - 1) / 10) * 10;
    let checkpoint: { bytes: number; actions: number; ms: number } | undefined;
    const t0 = performance.now();
    await build(lake, async (log, snapshot) => {
      if (snapshot.version !== at) return;
      const t1 = performance.now();
      const last = await log.writeCheckpoint(snapshot, { tombstonesAfterMs: 0 });
      checkpoint = { bytes: last.sizeInBytes!, actions: last.size, ms: Math.round(performance.now() - t1) };
      // Hidden until the commits after it are written and the load without it is measured.
      await lake.delete(lastCheckpointKey(table.spec.path));
      await lake.put(`${table.spec.path}/hidden-checkpoint`, (await lake.get(`${table.spec.path}/_delta_log/${String(at).padStart(20, '0')}.checkpoint.parquet`))!);
      await lake.delete(`${table.spec.path}/_delta_log/${String(at).padStart(20, '0')}.checkpoint.parquet`);
    });
    console.log(`${useS3 ? 's3' : 'file'} lake: ${commits} commits written in ${Math.round(performance.now() - t0)} ms`);
    const without = await medianLoadMs(lake);
    console.log(`load without a checkpoint: ${without.ms} ms (version ${without.version}, ${without.files} files)`);
    await lake.put(`${table.spec.path}/_delta_log/${String(at).padStart(20, '0')}.checkpoint.parquet`, (await lake.get(`${table.spec.path}/hidden-checkpoint`))!);
    await lake.put(lastCheckpointKey(table.spec.path), new TextEncoder().encode(JSON.stringify({ version: at, size: checkpoint!.actions })));
    console.log(`checkpoint of version ${at}: ${checkpoint!.bytes} bytes, ${checkpoint!.actions} actions, written in ${checkpoint!.ms} ms`);
    const withCp = await medianLoadMs(lake);
    console.log(`load from the checkpoint and ${without.version - at} commits after it: ${withCp.ms} ms (version ${withCp.version}, ${withCp.files} files)`);
    if (withCp.version !== without.version || withCp.files !== without.files) throw new Error('the two loads disagree');
    await lake.delete(lastCheckpointKey(table.spec.path));
  } finally {
    if (useS3) for (const key of await lake.list(`silver/orders/`)) await lake.delete(key).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
