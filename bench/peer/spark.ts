// The Spark peer of the pipeline benchmark (`npm run bench -- --only pipeline --peer spark`,
// docs/benchmarks.md "Spark peer"): bench/peer/spark_orders.py, a PySpark Structured Streaming job
// on `local[2]`, drains the same pre-loaded topic after the pipeline did, and then runs the same
// latency window (a fresh topic fed at a fixed rate). Its figures use the pipeline's definitions:
// - rate: orders in silver per second over the steady window (first silver commit + warm-up, cut
//   before the tail when drained), from the moments each micro-batch's silver files were committed;
// - latency: Kafka timestamp of an order → its micro-batch's silver files committed (readable);
// - CPU and RSS: the job's process tree (Python driver + JVM) and the stack services, per window.
// Row counts are read back with DuckDB and checked against what the simulator produced.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Config } from '../../src/config.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import type { ProcSampler, WindowFigures } from '../lib/proc-sampler.ts';
import { ordersPerCoreSecond, steadyRate, summarizeLatencies, type LatencySummary, type SteadyRate } from '../lib/stats.ts';
import { installSpark, SPARK_VERSION, type SparkInstall } from './spark-install.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const JOB = path.join(import.meta.dirname, 'spark_orders.py');
/** Orders per micro-batch at most (maxOffsetsPerTrigger): 6 partitions × the pipeline's 5,000-order batches. */
const MAX_OFFSETS_PER_TRIGGER = 30_000;
/** A drain is over when no micro-batch has run for this long (none in progress either). */
const IDLE_END_MS = 30_000;
/** How long the latency window's backlog may take to drain before the job is stopped and measured as it is. */
const LATENCY_DRAIN_MS = 10 * 60_000;

export interface BatchLine {
  batchId: number;
  startedMs: number;
  silverVisibleMs: number;
  goldDoneMs: number;
  silverOrders: number;
}

export interface SparkCounts {
  silverRows: number;
  distinctOrders: number;
  itemRows: number;
  /** Sum of the gold customer totals' order counts over all micro-batches: must equal silverRows. */
  goldOrders: number;
}

export interface SparkThroughputFigures {
  system: 'spark';
  version: string;
  /** Spawn → first micro-batch started (JVM, session, Kafka source). */
  startupMs: number | null;
  drained: boolean;
  silver: SteadyRate | null;
  /** Micro-batch start → gold written, median over the run. */
  medianBatchMs: number | null;
  batches: number;
  counts: SparkCounts;
  /** Distinct valid orders the simulator sent (valid − duplicate-order defects). */
  expectedOrders: number;
  countsMatch: boolean;
  resources: WindowFigures;
  ordersPerCoreSecond: number | null;
  loadAverage: number[];
}

export interface SparkLatencyFigures {
  /** False when the job had not written every order of the window when it was stopped. */
  drained: boolean;
  /** Orders of the window in silver when the job was stopped. */
  ordersInSilver: number;
  /**
   * Latencies of the orders in silver plus, for each order still missing at the stop, the time from
   * the end of the feed to the stop: when not drained, every percentile is a lower bound.
   */
  lowerBound: boolean;
  targetRatePerSec: number;
  producedRatePerSec: number;
  orders: number;
  toSilver: LatencySummary;
  resources: WindowFigures;
  loadAverage: number[];
}

/** What the simulator sent: messages, rate, and distinct valid orders (valid − duplicate-order defects). */
export interface Produced {
  sent: number;
  ratePerSec: number;
  distinct: number;
}

export interface SparkPeerContext {
  config: Config;
  sampler: ProcSampler;
  logDir: string;
  log: (line: string) => void;
}

/** One run of the job on one topic, writing under its own folder. */
class SparkJob {
  private child: ChildProcess | undefined;
  readonly spawnedAt = Date.now();

  constructor(
    private readonly install: SparkInstall,
    readonly outDir: string,
  ) {}

  start(config: Config, topic: string, referenceFile: string, logFile: string): number {
    mkdirSync(this.outDir, { recursive: true });
    const log = createWriteStream(logFile, { flags: 'a' });
    // Its own process group, so that stopping it also stops the JVM the Python driver started.
    const child = spawn(this.install.python, [JOB, '--brokers', config.KAFKA_BROKERS, '--topic', topic, '--out', this.outDir, '--reference', referenceFile,
      '--max-offsets', String(MAX_OFFSETS_PER_TRIGGER), '--jars', this.install.kafkaJars.join(',')], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Loopback only (the stack is local): Spark would otherwise pick the machine's outward address.
      env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_PYTHON: this.install.python },
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.child = child;
    return child.pid!;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private lines(): (BatchLine & { event: 'start' | 'done' })[] {
    const file = path.join(this.outDir, 'batches.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as BatchLine & { event: 'start' | 'done' });
  }

  /** The micro-batches whose writes are done. */
  batches(): BatchLine[] {
    return this.lines().filter((line) => line.event === 'done');
  }

  /** True while a micro-batch has started and not finished its writes. */
  private busy(): boolean {
    const lines = this.lines();
    return lines.filter((l) => l.event === 'start').length > lines.filter((l) => l.event === 'done').length;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    if ((await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)])) === false) process.kill(-child.pid, 'SIGKILL');
    await exited;
  }

  /**
   * Waits until `done(batches)` (true), or `IDLE_END_MS` with no micro-batch running after the first,
   * or `timeoutMs` (false): a job that cannot keep up is measured as far as it got, not failed.
   */
  async waitFor(done: (batches: BatchLine[]) => boolean, timeoutMs: number, logDir: string): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await sleep(1000);
      if (!this.running) throw new Error(`spark: the job exited (log in ${logDir})`);
      const batches = this.batches();
      if (done(batches)) return true;
      const last = Math.max(0, ...batches.map((b) => b.goldDoneMs));
      if (last > 0 && !this.busy() && Date.now() - last > IDLE_END_MS) return false;
      if (Date.now() > deadline) return false;
    }
  }
}

/** The reference data the job joins (products, customers, crypto rates), as one JSON file. */
function writeReference(config: Config, file: string): void {
  const reference = loadReferenceData(config);
  const customers = Array.from({ length: config.CUSTOMERS }, (_, i) => reference.customers.byNumber(i + 1));
  const rates = (JSON.parse(readFileSync(path.join(ROOT, 'data', 'rates', 'crypto-usd.json'), 'utf8')) as { rates: Record<string, Record<string, number>> }).rates;
  writeFileSync(file, JSON.stringify({ products: reference.products, customers, rates }));
}

const sql = (text: string): string => `'${text.replaceAll("'", "''")}'`;

async function query(sqlText: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sqlText)).getRowObjects() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const table = (outDir: string, name: string): string => `read_parquet(${sql(`${outDir}/batch=*/${name}/*.parquet`)}, hive_partitioning = true)`;

async function countsOf(outDir: string): Promise<SparkCounts> {
  const [row] = await query(`SELECT
    (SELECT count(*) FROM ${table(outDir, 'silver_orders')}) AS silver,
    (SELECT count(DISTINCT orderId) FROM ${table(outDir, 'silver_orders')}) AS distinctOrders,
    (SELECT count(*) FROM ${table(outDir, 'silver_items')}) AS items,
    (SELECT sum(orders) FROM ${table(outDir, 'gold_customer_totals')}) AS gold`);
  return { silverRows: Number(row!.silver), distinctOrders: Number(row!.distinctOrders), itemRows: Number(row!.items), goldOrders: Number(row!.gold ?? 0) };
}

/** Per order with a Kafka timestamp at or after `sinceMs`: its micro-batch's silver commit − Kafka timestamp. */
async function latenciesOf(outDir: string, sinceMs: number): Promise<number[]> {
  const rows = await query(`SELECT j.silverVisibleMs - epoch_ms(s.kafkaTs) AS ms
    FROM ${table(outDir, 'silver_orders')} s JOIN read_json(${sql(path.join(outDir, 'batches.jsonl'))}) j ON s.batch = j.batchId AND j.event = 'done'
    WHERE epoch_ms(s.kafkaTs) >= ${Math.floor(sinceMs)}`);
  return rows.map((r) => Number(r.ms));
}

const median = (values: number[]): number | null => (values.length === 0 ? null : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);

export class SparkPeer {
  private constructor(
    private readonly ctx: SparkPeerContext,
    private readonly install: SparkInstall,
    private readonly referenceFile: string,
  ) {}

  /** Installs PySpark and the Kafka source on first use (cached) and writes the reference file. */
  static async prepare(ctx: SparkPeerContext): Promise<SparkPeer> {
    const install = await installSpark(ctx.config, ctx.log);
    mkdirSync(ctx.logDir, { recursive: true });
    const referenceFile = path.join(ctx.logDir, 'spark-reference.json');
    writeReference(ctx.config, referenceFile);
    return new SparkPeer(ctx, install, referenceFile);
  }

  private job(name: string): SparkJob {
    return new SparkJob(this.install, path.join(this.ctx.logDir, `spark-${name}`));
  }

  /** Drains `topic` (pre-loaded with `expectedOrders` distinct valid orders) and measures the steady window. */
  async throughput(topic: string, expectedOrders: number, window: { warmupMs: number; measureMs: number; tailMs: number }): Promise<SparkThroughputFigures> {
    const { ctx } = this;
    const job = this.job('throughput');
    ctx.sampler.watch('spark', job.start(ctx.config, topic, this.referenceFile, path.join(ctx.logDir, 'spark-throughput.log')));
    let drained: boolean;
    try {
      const enough = (batches: BatchLine[]): boolean => batches.reduce((n, b) => n + b.silverOrders, 0) >= expectedOrders;
      drained = await job.waitFor(enough, 15 * 60_000, ctx.logDir);
    } finally {
      await job.stop();
    }
    const loadAverage = os.loadavg();
    const batches = job.batches();
    const counts = await countsOf(job.outDir);
    const silver = steadyRate(batches.map((b) => ({ atMs: b.silverVisibleMs, orders: b.silverOrders })), { ...window, drained: true }) ?? null;
    const resources = silver ? ctx.sampler.figures(silver.fromMs, silver.toMs) : { processes: {}, machineBusyPct: 0 };
    const started = batches.length > 0 ? Math.min(...batches.map((b) => b.startedMs)) : undefined;
    const figures: SparkThroughputFigures = {
      system: 'spark',
      version: SPARK_VERSION,
      startupMs: started === undefined ? null : started - job.spawnedAt,
      drained,
      silver,
      medianBatchMs: median(batches.filter((b) => b.silverOrders > 0).map((b) => b.goldDoneMs - b.startedMs)),
      batches: batches.length,
      counts,
      expectedOrders,
      countsMatch: counts.silverRows === expectedOrders && counts.distinctOrders === expectedOrders && counts.goldOrders === expectedOrders,
      resources,
      ordersPerCoreSecond: ordersPerCoreSecond(silver?.ratePerSec, resources.processes),
      loadAverage,
    };
    ctx.log(`spark: silver ${silver?.ratePerSec ?? '-'} orders/s over ${((silver?.windowMs ?? 0) / 1000).toFixed(1)} s, start-up ${figures.startupMs} ms, ${counts.distinctOrders} orders in silver of ${expectedOrders} expected${figures.countsMatch ? '' : ' (MISMATCH)'}; load ${loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
    return figures;
  }

  /**
   * The latency window: the job runs on a fresh topic; `feed(count, seed)` produces at `rate` (3 s of
   * warm-up first, then `seconds`); latencies of the orders sent after the warm-up.
   */
  async latency(topic: string, rate: number, seconds: number, feed: (count: number, seed: number) => Promise<Produced>): Promise<SparkLatencyFigures> {
    const { ctx } = this;
    const job = this.job('latency');
    ctx.sampler.watch('spark-latency', job.start(ctx.config, topic, this.referenceFile, path.join(ctx.logDir, 'spark-latency.log')));
    let produced: Produced;
    let fromMs: number;
    let toMs: number;
    let drained = false;
    try {
      // The warm-up also covers the job's start-up (JVM, session, Kafka source): wait for all of it.
      ctx.log(`spark latency: warming up at ${rate}/s…`);
      const warm = await feed(rate * 3, 3);
      const total = (b: BatchLine[]): number => b.reduce((n, x) => n + x.silverOrders, 0);
      await job.waitFor((b) => total(b) >= warm.distinct, 5 * 60_000, ctx.logDir);
      fromMs = Date.now();
      ctx.log(`spark latency: ${seconds} s at ${rate}/s…`);
      produced = await feed(rate * seconds, 4);
      toMs = Date.now();
      drained = await job.waitFor((b) => total(b) >= warm.distinct + produced.distinct, LATENCY_DRAIN_MS, ctx.logDir);
    } finally {
      await job.stop();
    }
    const stoppedMs = Date.now();
    const measured = await latenciesOf(job.outDir, fromMs);
    const missing = Math.max(0, produced.distinct - measured.length);
    const figures: SparkLatencyFigures = {
      drained,
      ordersInSilver: measured.length,
      lowerBound: missing > 0,
      targetRatePerSec: rate,
      producedRatePerSec: produced.ratePerSec,
      orders: produced.sent,
      toSilver: summarizeLatencies([...measured, ...Array.from({ length: missing }, () => stoppedMs - toMs)]),
      resources: ctx.sampler.figures(fromMs, toMs),
      loadAverage: os.loadavg(),
    };
    ctx.log(`spark latency at ${rate}/s: silver p50/p95/p99 ${figures.toSilver.p50Ms}/${figures.toSilver.p95Ms}/${figures.toSilver.p99Ms} ms (${measured.length} of ${produced.distinct} orders in silver${missing > 0 ? '; lower bounds' : ''})`);
    return figures;
  }
}
