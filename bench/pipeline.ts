// The whole-pipeline benchmark on the local stack (docs/benchmarks.md, "Pipeline"):
// 1. throughput: pre-load a topic, then let (a) the plain-consumer baseline and (b) bridge + worker
//    drain it, each with its own consumer group and lake prefix; the steady drain rate (orders/s
//    into silver and through gold) comes from the lake's own LastModified times;
// 2. latency: bridge + worker on a fresh topic fed at a fixed rate; per order Kafka timestamp →
//    silver part stored, and per fraud alert newest flagged order → SMTP accepted;
// 3. CPU and RSS of every process (bridge, worker, baseline, each stack service) in each window.
// Needs the local stack (`npx orders stack up`). Every name (topic, group, task queue, lake prefix)
// is unique to the run, so runs never see each other's data.
import { deltaEndsAt } from '../src/state-store/state-log.ts';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import { loadConfig, type Config } from '../src/config.ts';
import type { FraudAlertRow } from '../src/domain/rows.ts';
import { createKafka, ensureTopics } from '../src/kafka/client.ts';
import { readParquet } from '../src/lake/parquet.ts';
import { openLake } from '../src/lake/store.ts';
import { loadReferenceData } from '../src/reference/index.ts';
import { connectKafkaSink } from '../src/simulator/kafka-sink.ts';
import { alertDigestWorkflowId, qualityAlertsWorkflowId } from '../src/contract/batch.ts';
import { simulate, type SimulateOptions } from '../src/simulator/simulate.ts';
import { stackPaths } from '../src/stack/paths.ts';
import { freePort, OrdersProcess } from '../test/helpers/processes.ts';
import { mailsOfAlertRow } from '../src/domain/fraud/evaluate.ts';
import { alertLatencies, goldCompletions, silverCompletions, silverLatencies, type SentAlert } from './lib/figures.ts';
import { listWithTimes, mapConcurrent, readCheckpoints, readSilverParts } from './lib/lake-timeline.ts';
import { ProcSampler, type WindowFigures } from './lib/proc-sampler.ts';
import { SparkPeer, type Produced, type SparkLatencyFigures, type SparkThroughputFigures } from './peer/spark.ts';
import { ordersPerCoreSecond, ratio, steadyRate, summarizeLatencies, type LatencySummary, type SteadyRate } from './lib/stats.ts';
import { temporalConnectionOptions } from '../src/temporal/connection-options.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface PipelineBenchOptions {
  /** Orders pre-loaded for the throughput runs (enough that the window ends before the backlog). */
  orders: number;
  warmupSec: number;
  measureSec: number;
  tailSec: number;
  latencyRate: number;
  latencySec: number;
  /** Settings on top of the environment for bridge, worker and baseline (e.g. BATCH_MAX_ORDERS). */
  pipelineEnv: Record<string, string>;
  /** Worker processes of the pipeline (default 1): the worker's main thread is the busiest process. */
  workers?: number;
  /** Write V8 CPU profiles of bridge and worker (throughput run) into this folder. */
  profileDir?: string;
  skipBaseline?: boolean;
  skipLatency?: boolean;
  /** Also run the peer on the same topic and latency feed, after the pipeline (docs/benchmarks.md "Spark peer"). */
  peer?: 'spark';
  config?: Config;
  log?: (line: string) => void;
}

export interface ThroughputFigures {
  system: 'pipeline' | 'baseline';
  drained: boolean;
  /** Distinct order ids in silver at the end of the run (all of them when drained). */
  silverOrders: number;
  silver: SteadyRate | null;
  gold: SteadyRate | null;
  resources: WindowFigures;
  /** Silver orders/s per core of CPU used by all sampled processes in the window (load-independent). */
  ordersPerCoreSecond: number | null;
  loadAverage: number[];
}

export interface LatencyFigures {
  targetRatePerSec: number;
  producedRatePerSec: number;
  orders: number;
  toSilver: LatencySummary;
  toAlert: LatencySummary;
  resources: WindowFigures;
  loadAverage: number[];
}

export interface PipelineBenchResult {
  settings: Omit<PipelineBenchOptions, 'config' | 'log'>;
  preload: { orders: number; ratePerSec: number; distinctValidOrders: number };
  baseline: ThroughputFigures | null;
  pipeline: ThroughputFigures;
  /** Pipeline / baseline steady rates into silver. */
  ratioSilver: number | null;
  /** Pipeline / baseline orders per core-second: the CPU cost ratio, steadier than ratioSilver under load. */
  ratioPerCore: number | null;
  latency: LatencyFigures | null;
  /** The peer's figures beside the pipeline's, with pipeline / peer ratios (> 1: the pipeline is ahead). */
  peer: {
    spark: { throughput: SparkThroughputFigures; latency: SparkLatencyFigures | null; ratioSilver: number | null; ratioPerCore: number | null; ratioP99: number | null };
  } | null;
}

/** The local stack's services by name, from $STACK_DIR/pids/<name>.pid. */
function stackPids(config: Config): Map<string, number> {
  const dir = stackPaths(config).pids;
  const out = new Map<string, number>();
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.pid')) out.set(file.slice(0, -4), Number(readFileSync(path.join(dir, file), 'utf8').trim()));
  }
  return out;
}

async function produce(config: Config, topic: string, options: SimulateOptions): Promise<Produced> {
  const sink = await connectKafkaSink(config, topic);
  try {
    const summary = await simulate({ ...options, topic }, { sink, reference: loadReferenceData(config), generateInWorker: true });
    return { sent: summary.sent, ratePerSec: Math.round(summary.ratePerSec), distinct: summary.valid - (summary.perAnomaly['duplicate-order'] ?? 0) };
  } finally {
    await sink.close();
  }
}

async function offsets(admin: Admin, topic: string, groupId: string): Promise<{ high: Map<number, number>; committed: Map<number, number> }> {
  const high = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = new Map((entry?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  return { high, committed };
}

/** Every partition committed up to its end and, for the pipeline, its last checkpoint (gold) written. */
async function drained(admin: Admin, config: Config, topic: string, groupId: string, checkpoints: boolean): Promise<boolean> {
  const { high, committed } = await offsets(admin, topic, groupId);
  for (const [partition, end] of high) {
    if (end === 0) continue;
    if ((committed.get(partition) ?? 0) < end) return false;
    if (checkpoints && !(await deltaEndsAt(openLake(config), partition, end))) return false;
  }
  return true;
}

/** Waits (up to `timeoutMs`) until no alert workflow of the topic's batches is running, so every mail they send is counted. */
async function alertWorkflowsClosed(config: Config, topic: string, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const query = `WorkflowId STARTS_WITH "alerts-${topic}-" AND ExecutionStatus = "Running"`;
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(1000)) {
      const { count } = await client.workflow.count(query);
      if (count === 0) return;
    }
  } finally {
    await connection.close();
  }
}

/** Stops the batch workflows a stopped run left open, and the topic's alert workflows (per batch and per topic), so the dev server does not keep them. */
export async function terminateOpen(config: Config, topic: string): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const ids: string[] = [];
    for await (const run of client.workflow.list({ query: `(WorkflowId STARTS_WITH "${topic}-" OR WorkflowId STARTS_WITH "alerts-${topic}-" OR WorkflowId = "delta-commit-${topic}") AND ExecutionStatus = "Running"` })) ids.push(run.workflowId);
    ids.push(qualityAlertsWorkflowId(topic), alertDigestWorkflowId(topic));
    await mapConcurrent(ids, 8, (id) => client.workflow.getHandle(id).terminate('benchmark window over').catch(() => undefined));
  } finally {
    await connection.close();
  }
}

export async function runPipelineBench(options: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const base = options.config ?? loadConfig();
  const log = options.log ?? (() => undefined);
  const stamp = `bench-${Date.now().toString(36)}`;
  const logDir = path.join(ROOT, 'bench', 'results', 'logs', stamp);
  const kafka = createKafka(base, 'bench-pipeline');
  const admin = kafka.admin();
  await admin.connect();

  /** The settings of one system under test: its own names everywhere. */
  const envFor = (name: string, topic: string): Record<string, string> => ({
    KAFKA_TOPIC: topic,
    KAFKA_DLQ_TOPIC: `${stamp}-dlq`,
    KAFKA_GROUP_ID: `${stamp}-${name}`,
    TEMPORAL_TASK_QUEUE: `${stamp}-${name}`,
    LAKE_URI: `s3://orders-lake/${stamp}/${name}`,
    ALERT_TO: `${stamp}-${name}@bench.local`,
    LOG_LEVEL: 'warn',
    // Both systems get the settings (BATCH_MAX_ORDERS shapes the baseline's parts too).
    ...options.pipelineEnv,
  });
  const configOf = (env: Record<string, string>): Config => loadConfig({ ...process.env, ...env });

  const sampler = new ProcSampler();
  for (const [name, pid] of stackPids(base)) sampler.watch(name, pid);
  sampler.start();

  const startSystem = async (name: 'pipeline' | 'baseline' | 'latency', env: Record<string, string>, profile: boolean): Promise<OrdersProcess[]> => {
    const nodeArgs = profile && options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
    // Each worker serves its metrics on ports of its own: a second one on the same port would stop.
    const worker = async (i: number): Promise<OrdersProcess> =>
      new OrdersProcess(i === 0 ? 'worker' : `worker-${i + 1}`, ['worker'], { ...env, WORKER_METRICS_PORT: String(await freePort()), WORKER_SDK_METRICS_PORT: String(await freePort()) }, { nodeArgs, logDir });
    const processes =
      name === 'baseline'
        ? [new OrdersProcess('baseline', [], env, { script: path.join(ROOT, 'bench', 'baseline-consumer.ts'), logDir })]
        : [...(await Promise.all(Array.from({ length: options.workers ?? 1 }, (_, i) => worker(i)))), new OrdersProcess('bridge', ['bridge'], env, { nodeArgs, logDir })];
    for (const p of processes) {
      p.start();
      sampler.watch(p.name, p.pid!);
    }
    return processes;
  };
  const stopSystem = async (processes: OrdersProcess[]): Promise<void> => {
    // The bridge first, so that no batch starts while the worker shuts down.
    for (const p of [...processes].reverse()) await p.stop();
  };

  try {
    // Installed (first time: PySpark and its Kafka source into the cache) before anything is measured.
    const spark = options.peer === 'spark' ? await SparkPeer.prepare({ config: base, sampler, logDir, log }) : undefined;
    const topic = `${stamp}-orders`;
    await ensureTopics(kafka, [
      { topic, partitions: base.KAFKA_PARTITIONS },
      { topic: `${stamp}-dlq`, partitions: 1 },
    ]);
    log(`pre-loading ${options.orders.toLocaleString('en-US')} orders into ${topic}…`);
    const preload = await produce(base, topic, {
      count: options.orders,
      seed: 8,
      // The simulator's own clock and customer behaviour (0.6 orders per customer and hour), so
      // fraud rules fire on the labelled anomalies only, as in production; Kafka timestamps are
      // the real send times whatever the simulated order dates.
      maxInFlight: 2,
    });
    log(`pre-loaded at ${preload.ratePerSec.toLocaleString('en-US')} orders/s`);

    const throughput = async (system: 'pipeline' | 'baseline'): Promise<ThroughputFigures> => {
      const env = envFor(system, topic);
      const config = configOf(env);
      const processes = await startSystem(system, env, system === 'pipeline');
      const started = Date.now();
      let firstSilverMs: number | undefined;
      let done = false;
      try {
        // Run until the window after the first silver part is over, or the backlog is drained.
        for (;;) {
          await sleep(1000);
          if (processes.some((p) => !p.running)) throw new Error(`${system}: a process exited (logs in ${logDir})`);
          if (firstSilverMs === undefined) {
            const first = await listWithTimes(config, 'silver/orders/');
            if (first.length > 0) firstSilverMs = Math.min(...first.map((o) => o.lastModifiedMs));
            else if (Date.now() - started > 120_000) throw new Error(`${system}: no silver part after 2 minutes (logs in ${logDir})`);
            continue;
          }
          if (await drained(admin, config, topic, env.KAFKA_GROUP_ID!, system === 'pipeline')) {
            done = true;
            break;
          }
          if (Date.now() > firstSilverMs + (options.warmupSec + options.measureSec + 2) * 1000) break;
        }
      } finally {
        await stopSystem(processes);
      }
      if (system === 'pipeline' && !done) await terminateOpen(config, topic);
      const loadAverage = os.loadavg();
      const parts = await readSilverParts(config);
      const window = { warmupMs: options.warmupSec * 1000, measureMs: options.measureSec * 1000, tailMs: options.tailSec * 1000, drained: done };
      const silver = steadyRate(silverCompletions(parts), window) ?? null;
      const gold = system === 'pipeline' ? (steadyRate(goldCompletions(parts, await readCheckpoints(config)), window) ?? null) : null;
      const resources = silver ? sampler.figures(silver.fromMs, silver.toMs) : { processes: {}, machineBusyPct: 0 };
      const perCore = ordersPerCoreSecond(silver?.ratePerSec, resources.processes);
      log(`${system}: silver ${silver?.ratePerSec ?? '-'} orders/s, gold ${gold?.ratePerSec ?? '-'} orders/s over ${((silver?.windowMs ?? 0) / 1000).toFixed(1)} s${done ? ' (drained)' : ''}, ${perCore ?? '-'} orders per core-second; load ${loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
      const silverOrders = new Set(parts.flatMap((p) => p.rows.map((r) => r.orderId))).size;
      return { system, drained: done, silverOrders, silver, gold, resources, ordersPerCoreSecond: perCore, loadAverage };
    };

    const baseline = options.skipBaseline ? null : await throughput('baseline');
    const pipeline = await throughput('pipeline');
    const peerWindow = { warmupMs: options.warmupSec * 1000, measureMs: options.measureSec * 1000, tailMs: options.tailSec * 1000 };
    const sparkThroughput = spark ? await spark.throughput(topic, preload.distinct, peerWindow) : undefined;
    const latency = options.skipLatency ? null : await runLatency();
    let sparkLatency: SparkLatencyFigures | null = null;
    if (spark && !options.skipLatency) {
      const latencyTopic = `${stamp}-spark-latency`;
      await ensureTopics(kafka, [{ topic: latencyTopic, partitions: base.KAFKA_PARTITIONS }]);
      // The same feed as the pipeline's latency run (same seeds and rate).
      sparkLatency = await spark.latency(latencyTopic, options.latencyRate, options.latencySec, (count, seed) => produce(base, latencyTopic, { count, rate: options.latencyRate, seed }));
    }

    return {
      settings: { ...options, config: undefined, log: undefined } as PipelineBenchResult['settings'],
      preload: { orders: preload.sent, ratePerSec: preload.ratePerSec, distinctValidOrders: preload.distinct },
      baseline,
      pipeline,
      ratioSilver: ratio(pipeline.silver?.ratePerSec, baseline?.silver?.ratePerSec),
      ratioPerCore: ratio(pipeline.ordersPerCoreSecond, baseline?.ordersPerCoreSecond),
      latency,
      peer: sparkThroughput
        ? {
            spark: {
              throughput: sparkThroughput,
              latency: sparkLatency,
              ratioSilver: ratio(pipeline.silver?.ratePerSec, sparkThroughput.silver?.ratePerSec),
              ratioPerCore: ratio(pipeline.ordersPerCoreSecond, sparkThroughput.ordersPerCoreSecond),
              // Peer p99 / pipeline p99: above 1 when the pipeline's p99 is the lower.
              ratioP99: ratio(sparkLatency?.toSilver.p99Ms, latency?.toSilver.p99Ms),
            },
          }
        : null,
    };
  } finally {
    sampler.stop();
    // The topics hold up to millions of orders: drop them. The lake prefix stays for inspection
    // (remove with `rm -rf $STACK_DIR/s3/orders-lake/bench-*`).
    const mine = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(`${stamp}-`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  }

  async function runLatency(): Promise<LatencyFigures> {
    const topic = `${stamp}-latency`;
    await ensureTopics(kafka, [{ topic, partitions: base.KAFKA_PARTITIONS }]);
    const env = envFor('latency', topic);
    const config = configOf(env);
    const rate = options.latencyRate;
    const processes = await startSystem('latency', env, false);
    const waitDrained = async (): Promise<void> => {
      const deadline = Date.now() + 300_000;
      while (!(await drained(admin, config, topic, env.KAFKA_GROUP_ID!, true))) {
        if (Date.now() > deadline) throw new Error(`latency run did not drain in 5 minutes (logs in ${logDir})`);
        await sleep(500);
      }
    };
    let produced: Produced;
    let fromMs: number;
    let toMs: number;
    try {
      // Warm up (worker bundle, connections, JIT) on a few seconds of the same stream.
      log(`latency: warming up at ${rate}/s…`);
      await produce(config, topic, { count: rate * 3, rate, seed: 3 });
      await waitDrained();
      fromMs = Date.now();
      log(`latency: ${options.latencySec} s at ${rate}/s…`);
      produced = await produce(config, topic, { count: rate * options.latencySec, rate, seed: 4 });
      toMs = Date.now();
      await waitDrained();
      // Alerts are sent after the checkpoint: give the last batches' mails a moment, and wait for
      // the batches' alert workflows (alerts-<batchId>, not waited for by the batches) to close.
      await sleep(3000);
      await alertWorkflowsClosed(config, topic, 120_000);
    } finally {
      await stopSystem(processes);
    }
    const loadAverage = os.loadavg();
    const lake = openLake(config);
    const parts = await readSilverParts(config);
    const kafkaTsOf = new Map(parts.flatMap((p) => p.rows.map((r) => [r.orderId, r.kafkaTs] as const)));
    // The table's Parquet parts only: gold/fraud_alerts/ also holds its Delta log (_delta_log/*.json).
    const fraudKeys = (await listWithTimes(config, 'gold/fraud_alerts/')).filter((o) => o.key.endsWith('.parquet')).map((o) => o.key);
    const fraudAlerts = (await mapConcurrent(fraudKeys, 8, async (key) => (await readParquet((await lake.get(key))!)) as unknown as FraudAlertRow[])).flat();
    // The sent-marker's acceptedAt is taken by the worker the moment the SMTP server accepted the
    // mail, in ms (maildev's own receipt time has whole seconds only). Markers live in day folders
    // (alerts/sent/day=D/…; flat alerts/sent/<id> before them): the listing is recursive, so one
    // prefix reads them all.
    const markers = await listWithTimes(config, 'alerts/sent/');
    const sent: SentAlert[] = await mapConcurrent(markers, 8, async (m) => {
      const marker = JSON.parse(new TextDecoder().decode((await lake.get(m.key))!)) as { alertId: string; acceptedAt: string };
      return { alertId: marker.alertId, acceptedAtMs: Date.parse(marker.acceptedAt) };
    });
    const figures: LatencyFigures = {
      targetRatePerSec: rate,
      producedRatePerSec: produced.ratePerSec,
      orders: produced.sent,
      toSilver: summarizeLatencies(silverLatencies(parts, fromMs)),
      // A sent-marker names the mail (`<alertId>:<n>`), not the alert: each mail is timed from the newest order it flags.
      toAlert: summarizeLatencies(alertLatencies(sent, fraudAlerts.flatMap((row) => mailsOfAlertRow(row).map((mail) => ({ alertId: mail.mailId, orderIds: mail.orderIds.join(',') }))), kafkaTsOf, fromMs)),
      resources: sampler.figures(fromMs, toMs),
      loadAverage,
    };
    // An alert latency of nothing is a broken measurement (it once read no marker and said 0), not a fast pipeline.
    const decidedMails = fraudAlerts.reduce((n, row) => n + mailsOfAlertRow(row).length, 0);
    if (figures.toAlert.count === 0 && decidedMails > 0) log(`latency: WARNING: ${decidedMails} fraud mails decided but no sent-marker matched one (${markers.length} markers read): the alert latency is not measured`);
    log(`latency at ${rate}/s: silver p50/p95/p99 ${figures.toSilver.p50Ms}/${figures.toSilver.p95Ms}/${figures.toSilver.p99Ms} ms; alert ${figures.toAlert.p50Ms}/${figures.toAlert.p95Ms}/${figures.toAlert.p99Ms} ms (${figures.toAlert.count} alerts)`);
    return figures;
  }
}
