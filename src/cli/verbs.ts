// The list of CLI verbs. One line per module; each module exports `register(program)`.
// Modules are imported lazily: `orders batches list` loads the Temporal client only, not the
// worker, Kafka, S3 or the stack installers (hundreds of milliseconds on every call otherwise).
import type { Command } from 'commander';

interface VerbModule {
  register(program: Command): void;
}

/** In the order `orders --help` lists them. */
const VERBS: [name: string, load: () => Promise<VerbModule>][] = [
  ['start', () => import('./start.ts')],
  ['stack', () => import('./stack.ts')],
  ['worker', () => import('./worker.ts')],
  ['bridge', () => import('./bridge.ts')],
  ['simulate', () => import('./simulate.ts')],
  ['dashboard', () => import('./dashboard.ts')],
  ['batches', () => import('./batches.ts')],
  ['replay', () => import('./replay.ts')],
  ['backfill', () => import('./backfill.ts')],
  ['dlq', () => import('./dlq.ts')],
  ['report', () => import('./report.ts')],
  ['lake', () => import('./lake.ts')],
];

/**
 * Registers the verb the command line names, or every verb when it names none or an unknown one
 * (`orders --help`, `orders help`, a typo: those need the whole list).
 */
export async function registerVerbs(program: Command, args: string[] = process.argv.slice(2)): Promise<void> {
  const named = args.find((arg) => !arg.startsWith('-'));
  const chosen = VERBS.filter(([name]) => name === named);
  const modules = await Promise.all((chosen.length > 0 ? chosen : VERBS).map(([, load]) => load()));
  for (const module of modules) module.register(program);
}
