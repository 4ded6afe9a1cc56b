// The worker's V8 heap cap (WORKER_HEAP_MB). Under a steady stream of batches the worker allocates
// fast and keeps little: a heap snapshot holds under 200 MB live, yet V8 lets the heap grow towards
// its own default limit (about 4 GB per isolate on a 24 GiB host) before collecting hard, and the
// SDK's workflow thread is a second isolate with the same limit. So RSS grows for an hour at full
// speed without any leak (docs/benchmarks.md, worker memory). A cap makes V8 collect sooner; the
// soak measures what that costs in GC time. The limit is a V8 flag, fixed when the process starts:
// whoever starts a worker (bin/orders.js, `orders start`, the tests' process helper) asks this file
// for the flag. V8 applies it to every isolate of the process, so the workflow thread gets it too.
import v8 from 'node:v8';
import { SETTINGS } from '../config.ts';

const FLAG = '--max-old-space-size';

/** The cap in MiB from the environment (the setting's default if unset); undefined if the value is not a whole number, which the worker's config check then reports by name. */
export function workerHeapMb(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.WORKER_HEAP_MB ?? SETTINGS.WORKER_HEAP_MB[1];
  return /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;
}

/**
 * Node flags that start a worker with its heap cap, or none when the cap is already given
 * (in `execArgv` or NODE_OPTIONS: an operator's own flag wins) or the setting is invalid.
 */
export function workerHeapArgs(env: NodeJS.ProcessEnv, execArgv: readonly string[] = []): string[] {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.startsWith(FLAG) || arg.startsWith('--max_old_space_size'));
  const mb = workerHeapMb(env);
  return given || mb === undefined ? [] : [`${FLAG}=${mb}`];
}

/** The running process's heap limit in MiB as V8 reports it (the old generation's cap plus the young generation's). */
export function heapLimitMb(): number {
  return Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
}
