// `orders report`: the gold figures of the lake in a few tables (or JSON), read with the
// dashboard's gold reader.
import type { Command } from 'commander';
import { config } from '../config.ts';
import { GoldReader } from '../dashboard/gold-reader.ts';
import { readParquet } from '../lake/parquet.ts';
import { openLake } from '../lake/store.ts';
import { buildReport } from '../report/build.ts';
import { renderReport } from '../report/render.ts';
import { parseDuration, terminalSafe } from './format.ts';

export function register(program: Command): void {
  program
    .command('report')
    .description('orders, revenue, top categories and customers, fraud alerts and data quality, from gold')
    .option('--since <duration>', 'only what happened within this long, e.g. 30m, 2h, 7d (by order time)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  orders report --since 24h')
    .action(async (options: { since?: string; json?: boolean }) => {
      const sinceMs = options.since === undefined ? undefined : Date.now() - parseDuration(options.since);
      const cfg = config();
      const reader = new GoldReader({ lake: openLake(cfg), parse: readParquet, temporalUiUrl: cfg.TEMPORAL_UI_URL, namespace: cfg.TEMPORAL_NAMESPACE, sinceMs });
      // One refresh reads a bounded number of objects per table; a large lake takes several.
      do await reader.refresh();
      while (reader.backlog);
      const report = buildReport(reader, sinceMs);
      console.log(options.json ? JSON.stringify(report, null, 2) : terminalSafe(renderReport(report)));
    });
}
