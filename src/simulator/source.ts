// Where simulate() gets its messages: the generator in this thread, or in a worker thread so that
// generating the next batch runs in parallel with kafkajs encoding and sending the current one.
// Both give the same messages in the same order: the generator is deterministic either way.
import { Worker } from 'node:worker_threads';
import type { ShopReferenceData } from '../reference/index.ts';
import type { GeneratorOptions, GeneratorStats } from './generator-settings.ts';
import { OrderSimulator } from './generator.ts';
import type { SimMessage } from './types.ts';

export interface WireMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface SourceBatch {
  messages: WireMessage[];
  /** The batch's truth lines (JSON Lines, newline-terminated); "" when no truth was asked for. */
  truthLines: string;
  eventClockMs: number;
  /** The generator reached its count: nothing more will come. */
  done: boolean;
}

export interface MessageSource {
  next(max: number): Promise<SourceBatch>;
  /** The pattern orders still scheduled (runs that end on a deadline). */
  drain(): Promise<SourceBatch>;
  stats(): Promise<GeneratorStats>;
  close(): Promise<void>;
}

export type SourceRequest = { type: 'next'; max: number } | { type: 'drain' } | { type: 'stats' };
export type SourceReply = { type: 'batch'; batch: SourceBatch } | { type: 'stats'; stats: GeneratorStats } | { type: 'error'; message: string };

const truthOf = (messages: SimMessage[], withTruth: boolean): string => (withTruth ? messages.map((m) => `${JSON.stringify(m.truth)}\n`).join('') : '');

/**
 * Serves one request from a generator: shared by the in-thread source and the worker. With
 * `wireOnly`, messages are cut down to what goes on the wire (cheaper to pass between threads).
 */
export function serve(generator: OrderSimulator, request: SourceRequest, withTruth: boolean, wireOnly = false): SourceReply {
  if (request.type === 'stats') return { type: 'stats', stats: generator.stats };
  let messages: SimMessage[];
  let done = false;
  if (request.type === 'drain') {
    messages = generator.drain();
  } else {
    messages = [];
    while (messages.length < request.max) {
      const m = generator.next();
      if (!m) {
        done = true;
        break;
      }
      messages.push(m);
    }
  }
  const wire = wireOnly ? messages.map((m): WireMessage => ({ key: m.key, value: m.value, headers: m.headers })) : messages;
  return { type: 'batch', batch: { messages: wire, truthLines: truthOf(messages, withTruth), eventClockMs: generator.eventClockMs, done } };
}

/** The generator in this thread. Its messages are whole SimMessages (truth included), handy in tests. */
export function inThreadSource(reference: ShopReferenceData, options: GeneratorOptions, withTruth: boolean): MessageSource {
  const generator = new OrderSimulator(reference, options);
  const ask = (request: SourceRequest): SourceBatch => {
    const reply = serve(generator, request, withTruth);
    if (reply.type !== 'batch') throw new Error('unexpected reply');
    return reply.batch;
  };
  return {
    next: async (max) => ask({ type: 'next', max }),
    drain: async () => ask({ type: 'drain' }),
    stats: async () => generator.stats,
    close: async () => {},
  };
}

export interface WorkerSourceOptions {
  /** Size of the customer dimension the worker loads (the reference data is rebuilt there). */
  dimensionCustomers: number;
  withTruth: boolean;
}

/** The generator in a worker thread, one batch generated ahead of the one being sent. */
export function workerSource(options: GeneratorOptions, { dimensionCustomers, withTruth }: WorkerSourceOptions): MessageSource {
  // The project runs TypeScript through tsx, which a worker thread does not inherit when it was
  // registered in-process (bin/orders.js): register it in the worker, then load the generator.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL('./generator-worker.ts', import.meta.url).href)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { options, dimensionCustomers, withTruth } });
  const waiting: { resolve: (reply: SourceReply) => void; reject: (error: Error) => void }[] = [];
  let broken: Error | undefined;
  worker.on('message', (reply: SourceReply) => waiting.shift()?.resolve(reply));
  const fail = (error: Error): void => {
    broken ??= error;
    for (const w of waiting.splice(0)) w.reject(error);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`simulator worker exited with code ${code}`)));

  const ask = (request: SourceRequest): Promise<SourceReply> => {
    if (broken) return Promise.reject(broken);
    const reply = new Promise<SourceReply>((resolve, reject) => waiting.push({ resolve, reject }));
    worker.postMessage(request);
    return reply;
  };
  const batchOf = async (reply: Promise<SourceReply>): Promise<SourceBatch> => {
    const r = await reply;
    if (r.type === 'error') throw new Error(`simulator worker: ${r.message}`);
    if (r.type !== 'batch') throw new Error('unexpected reply from the simulator worker');
    return r.batch;
  };

  let ahead: Promise<SourceReply> | undefined;
  return {
    async next(max) {
      const current = ahead ?? ask({ type: 'next', max });
      ahead = ask({ type: 'next', max });
      // Keep the prefetch from becoming an unhandled rejection if the worker dies meanwhile.
      ahead.catch(() => undefined);
      return batchOf(current);
    },
    async drain() {
      // Messages generated ahead come first, then the scheduled pattern orders.
      const first = ahead ? await batchOf(ahead) : undefined;
      ahead = undefined;
      const rest = await batchOf(ask({ type: 'drain' }));
      return first
        ? { messages: [...first.messages, ...rest.messages], truthLines: first.truthLines + rest.truthLines, eventClockMs: rest.eventClockMs, done: true }
        : rest;
    },
    async stats() {
      if (ahead) await ahead.catch(() => undefined);
      ahead = undefined;
      const r = await ask({ type: 'stats' });
      if (r.type !== 'stats') throw new Error('unexpected reply from the simulator worker');
      return r.stats;
    },
    async close() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
