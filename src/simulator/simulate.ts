// The simulator's shell: pulls messages from the pure generator, writes the truth file, and ships
// batches to a sink (Kafka in production, an array in tests) at the requested rate.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ShopReferenceData } from '../reference/index.ts';
import type { GeneratorOptions, GeneratorStats } from './generator-settings.ts';
import type { MessageSink } from './kafka-sink.ts';
import { TokenBucket } from './rate-limiter.ts';
import { inThreadSource, workerSource, type SourceBatch, type WireMessage } from './source.ts';

export const DEFAULT_COUNT = 10_000;
export const DEFAULT_BATCH_SIZE = 500;

export interface SimulateOptions extends GeneratorOptions {
  /** Messages per second; unlimited when absent. */
  rate?: number;
  /** Stop after this many seconds instead of a count (patterns under way are completed). */
  durationSec?: number;
  /** Write one JSON line per message sent to this file (docs/truth-file.md). */
  truthFile?: string;
  /** Messages per send when no rate is set (with a rate: one send per ~50 ms). */
  batchSize?: number;
  /**
   * Sends in flight at once. 1 (the default) keeps every partition in generation order, so the
   * same seed lands byte-identical partitions; more may reorder batches when a send is retried.
   * The next batch is generated while the previous one is in flight either way.
   */
  maxInFlight?: number;
  progressEveryMs?: number;
  /** Shown in the summary. */
  topic?: string;
}

export interface SimulateDeps {
  sink: MessageSink;
  reference: ShopReferenceData;
  /** Receives a progress line every few seconds on long runs (stderr in the CLI). */
  progress?: (line: string) => void;
  /** Aborting stops the run early (after completing patterns under way). */
  signal?: AbortSignal;
  /**
   * Generate in a worker thread, in parallel with sending (the CLI and the benchmark do). The
   * default generates in this thread, and the sink then receives whole SimMessages, truth included.
   */
  generateInWorker?: boolean;
  nowMs?: () => number;
}

export interface SimulationSummary extends GeneratorStats {
  topic: string | null;
  seed: number | string;
  elapsedMs: number;
  /** Messages per second over the run, first send to last acknowledgement. */
  ratePerSec: number;
  requestedRate: number | null;
  truthFile: string | null;
}

const format = (n: number): string => Math.round(n).toLocaleString('en-US');

async function writeLines(stream: WriteStream, lines: string): Promise<void> {
  if (!stream.write(lines)) await once(stream, 'drain');
}

/** Runs one simulation to the end and returns its summary. The sink is not closed. */
export async function simulate(options: SimulateOptions, deps: SimulateDeps): Promise<SimulationSummary> {
  const nowMs = deps.nowMs ?? (() => performance.now());
  if (options.count !== undefined && options.durationSec !== undefined) throw new RangeError('give a count or a duration, not both');
  const count = options.durationSec === undefined ? (options.count ?? DEFAULT_COUNT) : undefined;
  const generatorOptions: GeneratorOptions = { ...options, count };
  // Only the generator's own options go to a worker (structured clone; no file names or callbacks).
  for (const key of ['rate', 'durationSec', 'truthFile', 'batchSize', 'maxInFlight', 'progressEveryMs', 'topic'] as const) delete (generatorOptions as SimulateOptions)[key];
  const withTruth = options.truthFile !== undefined;
  const source = deps.generateInWorker
    ? workerSource(generatorOptions, { dimensionCustomers: deps.reference.customers.count, withTruth })
    : inThreadSource(deps.reference, generatorOptions, withTruth);
  const rate = options.rate;
  const batchSize = rate === undefined ? (options.batchSize ?? DEFAULT_BATCH_SIZE) : Math.max(1, Math.min(options.batchSize ?? DEFAULT_BATCH_SIZE, Math.round(rate / 20)));
  const maxInFlight = options.maxInFlight ?? 1;
  const progressEveryMs = options.progressEveryMs ?? 5000;

  // The clock starts when the first batch is ready: a worker's start-up is not part of the rate.
  let firstBatch: SourceBatch | undefined;
  try {
    firstBatch = await source.next(batchSize);
  } catch (error) {
    await source.close();
    throw error;
  }
  // Room for two batches: a timer that fires late is made up for on the next send, not lost.
  // It starts with one batch: the first send goes at once, the rest keep to the rate.
  const bucket = rate === undefined ? undefined : new TokenBucket(rate, 2 * batchSize, nowMs, undefined, batchSize);
  const truth = options.truthFile ? createWriteStream(options.truthFile) : undefined;
  const started = nowMs();
  const deadline = options.durationSec === undefined ? Infinity : started + options.durationSec * 1000;
  let nextProgress = started + progressEveryMs;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;

  const ship = async (batch: WireMessage[], truthLines: string): Promise<void> => {
    if (bucket) await bucket.take(batch.length);
    if (truth && truthLines !== '') await writeLines(truth, truthLines);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (failure !== undefined) return;
    const sending = deps.sink.send(batch).then(
      () => {
        sent += batch.length;
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    const tracked = sending.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  let eventClockMs = options.startMs ?? 0;
  let stats: GeneratorStats;
  try {
    let finished = false;
    while (!finished && failure === undefined) {
      let batch: SourceBatch;
      if (firstBatch === undefined && (nowMs() >= deadline || deps.signal?.aborted)) {
        batch = await source.drain();
        finished = true;
      } else {
        batch = firstBatch ?? (await source.next(batchSize));
        firstBatch = undefined;
        if (batch.done) {
          const tail = await source.drain();
          batch = { ...tail, messages: [...batch.messages, ...tail.messages], truthLines: batch.truthLines + tail.truthLines };
          finished = true;
        }
      }
      eventClockMs = batch.eventClockMs;
      // A drained tail may exceed one batch (or the bucket's capacity): ship it in slices. The
      // truth lines go with the first slice: they are written before the batch is sent either way.
      for (let i = 0; i < batch.messages.length && failure === undefined; i += batchSize) {
        await ship(batch.messages.slice(i, i + batchSize), i === 0 ? batch.truthLines : '');
      }

      const now = nowMs();
      if (deps.progress && now >= nextProgress) {
        const elapsedSec = (now - started) / 1000;
        deps.progress(`simulate: ${format(sent)} acknowledged, ${format(sent / elapsedSec)}/s, event time ${new Date(eventClockMs).toISOString().slice(0, 19)}Z`);
        nextProgress = now + progressEveryMs;
      }
    }
    await Promise.all(inFlight);
    stats = await source.stats();
  } finally {
    await source.close();
    if (truth) {
      truth.end();
      await once(truth, 'close');
    }
  }
  if (failure !== undefined) throw failure;

  const elapsedMs = nowMs() - started;
  return {
    ...stats,
    topic: options.topic ?? null,
    seed: options.seed ?? 1,
    elapsedMs: Math.round(elapsedMs),
    ratePerSec: elapsedMs > 0 ? Math.round((sent * 1000 * 10) / elapsedMs) / 10 : sent,
    requestedRate: rate ?? null,
    truthFile: options.truthFile ?? null,
  };
}

/** The summary as the CLI prints it. */
export function formatSummary(s: SimulationSummary): string {
  const versions = Object.entries(s.perVersion).map(([v, n]) => `v${v}: ${format(n)}`).join(', ');
  const anomalies = Object.entries(s.perAnomaly).filter(([, n]) => n > 0).map(([t, n]) => `  ${t.padEnd(18)} ${format(n).padStart(9)}`);
  const span = s.firstEventTs === null || s.lastEventTs === null ? 'none' : `${new Date(s.firstEventTs).toISOString()} .. ${new Date(s.lastEventTs).toISOString()}`;
  return [
    `sent ${format(s.sent)} messages${s.topic ? ` to ${s.topic}` : ''} in ${(s.elapsedMs / 1000).toFixed(1)} s: ${format(s.ratePerSec)}/s${s.requestedRate ? ` (requested ${format(s.requestedRate)}/s)` : ''}`,
    `valid ${format(s.valid)}, invalid ${format(s.invalid)}, without header ${format(s.headerless)}`,
    `per version: ${versions}`,
    `event time: ${span}`,
    anomalies.length > 0 ? `per anomaly type (messages):\n${anomalies.join('\n')}` : 'no anomalies',
    s.truthFile ? `truth file: ${s.truthFile}` : '',
  ].filter(Boolean).join('\n');
}
