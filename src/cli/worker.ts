// `orders worker`: runs the Temporal worker until SIGINT/SIGTERM (src/cli/lifecycle.ts).
import type { Command } from 'commander';
import { config } from '../config.ts';
import { createLogger } from '../logger.ts';
import { serveMetrics } from '../metrics.ts';
import { heapLimitMb, workerHeapArgs } from '../workers/heap-cap.ts';
import { startWorker } from '../workers/worker.ts';
import { catchStopSignals, serveUntilStopped } from './lifecycle.ts';

export function register(program: Command): void {
  program
    .command('worker')
    .description('run a Temporal worker for the batch workflows and all activities')
    .action(async () => {
      catchStopSignals();
      const cfg = config();
      const log = createLogger('worker', cfg.LOG_LEVEL);
      const closeMetrics = await serveMetrics(cfg.WORKER_METRICS_PORT, 'worker');
      const heapMb = heapLimitMb();
      // Started some other way than `orders worker` (plain node, a process manager): say the cap is not in force.
      if (workerHeapArgs(process.env, process.execArgv).length > 0) {
        log.warn({ heapLimitMb: heapMb, WORKER_HEAP_MB: cfg.WORKER_HEAP_MB }, 'WORKER_HEAP_MB is not in force: start the worker with `orders worker`, or give node --max-old-space-size');
      }
      const running = await startWorker(cfg, log);
      log.info({ taskQueue: cfg.TEMPORAL_TASK_QUEUE, heapLimitMb: heapMb, metrics: `http://127.0.0.1:${cfg.WORKER_METRICS_PORT}/metrics` }, 'worker running');
      await serveUntilStopped({
        done: running.done,
        say: (message) => log.info(message),
        warn: (message) => log.warn(message),
        async stop() {
          await running.stop();
          await closeMetrics();
        },
      });
      // The worker ended without being asked to (its run() resolved): close what is left.
      await closeMetrics();
    });
}
