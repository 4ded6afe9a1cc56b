// `orders bridge`: consumes the orders topic and starts one workflow per batch until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { startBridgeProcess } from '../bridge/run.ts';
import { config } from '../config.ts';

export function register(program: Command): void {
  program
    .command('bridge')
    .description('consume Kafka and start one batch workflow per partition slice')
    .action(async () => {
      const running = await startBridgeProcess(config());
      const shutdown = (): void => void running.stop();
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      await running.stopped;
    });
}
