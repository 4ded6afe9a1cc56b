// `orders dashboard`: serves the live analytics page until SIGINT/SIGTERM (src/cli/lifecycle.ts).
import type { Command } from 'commander';
import { config } from '../config.ts';
import { startDashboard } from '../dashboard/index.ts';
import { UsageError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { serveUntilStopped } from './lifecycle.ts';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number 0..65535 (got ${JSON.stringify(value)})`);
  return port;
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('serve the live analytics dashboard (gold tables, fraud alerts, pipeline health)')
    .option('--port <n>', 'port to listen on (default: DASHBOARD_PORT)', parsePort)
    .option('--host <address>', 'address to bind; anything but loopback exposes order data to the network', '127.0.0.1')
    .action(async (options: { port?: number; host: string }) => {
      const cfg = config();
      const log = createLogger('dashboard', cfg.LOG_LEVEL);
      const dashboard = await startDashboard(cfg, { host: options.host, port: options.port ?? cfg.DASHBOARD_PORT, log });
      console.log(`dashboard: ${dashboard.url}`);
      await serveUntilStopped({ say: (message) => log.info(message), warn: (message) => log.warn(message), stop: () => dashboard.close() });
    });
}
