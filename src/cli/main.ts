// The `orders` command. Each verb lives in its own module and registers itself here.
// Wrong input prints usage and exits 2; a bad setting names the variable; no stack traces.
import { Command, CommanderError } from 'commander';
import { ConfigError, UsageError } from '../errors.ts';
import { registerVerbs } from './verbs.ts';

// kafkajs's retry timers trip Node 24's TimeoutNegativeWarning; it is harmless, so keep it out of logs.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning);
});

// Help after an error is the erring command's own help (its usage line first), not the program's.
const program = new Command('orders')
  .description('Real-time order pipeline on Kafka, Temporal and a Parquet lake')
  .exitOverride()
  .showHelpAfterError(true);

await registerVerbs(program);

// The command whose action runs, so that a usage error found in the action shows that command's usage.
let running: Command = program;
program.hook('preAction', (_program, actionCommand) => {
  running = actionCommand;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof ConfigError) {
    console.error(`orders: bad setting ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof UsageError) {
    console.error(`orders: ${error.message}\n`);
    running.outputHelp({ error: true });
    process.exitCode = 2;
  } else {
    console.error(`orders: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
