// What one commit round costs the committer as a table's file count grows: a day of small batches
// leaves 10^5 files in a table until OPTIMIZE compacts them. Per size: a table whose first commit
// adds FILES files, then 20 rounds on the same DeltaLog (as the worker's process keeps it) of
// snapshot → plan a 5-file commit → commit; the median round in ms; and one checkpoint of the table.
// On a file:// lake, so the figure is the log's own CPU, not S3. Figures: docs/benchmarks.md.
//
//   npx tsx bench/delta-round.ts [files...]      (default 1000 10000 100000 250000)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DELTA_TABLES, DeltaLog, planCommit, type DataFileFacts } from '../src/lake/delta/index.ts';
import { FileLakeStore } from '../src/lake/file-store.ts';
import { silverOrdersKey } from '../src/lake/keys.ts';

const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const table = DELTA_TABLES.get('silver/orders')!;
const stats = { numRecords: 100, minValues: { orderId: 'a' }, maxValues: { orderId: 'z' }, nullCount: { orderId: 0 } };
const file = (i: number): DataFileFacts => ({ key: silverOrdersKey(`2026-11-${String(1 + (i % 28)).padStart(2, '0')}`, i % 6, i * 100, i * 100 + 99), size: 20_000, stats });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function measure(files: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'delta-round-'));
  try {
    const log = new DeltaLog(new FileLakeStore(dir), table.spec.path);
    let snapshot = await log.snapshot();
    const first = Array.from({ length: files }, (_, i) => file(i));
    snapshot = await log.commit(snapshot, planCommit({ table, snapshot, add: first, txns: new Map(), timestampMs: 1, operation: 'WRITE' })!);
    const rounds: number[] = [];
    for (let r = 0; r < 20; r++) {
      const t0 = performance.now();
      snapshot = await log.snapshot();
      const add = Array.from({ length: 5 }, (_, i) => file(files + r * 5 + i));
      await log.commit(snapshot, planCommit({ table, snapshot, add, txns: new Map([['orders-0', files + r]]), timestampMs: 2 + r, operation: 'WRITE' })!);
      rounds.push(performance.now() - t0);
    }
    const t1 = performance.now();
    await log.writeCheckpoint(await log.snapshot(), { tombstonesAfterMs: 0 });
    const checkpointMs = performance.now() - t1;
    console.log(`${files.toLocaleString('en-US')} files: commit round median ${median(rounds).toFixed(1)} ms (max ${Math.max(...rounds).toFixed(1)}), checkpoint ${checkpointMs.toFixed(0)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const files of sizes.length > 0 ? sizes : [1000, 10_000, 100_000, 250_000]) await measure(files);
