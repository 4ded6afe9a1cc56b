// Pure parsers of Linux /proc files, for per-process CPU and memory figures (proc(5)).

export interface ProcStat {
  pid: number;
  ppid: number;
  /** user + system CPU time, in clock ticks (sysconf(_SC_CLK_TCK), usually 100 per second). */
  cpuTicks: number;
}

/** Parses /proc/<pid>/stat. The command name may hold spaces and parentheses: fields follow the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  // After ')': field 3 (state) is index 0, so field N is index N - 3.
  const fields = text.slice(close + 2).trim().split(' ');
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (![pid, ppid, utime, stime].every(Number.isFinite)) throw new Error(`unexpected /proc/<pid>/stat fields: ${text.slice(0, 80)}`);
  return { pid, ppid, cpuTicks: utime + stime };
}

/** Resident set size in bytes from /proc/<pid>/status (VmRSS); 0 when absent (a zombie). */
export function parseRssBytes(statusText: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Busy and total jiffies of the whole machine from the first line of /proc/stat. */
export function parseMachineCpu(statText: string): { busy: number; total: number } {
  const line = statText.split('\n', 1)[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Every pid below `root` (and root itself) in a pid → ppid map. */
export function descendantsOf(root: number, parents: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
