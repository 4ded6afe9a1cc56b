// One chaos run, shared by `npm run chaos` and test/integration/chaos.test.ts: a pipeline of its own
// (topic, group, task queue, lake prefix, recipient) on the local stack; the simulator's orders and
// the fuzzer's bad messages stream in while the injector SIGKILLs bridge, worker, Temporal, Kafka,
// S3 and SMTP; then the backlog drains and the exactly-once verdict compares the lake and the
// mails to the truth file.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadReferenceData } from '../src/reference/index.ts';
import { startEndingBefore } from '../src/simulator/event-span.ts';
import { simulate } from '../src/simulator/simulate.ts';
import { stackStatus, startService, SERVICE_NAMES } from '../src/stack/index.ts';
import { exactlyOnceVerdict, type Check } from '../test/helpers/exactly-once.ts';
import { readPipelineFacts } from '../test/helpers/lake-facts.ts';
import { oracleOf, readTruth } from '../test/helpers/oracle.ts';
import { TestPipeline } from '../test/helpers/pipeline.ts';
import { fuzzMessages, type FuzzMessage } from './fuzz.ts';
import { ChaosInjector } from './injector.ts';
import { connectChaosProducer, type ChaosProducer } from './producer.ts';
import type { Victim } from './schedule.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChaosOptions {
  orders: number;
  /** orders per second while producing */
  rate: number;
  /** kills at least; the injector goes on killing while orders are produced */
  kills: number;
  fuzz: number;
  seed: number;
  workers?: number;
  bridges?: number;
  victims?: readonly Victim[];
  pauseMs?: readonly [number, number];
  drainTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  checks: Check[];
  ok: boolean;
  timings: { produceMs: number; chaosMs: number; drainMs: number; totalMs: number };
  producerRetries: number;
}

/** Fuzz messages go out in this many bursts, spread over the production time. */
const FUZZ_BURSTS = 20;

async function sendFuzz(producer: ChaosProducer, messages: readonly FuzzMessage[], spreadMs: number): Promise<void> {
  const burst = Math.ceil(messages.length / FUZZ_BURSTS);
  for (let i = 0; i < messages.length; i += burst) {
    await producer.send(messages.slice(i, i + burst));
    await sleep(spreadMs / FUZZ_BURSTS);
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {});
  const began = Date.now();
  // Smaller batches than the default: more batch boundaries, more places for a kill to land. More
  // customers than the default, so 100,000 orders span hours of event time, not a day.
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '250', BATCH_MAX_WAIT_MS: '500', LOG_LEVEL: 'warn', CUSTOMERS: '5000' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'chaos-truth-')), 'truth.jsonl');
  const fuzz = fuzzMessages(options.seed, options.fuzz);
  try {
    // The injector kills services through the stack's pid files: each must be a process this stack started.
    const strangers = (await stackStatus(pipeline.config)).filter((s) => s.pid === undefined).map((s) => s.title);
    if (strangers.length > 0) throw new Error(`not started by this stack (${pipeline.config.STACK_DIR}), so it cannot be killed: ${strangers.join(', ')}; run \`orders stack down\` and \`orders stack up\``);
    // The orders are dated up to a minute before they are sent: a shop's real past, so the quality
    // checks see on-time orders (and only the simulator's deliberate future-dated ones as future).
    const reference = loadReferenceData(pipeline.config);
    const generator = { count: options.orders, seed: options.seed, anomalyRate: 0.03, eventRatePerHour: options.rate * 3600, dailyRhythm: false };
    const startMs = startEndingBefore(reference, generator, Date.now(), 60_000);
    // (generating the run once takes seconds on the event loop: done before the kill timers run)
    await pipeline.start({ workers: options.workers ?? 1, bridges: options.bridges ?? 1 });
    log(`pipeline ${pipeline.name}: ${options.orders} orders at ${options.rate}/s, ${options.fuzz} fuzzed messages, ≥ ${options.kills} kills, seed ${options.seed}`);
    const injector = new ChaosInjector(pipeline, { seed: options.seed, ...(options.victims ? { victims: options.victims } : {}), ...(options.pauseMs ? { pauseMs: options.pauseMs } : {}), log });
    let producing = true;
    const chaos = injector.run(() => !producing && injector.totalKills >= options.kills);

    const orders = await connectChaosProducer(pipeline.config, pipeline.config.KAFKA_TOPIC);
    const bad = await connectChaosProducer(pipeline.config, pipeline.config.KAFKA_TOPIC);
    const produceBegan = Date.now();
    try {
      await Promise.all([
        simulate({ ...generator, rate: options.rate, truthFile, startMs, topic: pipeline.config.KAFKA_TOPIC }, { sink: orders, reference }),
        sendFuzz(bad, fuzz, (options.orders / options.rate) * 1000),
      ]);
    } finally {
      producing = false;
      await Promise.all([orders.close(), bad.close()]);
    }
    const produceMs = Date.now() - produceBegan;
    log(`produced in ${(produceMs / 1000).toFixed(1)} s (${orders.retries + bad.retries} sends retried while Kafka was away); killing on until ${options.kills} kills`);
    await chaos;
    await injector.stop();
    const chaosMs = Date.now() - produceBegan;
    // Whatever the last kill left half-started is answering again before the drain is timed.
    for (const name of SERVICE_NAMES) await startService(pipeline.config, name);

    const drainBegan = Date.now();
    log(`${injector.totalKills} kills done; draining`);
    await pipeline.waitUntilDrained(options.drainTimeoutMs ?? 1_800_000).catch((error: Error) => log(`not drained: ${error.message}`));
    const drainMs = Date.now() - drainBegan;
    log(`drained in ${(drainMs / 1000).toFixed(1)} s; reading the lake`);

    const facts = await readPipelineFacts(pipeline);
    const checks = exactlyOnceVerdict({ facts, oracle: oracleOf(readTruth(truthFile)), fuzz, processes: injector.exits(), minKills: options.kills, mailWindowKills: injector.mailWindowKills() });
    return { checks, ok: checks.every((c) => c.ok), timings: { produceMs, chaosMs, drainMs, totalMs: Date.now() - began }, producerRetries: orders.retries + bad.retries };
  } finally {
    await pipeline.stop();
  }
}
