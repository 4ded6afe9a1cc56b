// `npm run bench`: every benchmark, each measured in the same run as its baseline, printed as JSON
// and written to bench/results/latest.json (and a dated copy, git-ignored). The table in
// docs/benchmarks.md is taken from that file.
//
//   npm run bench                         everything, full length (pipeline: 60 s windows)
//   npm run bench -- --quick              short windows and fewer orders: a smoke run of the harness
//   npm run bench -- --only pipeline      one part (parquet | producer | state | pipeline | kafka-client)
//   npm run bench -- --only pipeline --set BATCH_MAX_ORDERS=1000 --profile bench/results/profiles
//   npm run bench -- --only pipeline --peer spark    the pipeline and the Spark peer on the same topic
//   npm run bench -- --only kafka-client             kafkajs vs @platformatic/kafka, produce and consume
//   options: --orders N --warmup S --measure S --tail S --latency-rate N --latency-seconds S --workers N
//            --no-baseline --no-latency
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runKafkaClientBench } from './kafka-client.ts';
import { reportMarkdown } from './lib/report.ts';
import { runParquetBench } from './parquet.ts';
import { runPipelineBench } from './pipeline.ts';
import { runProducerBench } from './producer.ts';
import { runStateBench } from './state.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    orders: { type: 'string' },
    warmup: { type: 'string' },
    measure: { type: 'string' },
    tail: { type: 'string' },
    workers: { type: 'string' },
    'latency-rate': { type: 'string' },
    'latency-seconds': { type: 'string' },
    set: { type: 'string', multiple: true },
    profile: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'no-latency': { type: 'boolean', default: false },
    peer: { type: 'string' },
    records: { type: 'string' },
  },
});
const quick = values.quick;
if (values.peer !== undefined && values.peer !== 'spark') throw new Error(`--peer knows only spark, got ${values.peer}`);
const only = new Set(values.only ?? ['parquet', 'producer', 'state', 'pipeline']);
const num = (value: string | undefined, fallback: number): number => (value === undefined ? fallback : Number(value));
const log = (line: string): void => console.error(line);

const pipelineEnv = Object.fromEntries(
  (values.set ?? []).map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--set wants NAME=VALUE, got ${pair}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
if (values.profile) mkdirSync(values.profile, { recursive: true });

const results = {
  date: new Date().toISOString(),
  quick,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverageAtStart: os.loadavg() },
  parquet: only.has('parquet') ? await runParquetBench({ rows: quick ? 20_000 : 100_000, runs: quick ? 2 : 5, log }) : null,
  producer: only.has('producer') ? await runProducerBench({ maxCount: quick ? 100_000 : 500_000, heldSeconds: quick ? 5 : 10, log }) : null,
  state: only.has('state')
    ? await runStateBench({
        sizes: quick
          ? [{ ids: 0, customers: 0 }, { ids: 200_000, customers: 20_000 }, { ids: 1_000_000, customers: 100_000 }]
          : [{ ids: 0, customers: 0 }, { ids: 1_000_000, customers: 100_000 }, { ids: 10_000_000, customers: 100_000 }, { ids: 1_000_000, customers: 1_000_000 }],
        batchOrders: 5000,
        batches: quick ? 3 : 5,
        memoryMb: num(pipelineEnv.STATE_MEMORY_MB, 256),
        log,
      })
    : null,
  pipeline: only.has('pipeline')
    ? await runPipelineBench({
        // Enough orders that a 20,000 orders/s pipeline is still busy at the end of the window.
        orders: num(values.orders, quick ? 150_000 : 1_600_000),
        warmupSec: num(values.warmup, quick ? 5 : 15),
        measureSec: num(values.measure, quick ? 20 : 60),
        tailSec: num(values.tail, quick ? 3 : 5),
        latencyRate: num(values['latency-rate'], 2000),
        workers: num(values.workers, 1),
        latencySec: num(values['latency-seconds'], quick ? 20 : 60),
        pipelineEnv,
        profileDir: values.profile ? path.resolve(values.profile) : undefined,
        skipBaseline: values['no-baseline'],
        skipLatency: values['no-latency'],
        peer: values.peer === 'spark' ? 'spark' : undefined,
        log,
      })
    : null,
  // Only when asked for: it is not part of the default run.
  kafkaClient: only.has('kafka-client') ? await runKafkaClientBench({ records: num(values.records, quick ? 20_000 : 100_000), rounds: quick ? 1 : 2, log }) : null,
  loadAverageAtEnd: os.loadavg(),
};

const json = JSON.stringify(results, null, 2);
console.log(json);
const dir = path.join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, `${results.date.replaceAll(':', '-')}.json`), json);
writeFileSync(path.join(dir, 'latest.json'), json);
// The same figures as Markdown tables (what `npx tsx bench/report.ts` prints).
const markdown = reportMarkdown(results);
writeFileSync(path.join(dir, `${results.date.replaceAll(':', '-')}.md`), markdown);
writeFileSync(path.join(dir, 'latest.md'), markdown);
process.exit(0);
