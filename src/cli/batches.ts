// `orders batches list|show`: batch runs as Temporal records them, with links to the Web UI.
import type { Command } from 'commander';
import { config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { BatchRuns, type BatchFilter, type BatchRun } from '../temporal/batch-runs.ts';
import { withTemporal } from '../temporal/client.ts';
import { runningStages } from './batch-stage.ts';
import { formatTable, parseCount, parseDuration } from './format.ts';

interface ListOptions {
  failed?: boolean;
  running?: boolean;
  blocked?: boolean;
  since?: string;
  partition?: string;
  limit: string;
  json?: boolean;
}

export function register(program: Command): void {
  const batches = program.command('batches').description('list and inspect batch runs (one Temporal workflow per batch)');

  batches
    .command('list')
    .description('batch runs of the topic, by partition and offset')
    .option('--failed', 'only runs that failed, timed out or were terminated')
    .option('--running', 'only running runs')
    .option('--blocked', 'only running runs waiting for a predecessor that has not completed')
    .option('--since <duration>', 'only runs started within this long, e.g. 30m, 2h, 7d')
    .option('--partition <n>', 'only this partition')
    .option('--limit <n>', 'at most this many runs', '500')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  orders batches list --failed --since 24h')
    .action(async (options: ListOptions) => {
      const filter = listFilter(options);
      const cfg = config();
      const limit = parseCount(options.limit, '--limit');
      const { runs, stages } = await withTemporal(cfg, async (client) => {
        const runs = await new BatchRuns(client, cfg).list(filter, limit);
        // Counts exist only once a batch is done: for a running one, say what it is doing instead.
        return { runs, stages: await runningStages(client, cfg.KAFKA_TOPIC, runs) };
      });
      if (options.json) return console.log(JSON.stringify(runs.map((run) => ({ ...run, stage: stages.get(run.workflowId) })), null, 2));
      if (runs.length === 0) return console.log('no batch runs match');
      console.log(formatTable(['workflow id', 'status', 'partition', 'offsets', 'orders', 'fraud', 'dq', 'started', 'now'], runs.map((run) => row(run, stages.get(run.workflowId)))));
    });

  batches
    .command('show')
    .description('one batch run: range, counts, lake keys, state, failure and a Web UI link')
    .argument('<workflowId>', 'e.g. orders-3-1200')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  orders batches show orders-3-1200')
    .action(async (workflowId: string, options: { json?: boolean }) => {
      const cfg = config();
      const run = await withTemporal(cfg, (client) => new BatchRuns(client, cfg).show(workflowId)).catch((error: unknown) => {
        if (error instanceof Error && error.name === 'WorkflowNotFoundError') throw new UsageError(`no batch run ${workflowId}`);
        throw error;
      });
      if (options.json) return console.log(JSON.stringify(run, null, 2));
      const lines: [string, unknown][] = [
        ['workflow id', run.workflowId],
        ['status', run.status],
        ['summary', run.summary],
        ['partition', run.partition],
        ['offsets', `${run.startOffset}..${run.endOffset} (${run.recordCount ?? '?'} records)`],
        ['batch date', run.batchDate],
        ['orders', run.orderCount],
        ['fraud alerts', run.fraudCount],
        ['quality breaches', run.dqIssueCount],
        // A batch hands its mails to its own workflow (docs/design.md §2); runs from before sent them.
        ['alerts', run.result?.alertsWorkflowId ? `handed to ${run.result.alertsWorkflowId}` : run.result?.alertsSent !== undefined ? `${run.result.alertsSent} mails sent` : undefined],
        ['blocked by', run.blockedBy],
        ['started', run.startTime],
        ['closed', run.closeTime],
        ['failure', run.failure],
        ['raw object', run.rawKey],
        ['web UI', run.url],
      ];
      for (const [label, value] of lines) if (value !== undefined) console.log(`${label.padEnd(17)} ${String(value)}`);
      if (run.lakeKeys.length > 0) console.log(`lake keys\n${run.lakeKeys.map((k) => `  ${k}`).join('\n')}`);
    });
}

function listFilter(options: ListOptions): BatchFilter {
  const states = (['failed', 'running', 'blocked'] as const).filter((s) => options[s]);
  if (states.length > 1) throw new UsageError('choose one of --failed, --running, --blocked');
  return {
    state: states[0],
    since: options.since ? new Date(Date.now() - parseDuration(options.since)) : undefined,
    partition: options.partition === undefined ? undefined : parseCount(options.partition, '--partition'),
  };
}

/** Counts of a run that has not finished are not known yet: a dash, and the `now` column says why. */
function row(run: BatchRun, stage: string | undefined): (string | number)[] {
  const count = (n: number | undefined): string | number => n ?? (run.status === 'RUNNING' ? '–' : '');
  return [run.workflowId, run.status, run.partition ?? '', `${run.startOffset ?? '?'}..${run.endOffset ?? '?'}`, count(run.orderCount), count(run.fraudCount), count(run.dqIssueCount), run.startTime.slice(0, 19).replace('T', ' '), stage ?? (run.blockedBy ? `blocked by ${run.blockedBy}` : '')];
}
