// `npm run soak -- --minutes 30`: the pipeline at its maximum rate for a long run, to show that its
// per-batch cost does not grow with history (docs/benchmarks.md, Soak). A topic is pre-loaded with
// more orders than the pipeline can drain in the run (from --customers customers), then one worker
// and one bridge drain it for --minutes. Reported per fifth of the run: the silver rate (orders/s,
// from the silver parts' LastModified times), the worker's RSS, the state delta bytes per batch and
// the batch count; the verdict compares the last fifth with the second (the first holds warm-up).
// Needs the local stack. Everything it creates has its own names; topics are deleted at the end.
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createKafka, ensureTopics } from '../src/kafka/client.ts';
import { loadReferenceData } from '../src/reference/index.ts';
import { connectKafkaSink } from '../src/simulator/kafka-sink.ts';
import { simulate } from '../src/simulator/simulate.ts';
import { freePort, OrdersProcess } from '../test/helpers/processes.ts';
import { readCheckpoints, readSilverParts } from './lib/lake-timeline.ts';
import { terminateOpen } from './pipeline.ts';
import { ProcSampler } from './lib/proc-sampler.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    customers: { type: 'string', default: '200000' },
    orders: { type: 'string' },
    'rate-guess': { type: 'string', default: '3500' },
    set: { type: 'string', multiple: true },
  },
});
const minutes = Number(values.minutes);
const customers = Number(values.customers);
if (!(minutes > 0) || !(customers > 0)) {
  console.error('usage: npm run soak -- [--minutes 30] [--customers 200000] [--orders N] [--rate-guess 3500] [--set NAME=VALUE]');
  process.exit(2);
}
// More than the pipeline drains in the run, so it never runs dry (the guess is orders/s).
const orders = Number(values.orders ?? Math.ceil(minutes * 60 * Number(values['rate-guess']) * 1.3));
const extraEnv = Object.fromEntries((values.set ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
/** Counters from the worker's /metrics at the last sample, to report GC time as a share of CPU time between samples. */
let lastCounters = { gcSeconds: 0, cpuSeconds: 0 };
/**
 * The worker's V8 heap and off-heap memory from its /metrics, to tell which part an RSS growth is,
 * and the share of its CPU time spent in garbage collection since the last sample: what a heap cap
 * costs, as a figure that does not depend on how loaded the machine is.
 */
async function nodeMemory(port: number): Promise<string> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
  const lines = text.split('\n');
  const value = (name: string): number | undefined => {
    const line = lines.find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const mib = (name: string): string => {
    const bytes = value(name);
    return bytes === undefined ? '-' : String(Math.round(bytes / 2 ** 20));
  };
  const gcSeconds = lines.filter((l) => l.startsWith('nodejs_gc_duration_seconds_sum')).reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
  const cpuSeconds = value('process_cpu_seconds_total') ?? 0;
  const gcShare = cpuSeconds > lastCounters.cpuSeconds ? Math.round(((gcSeconds - lastCounters.gcSeconds) / (cpuSeconds - lastCounters.cpuSeconds)) * 1000) / 10 : 0;
  lastCounters = { gcSeconds, cpuSeconds };
  return `heap used ${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')} MiB, external ${mib('nodejs_external_memory_bytes')} MiB, GC ${gcShare} % of CPU`;
}
const log = (line: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);

const stamp = `soak-${Date.now().toString(36)}`;
const topic = `${stamp}-orders`;
const env: Record<string, string> = {
  KAFKA_TOPIC: topic,
  KAFKA_DLQ_TOPIC: `${stamp}-dlq`,
  KAFKA_GROUP_ID: `${stamp}-bridge`,
  TEMPORAL_TASK_QUEUE: `${stamp}-queue`,
  LAKE_URI: `s3://orders-lake/${stamp}`,
  ALERT_TO: `${stamp}@bench.local`,
  CUSTOMERS: String(customers),
  LOG_LEVEL: 'warn',
  ...extraEnv,
};
const config = loadConfig({ ...process.env, ...env });
const kafka = createKafka(config, 'soak');
const admin = kafka.admin();
await admin.connect();
const logDir = path.join(import.meta.dirname, 'results', 'logs', stamp);

try {
  await ensureTopics(kafka, [
    { topic, partitions: config.KAFKA_PARTITIONS },
    { topic: `${stamp}-dlq`, partitions: 1 },
  ]);
  log(`pre-loading ${orders.toLocaleString('en-US')} orders from ${customers.toLocaleString('en-US')} customers into ${topic}…`);
  const sink = await connectKafkaSink(config, topic);
  const preload = await simulate({ count: orders, seed: 12, topic, maxInFlight: 2 }, { sink, reference: loadReferenceData(config), generateInWorker: true }).finally(() => sink.close());
  log(`pre-loaded at ${Math.round(preload.ratePerSec).toLocaleString('en-US')} orders/s`);

  const sampler = new ProcSampler(2000);
  const workerMetricsPort = await freePort();
  const worker = new OrdersProcess('worker', ['worker'], { ...env, WORKER_METRICS_PORT: String(workerMetricsPort), WORKER_SDK_METRICS_PORT: String(await freePort()) }, { logDir });
  const bridge = new OrdersProcess('bridge', ['bridge'], env, { logDir });
  for (const p of [worker, bridge]) {
    p.start();
    sampler.watch(p.name, p.pid!);
  }
  sampler.start();
  const startedMs = Date.now();
  const endMs = startedMs + minutes * 60_000;
  try {
    while (Date.now() < endMs) {
      await sleep(Math.min(30_000, endMs - Date.now()));
      if (!worker.running || !bridge.running) throw new Error(`a process exited (logs in ${logDir})`);
      const now = sampler.figures(Date.now() - 30_000, Date.now()).processes;
      const heap = await nodeMemory(workerMetricsPort);
      log(`${((Date.now() - startedMs) / 60_000).toFixed(1)} min: worker RSS ${now.worker?.rssMaxMiB ?? '-'} MiB (${heap}), CPU ${now.worker?.cpuPct ?? '-'} %`);
    }
  } finally {
    // Also when one of them died: the other must not outlive the soak.
    await bridge.stop();
    await worker.stop();
    sampler.stop();
  }
  await terminateOpen(config, topic);

  log('reading the lake…');
  const parts = await readSilverParts(config);
  const deltas = await readCheckpoints(config);
  const firstMs = Math.min(...parts.map((p) => p.lastModifiedMs));
  const lastMs = Math.max(...parts.map((p) => p.lastModifiedMs));
  const spanMs = (lastMs - firstMs) / 5;
  const fifths = [0, 1, 2, 3, 4].map((i) => {
    const from = firstMs + i * spanMs;
    const to = i === 4 ? lastMs + 1 : from + spanMs;
    const rows = parts.filter((p) => p.lastModifiedMs >= from && p.lastModifiedMs < to).reduce((sum, p) => sum + p.rows.length, 0);
    const batchDeltas = deltas.filter((d) => d.lastModifiedMs >= from && d.lastModifiedMs < to);
    const resources = sampler.figures(from, to).processes;
    return {
      fifth: i + 1,
      silverOrdersPerSec: Math.round(rows / (spanMs / 1000)),
      batches: batchDeltas.length,
      deltaKiBPerBatch: batchDeltas.length === 0 ? 0 : Math.round(batchDeltas.reduce((s, d) => s + d.bytes, 0) / batchDeltas.length / 1024),
      workerRssMaxMiB: resources.worker?.rssMaxMiB ?? null,
      workerCpuPct: resources.worker?.cpuPct ?? null,
    };
  });
  const silverOrders = parts.reduce((sum, p) => sum + p.rows.length, 0);
  const perPartition = silverOrders / config.KAFKA_PARTITIONS;
  const result = {
    date: new Date().toISOString(),
    minutes,
    customers,
    preloaded: orders,
    silverOrders,
    ordersPerPartition: Math.round(perPartition),
    fifths,
    lastOverSecond: Math.round((fifths[4]!.silverOrdersPerSec / Math.max(1, fifths[1]!.silverOrdersPerSec)) * 100) / 100,
    stateBytesPerDayPerPartitionMiB: Math.round((deltas.reduce((s, d) => s + d.bytes, 0) / ((lastMs - firstMs) / 86_400_000) / config.KAFKA_PARTITIONS / 2 ** 20) * 10) / 10,
    machine: { cpus: os.cpus().length, loadAverage: os.loadavg() },
  };
  console.log(JSON.stringify(result, null, 2));
  log(`silver rate, last fifth / second fifth: ${result.lastOverSecond}`);
} finally {
  const mine = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(`${stamp}-`));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
}
process.exit(0);
