// Self time per function of a V8 .cpuprofile (node --cpu-prof), heaviest first: what
// `npx tsx bench/profile-top.ts <file>` prints. Pure, so it is unit-tested.

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  /** `name (file:line)`, with the path shortened to what follows node_modules/ or the project root. */
  fn: string;
  selfMs: number;
  /** Share of all sampled time, %. */
  pct: number;
}

const shortUrl = (url: string): string => {
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) return url.slice(at + 'node_modules/'.length);
  const src = url.search(/\/(src|bench|test)\//);
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
};

/** Self time per function, summed over every node of that function, heaviest first. */
export function selfTimes(profile: CpuProfile, top = 25): SelfTime[] {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Each sample's time is the delta to the next one (V8 records the delta before a sample).
  for (let i = 0; i < samples.length; i++) {
    const ms = (deltas[i + 1] ?? 0) / 1000;
    byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + ms);
  }
  const byFn = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const ms = byNode.get(node.id) ?? 0;
    total += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'}${url ? ` (${shortUrl(url)}:${lineNumber + 1})` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
  }
  return [...byFn]
    .map(([fn, selfMs]) => ({ fn, selfMs: Math.round(selfMs), pct: total > 0 ? Math.round((selfMs / total) * 1000) / 10 : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
}
