// The pipeline figures of a bench result as the Markdown table docs/benchmarks.md shows
// (`npx tsx bench/report.ts [bench/results/latest.json]`). Pure: unit-tested.
import type { PipelineBenchResult } from '../pipeline.ts';

export interface ReportInput {
  date: string;
  machine: { cpus: number; cpuModel?: string; memoryGiB: number; node: string; loadAverageAtStart: number[] };
  pipeline: PipelineBenchResult | null;
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
  return lines.join('\n') + '\n';
}
