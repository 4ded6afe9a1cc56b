// `orders bridge`: consumes the orders topic and starts one workflow per batch until SIGINT/SIGTERM
// (src/cli/lifecycle.ts).
import type { Command } from 'commander';
import { startBridgeProcess } from '../bridge/run.ts';
import { config } from '../config.ts';
import { createLogger } from '../logger.ts';
import { serveUntilStopped } from './lifecycle.ts';

export function register(program: Command): void {
  program
    .command('bridge')
    .description('consume Kafka and start one batch workflow per partition slice')
    .action(async () => {
      const cfg = config();
      const log = createLogger('bridge', cfg.LOG_LEVEL);
      const running = await startBridgeProcess(cfg);
      await serveUntilStopped({
        done: running.stopped,
        say: (message) => log.info(message),
        warn: (message) => log.warn(message),
        stop: () => running.stop(),
      });
    });
}
