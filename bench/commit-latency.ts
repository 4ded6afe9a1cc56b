// Commit latency per batch, read back from a lake after a run (docs/benchmarks.md, "Delta commit
// latency per batch"): for every batch whose silver part a Delta commit added, the time from the
// part stored (and from the batch's derivation done: its state delta stored) to the commit file
// stored, from the objects' LastModified on the local S3 server. The pipeline bench leaves each
// run's lake under `s3://orders-lake/bench-…` for this.
//
//   npx tsx bench/commit-latency.ts [LAKE_URI]      (default: LAKE_URI of the environment)
import { loadConfig } from '../src/config.ts';
import { batchRangeOf, TABLE_PATHS } from '../src/lake/keys.ts';
import { commitLatencies } from './lib/figures.ts';
import { listWithTimes, readCheckpoints, readLogCommits } from './lib/lake-timeline.ts';
import { summarizeLatencies } from './lib/stats.ts';

const lakeUri = process.argv[2];
const config = loadConfig(lakeUri ? { ...process.env, LAKE_URI: lakeUri } : process.env);
const parts = (await listWithTimes(config, `${TABLE_PATHS.silverOrders}/`)).flatMap((o) => {
  const range = o.key.endsWith('.parquet') ? batchRangeOf(o.key) : undefined;
  return range && range.rewrite === undefined ? [{ key: o.key, partition: range.partition, endOffset: range.end, lastModifiedMs: o.lastModifiedMs }] : [];
});
const commits = await readLogCommits(config, TABLE_PATHS.silverOrders);
const latencies = commitLatencies(parts, commits, await readCheckpoints(config));
const fromPart = summarizeLatencies(latencies.map((l) => l.fromPartMs));
const fromDerived = summarizeLatencies(latencies.flatMap((l) => (l.fromDerivedMs === null ? [] : [l.fromDerivedMs])));
const rounds = new Set(commits.map((c) => c.version)).size;
console.log(JSON.stringify({ lake: config.LAKE_URI, batches: latencies.length, silverCommits: rounds, batchesPerCommit: Math.round((latencies.length / Math.max(1, rounds)) * 10) / 10, fromSilverPartMs: fromPart, fromDerivationDoneMs: fromDerived }, null, 2));
