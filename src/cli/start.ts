// `orders start` (`npm start`): the whole pipeline on one machine. Brings the stack up, runs worker,
// bridge, dashboard and a simulator at a moderate rate as child processes, prints the URLs, and on
// Ctrl-C stops everything it started (the stack too, if it started it).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { stackDown, stackUp } from '../stack/index.ts';
import { startSettingsFor } from '../workers/heap-cap.ts';
import { catchStopSignals, serveUntilStopped } from './lifecycle.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * Customers the demo needs for its rate: a simulated customer orders at most every 15 minutes (more
 * would trip the velocity rule), so about a thousand customers carry one order per second. Fewer,
 * and the simulator's event clock runs ahead of the wall clock, and every batch breaches the
 * "future" quality check: one alert mail a batch.
 */
export const customersForRate = (rate: number, configured: number): number => Math.max(configured, Math.ceil(rate * 1000));

/** How long a child gets to stop after SIGTERM before it is killed (the worker drains up to 10 s). */
const CHILD_STOP_MS = 30_000;

/** SIGTERM once, then SIGKILL if it has not exited in time: no child outlives `orders start`. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function register(program: Command): void {
  program
    .command('start')
    .description('run everything: stack, worker, bridge, dashboard and a simulator; Ctrl-C stops it all')
    .option('--rate <n>', 'simulated orders per second (the demo sizes CUSTOMERS to about 1,000 per order/s)', '5')
    .action(async (options: { rate: string }) => {
      const rate = Number(options.rate);
      if (!(rate > 0 && rate <= 1000)) throw new UsageError(`--rate: expected orders per second in (0, 1000], got "${options.rate}"`);
      // A Ctrl-C while the stack comes up exits at once (no child runs yet).
      catchStopSignals();
      const cfg = config();
      // Every child sees the same customer dimension, the simulator's and the pipeline's.
      const env = { ...process.env, CUSTOMERS: String(customersForRate(rate, cfg.CUSTOMERS)) };
      const started = await stackUp(cfg, { log: (line: string) => console.log(line) });
      // Each child in a process group of its own (detached): Ctrl-C in the terminal reaches only
      // this process, which then sends each child one SIGTERM. Otherwise every child got the
      // terminal's SIGINT and our SIGTERM too, two stops racing in one process.
      // Worker and bridge get their V8 flags and MALLOC_ARENA_MAX, as `orders worker` and `orders bridge` would.
      const run = (args: string[]): ChildProcess => {
        const start = startSettingsFor(args[0], env);
        return spawn(process.execPath, [...start.flags, '--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, ...start.env }, detached: true });
      };
      const children = new Map<string, ChildProcess>([
        ['worker', run(['worker'])],
        ['bridge', run(['bridge'])],
        ['dashboard', run(['dashboard'])],
        ['simulator', run(['simulate', '--rate', String(rate), '--duration', '86400', '--start', 'now'])],
      ]);
      let stopping = false;
      for (const [name, child] of children) {
        child.once('exit', (code, signal) => {
          if (!stopping) console.error(`orders start: the ${name} exited by itself (${signal ?? `status ${code}`}); the others go on, Ctrl-C stops them`);
        });
      }
      console.log(`
streaming-orders is running
  Temporal Web UI  ${cfg.TEMPORAL_UI_URL}
  dashboard        ${cfg.DASHBOARD_URL}
  mail catcher     ${cfg.MAILDEV_URL}
  metrics          http://127.0.0.1:${cfg.BRIDGE_METRICS_PORT}/metrics (bridge), http://127.0.0.1:${cfg.WORKER_METRICS_PORT}/metrics (worker)
Ctrl-C stops everything.`);
      await serveUntilStopped({
        say: (message) => console.error(`orders start: ${message}`),
        async stop() {
          stopping = true;
          await Promise.all([...children.values()].map(stopChild));
          if (started.length > 0) await stackDown(cfg, { only: started });
        },
      });
    });
}
