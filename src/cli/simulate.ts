// `orders simulate`: seeded order events with labelled anomalies to Kafka (docs/events.md).
import type { Command } from 'commander';
import { config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { loadReferenceData } from '../reference/index.ts';
import { connectKafkaSink, DEFAULT_START, formatSummary, parseAnomalyTypes, parseVersionMix, simulate, type SimulateOptions } from '../simulator/index.ts';

interface Flags {
  rate?: string;
  count?: string;
  duration?: string;
  seed: string;
  versions: string;
  anomalies: string;
  benign: string;
  anomalyTypes: string;
  truth?: string;
  customers?: string;
  start: string;
  eventRate?: string;
  topic?: string;
  json?: boolean;
}

function positive(flag: string, text: string | undefined, { integer = false, allowZero = false } = {}): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(`${flag}: expected a ${integer ? 'whole ' : ''}number${allowZero ? ' ≥ 0' : ' > 0'}, got "${text}"`);
  }
  return n;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('produce seeded order events (v1, v2, v3) with labelled anomalies to Kafka')
    .option('--rate <n>', 'messages per second (default: as fast as possible)')
    .option('--count <n>', 'messages to send (default 10000)')
    .option('--duration <s>', 'send for this many seconds instead of a count')
    .option('--seed <k>', 'seed: the same seed sends the same messages, byte for byte', '1')
    .option('--versions <mix>', 'weights of event versions', '1:0.1,2:0.3,3:0.6')
    .option('--anomalies <p>', 'share of messages carrying an anomaly, split evenly across types', '0.02')
    .option('--benign <p>', 'share of normal orders that look unusual for an honest reason (gifts abroad, offices, big spenders), labelled benign in the truth file', '0')
    .option('--anomaly-types <list>', 'comma-separated anomaly types to inject, or "all"', 'all')
    .option('--truth <file>', 'write the ground truth, one JSON line per message')
    .option('--customers <n>', 'customers 1..N who order (default CUSTOMERS)')
    .option('--start <iso|now>', 'event time of the first order', DEFAULT_START)
    .option('--event-rate <n>', 'mean orders per simulated hour (default 0.6 × customers; with --start now and --rate: rate × 3600)')
    .option('--topic <name>', 'topic to send to (default KAFKA_TOPIC)')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: Flags) => {
      const settings = config();
      const count = positive('--count', flags.count, { integer: true });
      const durationSec = positive('--duration', flags.duration);
      if (count !== undefined && durationSec !== undefined) throw new UsageError('give --count or --duration, not both');
      const rate = positive('--rate', flags.rate);
      const customers = positive('--customers', flags.customers, { integer: true }) ?? settings.CUSTOMERS;
      const anomalyRate = positive('--anomalies', flags.anomalies, { allowZero: true })!;
      if (anomalyRate >= 1) throw new UsageError('--anomalies: expected a share below 1, e.g. 0.02');
      const benignRate = positive('--benign', flags.benign, { allowZero: true })!;
      if (benignRate >= 1) throw new UsageError('--benign: expected a share below 1, e.g. 0.15');
      const live = flags.start === 'now';
      const startMs = live ? Math.floor(Date.now() / 1000) * 1000 : Date.parse(flags.start);
      if (Number.isNaN(startMs)) throw new UsageError(`--start: expected an ISO 8601 date-time or "now", got "${flags.start}"`);
      // Live: event time follows the wall clock at the send rate (no daily shaping of a constant rate).
      const followWallClock = live && rate !== undefined && flags.eventRate === undefined;
      const eventRatePerHour = positive('--event-rate', flags.eventRate) ?? (followWallClock ? rate * 3600 : undefined);
      const seedNumber = Number(flags.seed);
      const topic = flags.topic ?? settings.KAFKA_TOPIC;

      const options: SimulateOptions = {
        seed: Number.isSafeInteger(seedNumber) ? seedNumber : flags.seed,
        customers,
        versions: parseVersionMix(flags.versions),
        anomalyRate,
        benignRate,
        anomalyTypes: parseAnomalyTypes(flags.anomalyTypes),
        startMs,
        eventRatePerHour,
        dailyRhythm: !followWallClock,
        count,
        durationSec,
        rate,
        truthFile: flags.truth,
        topic,
      };
      const reference = loadReferenceData({ CUSTOMERS: Math.max(customers, settings.CUSTOMERS) });
      const sink = await connectKafkaSink(settings, topic);
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const summary = await simulate(options, { sink, reference, signal: abort.signal, generateInWorker: true, progress: (line) => console.error(line) });
        console.log(flags.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
        if (live && summary.lastEventTs !== null && summary.lastEventTs > Date.now() + 3_600_000) {
          console.error(`note: event time ran ${((summary.lastEventTs - Date.now()) / 3_600_000).toFixed(1)} h ahead of the wall clock: ${customers} customers cannot absorb this rate (each orders at most every 15 minutes); raise --customers or lower --event-rate`);
        }
        if (customers > settings.CUSTOMERS) console.error(`note: --customers ${customers} exceeds CUSTOMERS=${settings.CUSTOMERS}; customers above it get empty demographics in the pipeline`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await sink.close();
      }
    });
}
