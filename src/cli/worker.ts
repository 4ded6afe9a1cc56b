// `orders worker`: runs the Temporal worker until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { config } from '../config.ts';
import { createLogger } from '../logger.ts';
import { serveMetrics } from '../metrics.ts';
import { startWorker } from '../workers/worker.ts';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run a Temporal worker for the batch workflows and all activities')
    .action(async () => {
      const cfg = config();
      const log = createLogger('worker', cfg.LOG_LEVEL);
      const closeMetrics = await serveMetrics(cfg.WORKER_METRICS_PORT, 'worker');
      const running = await startWorker(cfg, log);
      log.info({ taskQueue: cfg.TEMPORAL_TASK_QUEUE, metrics: `http://127.0.0.1:${cfg.WORKER_METRICS_PORT}/metrics` }, 'worker running');
      const shutdown = (): void => void running.stop();
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      await running.done;
      await closeMetrics();
    });
}
