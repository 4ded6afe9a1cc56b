// `npm run chaos [-- --orders N --kills N --fuzz N --rate N --seed N]`: a bounded chaos run on the
// local stack (see README "Chaos run"). Prints the verdict table; exits 1 when any check fails,
// 2 on a bad flag.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { assertStackHealthy } from '../src/stack/index.ts';
import { runChaos } from './scenario.ts';
import { formatChecks } from './table.ts';
import { VICTIMS, type Victim } from './schedule.ts';

const USAGE = 'usage: npm run chaos -- [--orders 100000] [--rate 1000] [--kills 30] [--fuzz 10000] [--seed 2026] [--only bridge,worker,temporal,kafka,s3,mail]';

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number ≥ 0, got ${JSON.stringify(text)}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: { orders: { type: 'string' }, rate: { type: 'string' }, kills: { type: 'string' }, fuzz: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } },
    strict: true,
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const env = process.env;
const victims = values.only?.split(',').map((v) => v.trim()) ?? [...VICTIMS];
if (victims.length === 0 || !victims.every((v): v is Victim => (VICTIMS as readonly string[]).includes(v))) {
  console.error(`--only takes a comma-separated subset of ${VICTIMS.join(',')}\n${USAGE}`);
  process.exit(2);
}
const options = {
  orders: positive('orders', values.orders ?? env.CHAOS_ORDERS, 100_000),
  rate: positive('rate', values.rate ?? env.CHAOS_RATE, 1_000),
  kills: positive('kills', values.kills ?? env.CHAOS_KILLS, 30),
  fuzz: positive('fuzz', values.fuzz ?? env.CHAOS_FUZZ, 10_000),
  seed: positive('seed', values.seed ?? env.CHAOS_SEED, 2026),
  victims: victims as Victim[],
};

const config = loadConfig();
await assertStackHealthy(config);
const started = new Date();
const log = (line: string): void => console.error(`[chaos ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const result = await runChaos({ ...options, log });

console.log(`chaos run ${started.toISOString()}: ${options.orders.toLocaleString('en-US')} orders at ${options.rate}/s, ${options.fuzz.toLocaleString('en-US')} fuzzed, ≥ ${options.kills} kills of ${options.victims.join(', ')}, seed ${options.seed}`);
console.log(`machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; node ${process.version}`);
const { produceMs, chaosMs, drainMs, totalMs } = result.timings;
const s = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;
console.log(`time: produce ${s(produceMs)}, kills until ${s(chaosMs)}, drain ${s(drainMs)}, total ${s(totalMs)}; producer sends retried while Kafka was away: ${result.producerRetries}`);
console.log(formatChecks(result.checks));
process.exit(result.ok ? 0 : 1);
