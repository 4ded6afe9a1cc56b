// `orders start` (`npm start`): the whole pipeline on one machine. Brings the stack up, runs worker,
// bridge, dashboard and a simulator at a moderate rate as child processes, prints the URLs, and on
// Ctrl-C stops everything it started (the stack too, if it started it).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { stackDown, stackUp } from '../stack/index.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * Customers the demo needs for its rate: a simulated customer orders at most every 15 minutes (more
 * would trip the velocity rule), so about a thousand customers carry one order per second. Fewer,
 * and the simulator's event clock runs ahead of the wall clock, and every batch breaches the
 * "future" quality check: one alert mail a batch.
 */
export const customersForRate = (rate: number, configured: number): number => Math.max(configured, Math.ceil(rate * 1000));

export function register(program: Command): void {
  program
    .command('start')
    .description('run everything: stack, worker, bridge, dashboard and a simulator; Ctrl-C stops it all')
    .option('--rate <n>', 'simulated orders per second (the demo sizes CUSTOMERS to about 1,000 per order/s)', '5')
    .action(async (options: { rate: string }) => {
      const rate = Number(options.rate);
      if (!(rate > 0 && rate <= 1000)) throw new UsageError(`--rate: expected orders per second in (0, 1000], got "${options.rate}"`);
      const cfg = config();
      // Every child sees the same customer dimension, the simulator's and the pipeline's.
      const env = { ...process.env, CUSTOMERS: String(customersForRate(rate, cfg.CUSTOMERS)) };
      const started = await stackUp(cfg, { log: (line: string) => console.log(line) });
      const run = (args: string[]): ChildProcess => spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env });
      const children = [
        run(['worker']),
        run(['bridge']),
        run(['dashboard']),
        run(['simulate', '--rate', String(rate), '--duration', '86400', '--start', 'now']),
      ];
      console.log(`
streaming-orders is running
  Temporal Web UI  ${cfg.TEMPORAL_UI_URL}
  dashboard        ${cfg.DASHBOARD_URL}
  mail catcher     ${cfg.MAILDEV_URL}
  metrics          http://127.0.0.1:${cfg.BRIDGE_METRICS_PORT}/metrics (bridge), http://127.0.0.1:${cfg.WORKER_METRICS_PORT}/metrics (worker)
Ctrl-C stops everything.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))))));
      if (started.length > 0) await stackDown(cfg, { only: started });
    });
}
