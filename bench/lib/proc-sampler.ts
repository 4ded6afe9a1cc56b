// Samples CPU time and RSS of named processes (each with its descendants: a service may run as a
// wrapper and a child) and of the whole machine from /proc, once a second, so that the figures of
// a measured window can be read afterwards. Linux only.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { descendantsOf, parseMachineCpu, parseProcStat, parseRssBytes } from './proc.ts';

interface Sample {
  atMs: number;
  /** name → summed CPU ticks and RSS of the process tree; absent when it was not running. */
  processes: Map<string, { cpuTicks: number; rssBytes: number }>;
  machine: { busy: number; total: number };
}

export interface ProcessFigures {
  /** Mean CPU over the window, in % of one core (200 % = both cores of a 2-core machine). */
  cpuPct: number;
  rssMeanMiB: number;
  rssMaxMiB: number;
}

export interface WindowFigures {
  processes: Record<string, ProcessFigures>;
  /** Busy share of all cores over the window, %. */
  machineBusyPct: number;
}

const clockTicksPerSec = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
};

function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = readText(`/proc/${entry}/stat`);
    if (text) parents.set(Number(entry), parseProcStat(text).ppid);
  }
  return parents;
}

export class ProcSampler {
  private readonly samples: Sample[] = [];
  private readonly roots = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 1000) {}

  /** Follows this process (and its children) under `name` from the next sample on. */
  watch(name: string, pid: number): void {
    this.roots.set(name, pid);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const parents = parentMap();
    const processes = new Map<string, { cpuTicks: number; rssBytes: number }>();
    for (const [name, root] of this.roots) {
      if (!parents.has(root)) continue;
      let cpuTicks = 0;
      let rssBytes = 0;
      for (const pid of descendantsOf(root, parents)) {
        const stat = readText(`/proc/${pid}/stat`);
        const status = readText(`/proc/${pid}/status`);
        if (stat) cpuTicks += parseProcStat(stat).cpuTicks;
        if (status) rssBytes += parseRssBytes(status);
      }
      processes.set(name, { cpuTicks, rssBytes });
    }
    this.samples.push({ atMs: Date.now(), processes, machine: parseMachineCpu(readFileSync('/proc/stat', 'utf8')) });
  }

  /** CPU and RSS per process between two moments (the samples nearest inside the window). */
  figures(fromMs: number, toMs: number): WindowFigures {
    const inside = this.samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
    const processes: Record<string, ProcessFigures> = {};
    if (inside.length < 2) return { processes, machineBusyPct: 0 };
    const first = inside[0]!;
    const last = inside.at(-1)!;
    const seconds = (last.atMs - first.atMs) / 1000;
    for (const name of this.roots.keys()) {
      const series = inside.map((s) => s.processes.get(name)).filter((p) => p !== undefined);
      if (series.length < 2) continue;
      const ticks = series.at(-1)!.cpuTicks - series[0]!.cpuTicks;
      const rss = series.map((p) => p.rssBytes / 2 ** 20);
      processes[name] = {
        cpuPct: Math.round((ticks / clockTicksPerSec / seconds) * 1000) / 10,
        rssMeanMiB: Math.round(rss.reduce((a, b) => a + b, 0) / rss.length),
        rssMaxMiB: Math.round(Math.max(...rss)),
      };
    }
    const busy = last.machine.busy - first.machine.busy;
    const total = last.machine.total - first.machine.total;
    return { processes, machineBusyPct: total > 0 ? Math.round((busy / total) * 1000) / 10 : 0 };
  }
}
