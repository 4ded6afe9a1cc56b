// The worker's V8 heap cap (WORKER_HEAP_MB). Under a steady stream of batches the worker allocates
// fast and keeps little: a heap snapshot holds under 200 MB live, yet V8 lets the heap grow towards
// its own default limit (about 4 GB per isolate on a 24 GiB host) before collecting hard, and the
// SDK's workflow thread is a second isolate with the same limit. So RSS grows for an hour at full
// speed without any leak (docs/benchmarks.md, worker memory). A cap makes V8 collect sooner; the
// soak measures what that costs in GC time. The limit is a V8 flag, fixed when the process starts:
// whoever starts a worker (bin/orders.js, `orders start`, the tests' process helper) asks this file
// for the flag. V8 applies it to every isolate of the process, so the workflow thread gets it too.
// The young generation (V8_SEMI_SPACE_MB) is the same kind of flag, for the worker and the bridge:
// V8 sizes it from the host's memory (128 MiB of new space per isolate on a 24 GiB machine), and
// it was the largest single part of both processes' RSS (docs/benchmarks.md, "Worker memory").
import v8 from 'node:v8';
import { SETTINGS } from '../config.ts';

const CAP_FLAG = '--max-old-space-size';
const SEMI_SPACE_FLAG = '--max-semi-space-size';

/** The cap in MiB from the environment (the setting's default if unset); undefined if the value is not a whole number, which the worker's config check then reports by name. */
export function workerHeapMb(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.WORKER_HEAP_MB ?? SETTINGS.WORKER_HEAP_MB[1];
  return /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;
}

/** The young generation's semi-space in MiB (0: V8's own size), undefined if invalid (the config check reports it). */
export function semiSpaceMb(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.V8_SEMI_SPACE_MB ?? SETTINGS.V8_SEMI_SPACE_MB[1];
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Node's own flags or NODE_OPTIONS give `flag` already, in either spelling (dashes or underscores). */
function hasFlag(env: NodeJS.ProcessEnv, execArgv: readonly string[], flag: string): boolean {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const underscored = `--${flag.slice(2).replaceAll('-', '_')}`;
  return given.some((arg) => arg.startsWith(flag) || arg.startsWith(underscored));
}

/** The young generation's flag from V8_SEMI_SPACE_MB, unless given already, the setting is 0 (V8's own size) or invalid. */
function semiSpaceArgs(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string[] {
  const mb = semiSpaceMb(env);
  return hasFlag(env, execArgv, SEMI_SPACE_FLAG) || mb === undefined || mb === 0 ? [] : [`${SEMI_SPACE_FLAG}=${mb}`];
}

/**
 * Node flags that start a worker with its heap cap and young-generation size, leaving out each one
 * already given (in `execArgv` or NODE_OPTIONS: an operator's own flag wins) or whose setting is invalid.
 */
export function workerHeapArgs(env: NodeJS.ProcessEnv, execArgv: readonly string[] = []): string[] {
  const mb = workerHeapMb(env);
  return [...(hasFlag(env, execArgv, CAP_FLAG) || mb === undefined ? [] : [`${CAP_FLAG}=${mb}`]), ...semiSpaceArgs(env, execArgv)];
}

/** Node flags that start a bridge: its young-generation size (its live heap is tens of MB; no cap, since a burst of huge records may need more). */
export function bridgeHeapArgs(env: NodeJS.ProcessEnv, execArgv: readonly string[] = []): string[] {
  return semiSpaceArgs(env, execArgv);
}

/** The V8 flags a long-running verb starts with (`orders worker`, `orders bridge`); none for the others. */
export function heapArgsFor(verb: string | undefined, env: NodeJS.ProcessEnv, execArgv: readonly string[] = []): string[] {
  if (verb === 'worker') return workerHeapArgs(env, execArgv);
  if (verb === 'bridge') return bridgeHeapArgs(env, execArgv);
  return [];
}

/** The running process's heap limit in MiB as V8 reports it (the old generation's cap plus the young generation's). */
export function heapLimitMb(): number {
  return Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
}

/**
 * Environment a worker or bridge starts with: glibc's `MALLOC_ARENA_MAX=2` unless the operator set
 * it. glibc makes up to eight malloc arenas per core for a process with threads (the worker has
 * the SDK's workflow thread, its Rust core's threads and libuv's pool), each keeping freed memory
 * of its own; two took the worker's RSS at full speed from ~480 to 423–436 MiB at the same rate
 * (docs/benchmarks.md, "Worker memory"). glibc reads it once at start, so, like the V8 flags, it
 * is given to the process that is started, not set from inside.
 */
export function memoryEnvFor(verb: string | undefined, env: NodeJS.ProcessEnv): Record<string, string> {
  if (verb !== 'worker' && verb !== 'bridge') return {};
  return env.MALLOC_ARENA_MAX === undefined ? { MALLOC_ARENA_MAX: '2' } : {};
}

/** How a verb's process is started: its V8 flags and the environment added to it (both empty for most verbs). */
export function startSettingsFor(verb: string | undefined, env: NodeJS.ProcessEnv, execArgv: readonly string[] = []): { flags: string[]; env: Record<string, string> } {
  return { flags: heapArgsFor(verb, env, execArgv), env: memoryEnvFor(verb, env) };
}
