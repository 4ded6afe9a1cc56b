// `orders stack up|down|status` (placeholder until the stack module lands).
import type { Command } from 'commander';

export function register(program: Command): void {
  const stack = program.command('stack').description('the local stack: Temporal, Kafka, S3, SMTP catcher');
  stack.command('status').description('print each service, its URL and health').action(() => {
    console.log('not yet implemented');
  });
}
