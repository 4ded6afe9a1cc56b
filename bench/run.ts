// `npm run bench`: the benchmarks that exist so far, each measured in the same run as its baseline,
// printed as JSON (and recorded by hand in docs/benchmarks.md with date and machine).
import os from 'node:os';
import { runParquetBench } from './parquet.ts';
import { runProducerBench } from './producer.ts';

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg() },
  parquet: await runParquetBench(),
  producer: await runProducerBench(),
};
console.log(JSON.stringify(results, null, 2));
process.exit(0);
