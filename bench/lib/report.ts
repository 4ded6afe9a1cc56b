// The pipeline figures of a bench result as the Markdown table docs/benchmarks.md shows
// (`npx tsx bench/report.ts [bench/results/latest.json]`). Pure: unit-tested.
import type { KafkaClientBenchResult } from '../kafka-client.ts';
import type { PipelineBenchResult } from '../pipeline.ts';

export interface ReportInput {
  date: string;
  machine: { cpus: number; cpuModel?: string; memoryGiB: number; node: string; loadAverageAtStart: number[] };
  pipeline: PipelineBenchResult | null;
  kafkaClient?: KafkaClientBenchResult | null;
  loadAverageAtEnd: number[];
}

const n = (value: number | null | undefined): string => (value == null ? '–' : Math.round(value).toLocaleString('en-US'));
const load = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(' / ');

export function pipelineTable(result: ReportInput): string {
  const p = result.pipeline;
  if (!p) return 'No pipeline figures in this result.\n';
  const lines = [
    `Run ${result.date.slice(0, 16).replace('T', ' ')} UTC, ${result.machine.cpus} cores${result.machine.cpuModel ? ` (${result.machine.cpuModel.trim()})` : ''}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}; ` +
      `load average (1/5/15 min) at start ${load(result.machine.loadAverageAtStart)}, at end ${load(result.loadAverageAtEnd)}. ` +
      `${n(p.preload.orders)} orders pre-loaded; warm-up ${p.settings.warmupSec} s, window ${p.settings.measureSec} s` +
      (Object.keys(p.settings.pipelineEnv).length > 0 ? `; pipeline settings ${Object.entries(p.settings.pipelineEnv).map(([k, v]) => `${k}=${v}`).join(', ')}` : '') +
      '.',
    '',
    '| figure | baseline (plain consumer) | pipeline | pipeline / baseline |',
    '| --- | ---: | ---: | ---: |',
    `| orders/s into silver (steady window) | ${n(p.baseline?.silver?.ratePerSec)} | ${n(p.pipeline.silver?.ratePerSec)} | ${p.ratioSilver ?? '–'} |`,
    `| orders per core-second (CPU of every process sampled) | ${n(p.baseline?.ordersPerCoreSecond)} | ${n(p.pipeline.ordersPerCoreSecond)} | ${p.ratioPerCore ?? '–'} |`,
    `| orders/s through gold | – | ${n(p.pipeline.gold?.ratePerSec)} | – |`,
    `| window measured, s | ${((p.baseline?.silver?.windowMs ?? 0) / 1000).toFixed(1)} | ${((p.pipeline.silver?.windowMs ?? 0) / 1000).toFixed(1)} | |`,
    `| load average during the run (1 min) | ${p.baseline ? p.baseline.loadAverage[0]!.toFixed(2) : '–'} | ${p.pipeline.loadAverage[0]!.toFixed(2)} | |`,
  ];
  if (p.latency) {
    const l = p.latency;
    lines.push(
      '',
      `Latency at ${n(l.targetRatePerSec)} orders/s (produced ${n(l.producedRatePerSec)}/s, ${n(l.orders)} orders; load ${l.loadAverage[0]!.toFixed(2)}):`,
      '',
      '| from the order\'s Kafka timestamp to | count | p50 ms | p95 ms | p99 ms | max ms |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      `| its silver part stored (S3 LastModified) | ${n(l.toSilver.count)} | ${n(l.toSilver.p50Ms)} | ${n(l.toSilver.p95Ms)} | ${n(l.toSilver.p99Ms)} | ${n(l.toSilver.maxMs)} |`,
      `| its fraud alert accepted by SMTP (sent-marker) | ${n(l.toAlert.count)} | ${n(l.toAlert.p50Ms)} | ${n(l.toAlert.p95Ms)} | ${n(l.toAlert.p99Ms)} | ${n(l.toAlert.maxMs)} |`,
    );
  }
  const phases = [
    ['baseline throughput', p.baseline?.resources],
    ['pipeline throughput', p.pipeline.resources],
    ['latency run', p.latency?.resources],
  ] as const;
  const names = [...new Set(phases.flatMap(([, r]) => Object.keys(r?.processes ?? {})))];
  lines.push('', '| process: CPU % of one core, RSS mean / max MiB | ' + phases.map(([title]) => title).join(' | ') + ' |', '| --- |' + phases.map(() => ' ---: |').join(''));
  for (const name of names) {
    lines.push(
      `| ${name} | ` +
        phases
          .map(([, r]) => {
            const f = r?.processes[name];
            return f ? `${f.cpuPct} % · ${f.rssMeanMiB} / ${f.rssMaxMiB}` : '–';
          })
          .join(' | ') +
        ' |',
    );
  }
  lines.push(`| whole machine busy | ${phases.map(([, r]) => (r ? `${r.machineBusyPct} %` : '–')).join(' | ')} |`);
  if (p.peer) lines.push('', ...peerLines(p));
  return lines.join('\n') + '\n';
}

/** The pipeline beside the Spark peer, same topic and latency feed (docs/benchmarks.md "Spark peer"). */
function peerLines(p: PipelineBenchResult): string[] {
  const s = p.peer!.spark;
  const t = s.throughput;
  const rssMax = (processes: Record<string, { rssMaxMiB: number }> | undefined, names: string[]): string => {
    const values = names.map((name) => processes?.[name]?.rssMaxMiB).filter((v) => v !== undefined);
    return values.length === 0 ? '–' : n(values.reduce((a, b) => a + b, 0));
  };
  const pipelineNames = Object.keys(p.pipeline.resources.processes).filter((name) => name === 'bridge' || name.startsWith('worker'));
  return [
    `Beside the Spark peer (PySpark ${t.version}, \`local[2]\`), on the same ${n(p.preload.orders)}-order topic after the pipeline; silver rows ${n(t.counts.distinctOrders)} of ${n(t.expectedOrders)} distinct valid orders sent (${t.countsMatch ? 'all, once, and gold agrees' : 'MISMATCH'}); pipeline ${n(p.pipeline.silverOrders)} in silver${p.pipeline.drained ? ' (drained)' : ' (window over before the backlog)'}:`,
    '',
    '| figure | pipeline | Spark | pipeline / Spark |',
    '| --- | ---: | ---: | ---: |',
    `| orders/s into silver (steady window) | ${n(p.pipeline.silver?.ratePerSec)} | ${n(t.silver?.ratePerSec)} | ${s.ratioSilver ?? '–'} |`,
    `| orders per core-second | ${n(p.pipeline.ordersPerCoreSecond)} | ${n(t.ordersPerCoreSecond)} | ${s.ratioPerCore ?? '–'} |`,
    `| p99 Kafka timestamp → silver readable, ms, at ${n(p.settings.latencyRate)}/s | ${n(p.latency?.toSilver.p99Ms)} | ${s.latency?.lowerBound ? '≥ ' : ''}${n(s.latency?.toSilver.p99Ms)} | ${s.ratioP99 == null ? '–' : `${s.ratioP99} (Spark / pipeline)`} |`,
    `| p50 of the same, ms | ${n(p.latency?.toSilver.p50Ms)} | ${s.latency?.lowerBound ? '≥ ' : ''}${n(s.latency?.toSilver.p50Ms)} | |`,
    `| RSS max, MiB (pipeline: bridge + workers) | ${rssMax(p.pipeline.resources.processes, pipelineNames)} | ${rssMax(t.resources.processes, ['spark'])} | |`,
    `| start-up to first batch, ms | – | ${n(t.startupMs)} | |`,
    `| load average (1 min) after the throughput run | ${p.pipeline.loadAverage[0]!.toFixed(2)} | ${t.loadAverage[0]!.toFixed(2)} | |`,
  ];
}

/** kafkajs against @platformatic/kafka, per round and as medians (docs/benchmarks.md "Kafka client"). */
export function kafkaClientTable(k: KafkaClientBenchResult): string {
  const lines = [
    `${n(k.records)} simulator messages (${k.meanValueBytes} bytes on average), ${k.partitions} partitions; kafkajs ${k.versions.kafkajs}, @platformatic/kafka ${k.versions.platformatic}; same partitions for the same keys: ${k.samePartitioning ? 'yes' : 'NO'}.`,
    '',
    '| client | round | produce records/s | produce CPU s / 100k | consume records/s | consume CPU s / 100k | load (1 min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...k.rounds.map((r) => `| ${r.client} | ${r.round} | ${n(r.produce.recordsPerSec)} | ${r.produce.cpuSecPer100k} | ${n(r.consume.recordsPerSec)} | ${r.consume.cpuSecPer100k} | ${r.loadAverage.toFixed(2)} |`),
    `| **platformatic / kafkajs** (medians) | | ${k.ratios.produceRate ?? '–'} | ${k.ratios.produceCpu ?? '–'} | ${k.ratios.consumeRate ?? '–'} | ${k.ratios.consumeCpu ?? '–'} | |`,
  ];
  return lines.join('\n') + '\n';
}

/** Every table a result has: the pipeline's (with its peer) and the Kafka clients'. */
export function reportMarkdown(result: ReportInput): string {
  const parts: string[] = [];
  if (result.pipeline) parts.push(pipelineTable(result));
  if (result.kafkaClient) parts.push(kafkaClientTable(result.kafkaClient));
  return parts.length > 0 ? parts.join('\n') : 'No pipeline or Kafka client figures in this result.\n';
}
