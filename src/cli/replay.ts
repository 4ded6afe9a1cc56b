// `orders replay`: runs failed batches again from their raw objects (a reset of each run), and says
// which later batches of the partition were waiting on them.
import type { Command } from 'commander';
import { config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { BatchRuns } from '../temporal/batch-runs.ts';
import { withTemporal } from '../temporal/client.ts';
import { parseDuration } from './format.ts';

interface ReplayOptions {
  failed?: boolean;
  since?: string;
  wait?: boolean;
  json?: boolean;
}

interface Replayed {
  workflowId: string;
  replayed: boolean;
  status: string;
  runId: string;
  waiting: string[];
  outcome?: string;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('run failed batches again from their raw objects; running and completed ones are left alone')
    .argument('[workflowIds...]', 'batch runs to replay, e.g. orders-3-1200')
    .option('--failed', 'replay every failed batch of the topic')
    .option('--since <duration>', 'with --failed: only batches started within this long, e.g. 2h')
    .option('--wait', 'wait until the replayed runs finish; exit 1 if one fails again')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  orders replay orders-3-1200\n  orders replay --failed --since 24h --wait')
    .action(async (ids: string[], options: ReplayOptions) => {
      if (ids.length > 0 === Boolean(options.failed)) throw new UsageError('name the batches to replay, or pass --failed (not both)');
      if (options.since && !options.failed) throw new UsageError('--since goes with --failed');
      const since = options.since ? new Date(Date.now() - parseDuration(options.since)) : undefined;
      const cfg = config();
      const results = await withTemporal(cfg, async (client) => {
        const runs = new BatchRuns(client, cfg);
        const targets = options.failed ? await runs.list({ state: 'failed', since }) : await Promise.all(ids.map((id) => runs.show(id).catch(() => { throw new UsageError(`no batch run ${id}`); })));
        const out: Replayed[] = [];
        for (const target of targets) {
          const waiting = target.partition === undefined || target.endOffset === undefined ? [] : await runs.waitingAfter(target.partition, target.endOffset);
          out.push({ workflowId: target.workflowId, ...(await runs.replay(target.workflowId)), waiting: waiting.map((w) => w.workflowId) });
        }
        if (options.wait) {
          for (const result of out.filter((r) => r.replayed)) {
            result.outcome = await client.workflow.getHandle(result.workflowId).result().then(() => 'COMPLETED', () => 'FAILED');
          }
        }
        return out;
      });
      if (options.json) console.log(JSON.stringify(results, null, 2));
      else if (results.length === 0) console.log('no failed batches to replay');
      else for (const r of results) console.log(describe(r));
      if (results.some((r) => r.outcome === 'FAILED')) process.exitCode = 1;
    });
}

function describe(r: Replayed): string {
  const head = r.replayed ? `replayed ${r.workflowId} (new run ${r.runId})` : `left ${r.workflowId} alone: it is ${r.status.toLowerCase()}`;
  const outcome = r.outcome ? `; it ${r.outcome === 'COMPLETED' ? 'completed' : 'failed again'}` : '';
  const waiting = r.waiting.length > 0 ? `\n  ${r.waiting.length} later batch(es) of the partition were waiting on it: ${r.waiting.join(', ')}` : '';
  return `${head}${outcome}${waiting}`;
}
