// Producer benchmark: how fast the simulator gets orders into the local Kafka, and how well it
// holds a requested rate. Three figures:
// - generator: the pure generator alone (no I/O), messages per second;
// - max: `simulate` with no rate limit into a fresh topic, messages acknowledged per second;
// - held: `simulate --rate 1000` for 10 s, the achieved rate and its error (target: within 5%).
// Needs the local stack's Kafka (`npx orders stack up`); fails naming Kafka when it is down.
//
//   npx tsx bench/producer.ts [maxCount]        (or `npm run bench`, which calls runProducerBench)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../src/config.ts';
import { createKafka } from '../src/kafka/client.ts';
import { loadReferenceData } from '../src/reference/index.ts';
import { connectKafkaSink, OrderSimulator, simulate, type SimulationSummary } from '../src/simulator/index.ts';

export interface ProducerBenchResult {
  node: string;
  /** 1-minute load average at the end and the CPU count: the figures depend on both. */
  loadAverage: number;
  cpus: number;
  partitions: number;
  generator: { messages: number; ratePerSec: number };
  max: { messages: number; ratePerSec: number; elapsedMs: number; batchSize: number };
  held: { targetPerSec: number; messages: number; ratePerSec: number; errorPct: number; withinTolerance: boolean };
}

export interface ProducerBenchOptions {
  /** Messages of the unlimited run (default 500,000). */
  maxCount?: number;
  /** Batch size of the unlimited run (default the simulator's, 500). */
  batchSize?: number;
  heldRate?: number;
  heldSeconds?: number;
  config?: Config;
  log?: (line: string) => void;
}

const rate = (messages: number, ms: number): number => Math.round((messages * 1000) / ms);

export async function runProducerBench(options: ProducerBenchOptions = {}): Promise<ProducerBenchResult> {
  const { maxCount = 500_000, batchSize = 500, heldRate = 1000, heldSeconds = 10, config = loadConfig(), log = () => undefined } = options;
  const reference = loadReferenceData(config);

  // Warm up (JIT, reference caches), then time the generator alone.
  const warm = new OrderSimulator(reference, { seed: 99, count: 50_000 });
  while (warm.next());
  const generatorCount = 200_000;
  const generator = new OrderSimulator(reference, { seed: 1, count: generatorCount });
  const t0 = performance.now();
  while (generator.next());
  const generatorFigure = { messages: generatorCount, ratePerSec: rate(generatorCount, performance.now() - t0) };
  log(`generator alone: ${generatorFigure.ratePerSec.toLocaleString('en-US')} messages/s`);

  const stamp = Date.now().toString(36);
  const topics = [`bench-producer-max-${stamp}`, `bench-producer-held-${stamp}`];
  const runOn = async (topic: string, run: Parameters<typeof simulate>[0]): Promise<SimulationSummary> => {
    const sink = await connectKafkaSink(config, topic);
    try {
      return await simulate({ ...run, topic }, { sink, reference, generateInWorker: true });
    } finally {
      await sink.close();
    }
  };
  try {
    const max = await runOn(topics[0]!, { seed: 1, count: maxCount, batchSize });
    const maxFigure = { messages: max.sent, ratePerSec: Math.round(max.ratePerSec), elapsedMs: max.elapsedMs, batchSize };
    log(`unlimited: ${maxFigure.messages.toLocaleString('en-US')} messages in ${(max.elapsedMs / 1000).toFixed(1)} s = ${maxFigure.ratePerSec.toLocaleString('en-US')} messages/s`);

    const held = await runOn(topics[1]!, { seed: 2, count: heldRate * heldSeconds, rate: heldRate });
    const errorPct = Math.round(((held.ratePerSec - heldRate) / heldRate) * 10_000) / 100;
    const heldFigure = { targetPerSec: heldRate, messages: held.sent, ratePerSec: held.ratePerSec, errorPct, withinTolerance: Math.abs(errorPct) <= 5 };
    log(`held at ${heldRate}/s: ${held.ratePerSec}/s over ${(held.elapsedMs / 1000).toFixed(1)} s (${errorPct > 0 ? '+' : ''}${errorPct}%)`);

    return {
      node: process.version,
      loadAverage: os.loadavg()[0]!,
      cpus: os.cpus().length,
      partitions: config.KAFKA_PARTITIONS,
      generator: generatorFigure,
      max: maxFigure,
      held: heldFigure,
    };
  } finally {
    const admin = createKafka(config, 'bench-producer').admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const maxCount = process.argv[2] ? Number(process.argv[2]) : undefined;
  const result = await runProducerBench({ maxCount, log: (line) => console.log(line) });
  console.log(JSON.stringify(result, null, 2));
}
