// `orders backfill`: re-derives silver and gold for a range of batch dates in a durable parent
// workflow (src/workflows/backfill.ts) and follows its progress. Interrupting the command does not
// stop the backfill; running the same command again follows it, or redoes a finished one.
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { config } from '../config.ts';
import { datesBetween } from '../domain/dates.ts';
import { UsageError } from '../errors.ts';
import { withTemporal } from '../temporal/client.ts';
import { BACKFILL_PROGRESS_QUERY, backfillWorkflowId, type BackfillInput, type BackfillProgress, type BackfillSource } from '../contract/batch.ts';
import { parseCount } from './format.ts';

interface BackfillOptions {
  from: string;
  to: string;
  source: string;
  concurrency: string;
  wait: boolean;
  json?: boolean;
}

const SOURCES: BackfillSource[] = ['raw', 'kafka'];

export function register(program: Command): void {
  program
    .command('backfill')
    .description('re-derive silver and gold for batches that arrived between two dates (UTC), idempotently')
    .requiredOption('--from <date>', 'first batch date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last batch date, YYYY-MM-DD (inclusive)')
    .option('--source <source>', 'read records from the raw zone, or from Kafka again (raw|kafka)', 'raw')
    .option('--concurrency <n>', 'partitions derived at once', '4')
    .option('--no-wait', 'start (or find) the backfill and return')
    .option('--json', 'print the final progress as JSON')
    .addHelpText('after', '\nExample:\n  orders backfill --from 2026-11-01 --to 2026-11-24 --concurrency 6')
    .action(async (options: BackfillOptions) => {
      const cfg = config();
      const input = backfillInput(cfg.KAFKA_TOPIC, options);
      const workflowId = backfillWorkflowId(input.topic, input.from, input.to);
      await withTemporal(cfg, async (client) => {
        const handle = await client.workflow.start('backfillOrders', {
          workflowId,
          taskQueue: cfg.TEMPORAL_TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
        if (!options.json) console.log(`backfill ${workflowId} (run ${handle.firstExecutionRunId}); Ctrl-C leaves it running`);
        if (!options.wait) return;

        const display = progressDisplay(Boolean(options.json));
        // One query at a time, and the last one awaited before the connection closes: a query still
        // retrying on a closed channel throws from a timer and kills the process after the backfill succeeded.
        let inFlight: Promise<void> | undefined;
        const poll = setInterval(() => {
          inFlight ??= handle
            .query<BackfillProgress>(BACKFILL_PROGRESS_QUERY)
            .then(display.update, () => undefined)
            .finally(() => (inFlight = undefined));
        }, 500);
        try {
          await handle.result();
          const final = await handle.query<BackfillProgress>(BACKFILL_PROGRESS_QUERY);
          display.finish(final);
        } catch (error) {
          display.stop();
          const cause = error instanceof WorkflowFailedError && error.cause ? error.cause.message : error instanceof Error ? error.message : String(error);
          console.error(`orders: backfill ${workflowId} failed: ${cause}`);
          process.exitCode = 1;
        } finally {
          clearInterval(poll);
          await inFlight;
        }
      });
    });
}

function backfillInput(topic: string, options: BackfillOptions): BackfillInput {
  let days: string[];
  try {
    days = datesBetween(options.from, options.to);
  } catch (error) {
    throw new UsageError(`--from/--to: ${(error as Error).message}`);
  }
  if (days.length === 0) throw new UsageError(`--to ${options.to} is before --from ${options.from}`);
  if (!SOURCES.includes(options.source as BackfillSource)) throw new UsageError(`--source is raw or kafka, not ${JSON.stringify(options.source)}`);
  const concurrency = parseCount(options.concurrency, '--concurrency');
  if (concurrency < 1) throw new UsageError('--concurrency must be at least 1');
  return { topic, from: options.from, to: options.to, source: options.source as BackfillSource, concurrency };
}

/** A live bar on a terminal; occasional plain lines when the output is a file or a pipe. */
function progressDisplay(json: boolean) {
  const tty = process.stdout.isTTY && !json;
  const bar = tty ? new SingleBar({ format: 'backfill [{bar}] {value}/{total} batches | {orders} orders | {units} | ETA {eta_formatted}', hideCursor: true }) : undefined;
  let started = false;
  let lastLine = '';
  const summary = (p: BackfillProgress): string => `${p.batchesDone}/${p.batchesTotal} batches, ${p.orders} orders, ${p.unitsDone}/${p.unitsTotal} date×partition units${p.failed.length > 0 ? `, ${p.failed.length} failed` : ''}`;
  return {
    update(p: BackfillProgress): void {
      if (bar) {
        if (!started) bar.start(Math.max(1, p.batchesTotal), 0, { orders: 0, units: '' });
        started = true;
        bar.setTotal(Math.max(1, p.batchesTotal));
        bar.update(p.batchesDone, { orders: p.orders, units: `${p.unitsDone}/${p.unitsTotal} units` });
      } else if (!json && summary(p) !== lastLine) {
        lastLine = summary(p);
        console.log(lastLine);
      }
    },
    stop(): void {
      bar?.stop();
    },
    finish(p: BackfillProgress): void {
      this.update(p);
      bar?.stop();
      console.log(json ? JSON.stringify(p, null, 2) : `done: ${summary(p)}`);
    },
  };
}
