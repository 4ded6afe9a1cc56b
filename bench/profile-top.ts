// Prints the functions with the most self time in V8 CPU profiles, e.g. those written by
// `npm run bench -- --only pipeline --profile bench/results/profiles` (one per process and thread).
//
//   npx tsx bench/profile-top.ts bench/results/profiles/CPU.*.cpuprofile [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { selfTimes, type CpuProfile } from './lib/cpu-profile.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(`\n${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled`);
  for (const row of selfTimes(profile, Number(values.top))) console.log(`${String(row.selfMs).padStart(8)} ms ${row.pct.toFixed(1).padStart(5)} %  ${row.fn}`);
}
