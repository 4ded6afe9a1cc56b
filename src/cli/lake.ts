// `orders lake optimize|vacuum|maintain`: runs the lake maintenance of the topic's Delta tables now
// (the same workflow the `lake-maintenance-<topic>` schedule runs) and prints what it did.
import type { Command } from 'commander';
import { config } from '../config.ts';
import { withTemporal } from '../temporal/client.ts';
import { runLakeMaintenanceNow } from '../temporal/lake-maintenance.ts';
import type { LakeMaintenanceOperation, LakeMaintenanceResult } from '../contract/lake-maintenance.ts';

const OPERATIONS: Record<string, LakeMaintenanceOperation[]> = { optimize: ['optimize'], vacuum: ['vacuum'], maintain: ['optimize', 'vacuum'] };

function render(workflowId: string, result: LakeMaintenanceResult): string {
  const lines = [`${workflowId}:`];
  if (result.optimized) {
    if (result.optimized.tables.length === 0) lines.push('  OPTIMIZE: nothing to compact');
    for (const t of result.optimized.tables) lines.push(`  OPTIMIZE ${t.table}: ${t.removed} files → ${t.added} (version ${t.version})`);
  }
  if (result.vacuumed) {
    if (result.vacuumed.tables.length === 0) lines.push('  VACUUM: nothing to delete');
    for (const t of result.vacuumed.tables) lines.push(`  VACUUM ${t.table}: ${t.files} removed files, ${t.logFiles} log files deleted`);
    const expired = result.vacuumed.alertMarkers;
    if (expired) {
      lines.push(`  VACUUM alerts/sent: ${expired.markers} sent-markers deleted in ${expired.days.length} day folders past ${expired.retentionDays} days${expired.days.length > 0 ? ` (${expired.days[0]} to ${expired.days.at(-1)})` : ''}`);
    }
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  const lake = program.command('lake').description('maintenance of the lake\'s Delta tables (OPTIMIZE, VACUUM), run now');
  for (const [verb, description] of [
    ['optimize', 'compact the small files of each date partition into one (one commit per table, through the committer)'],
    ['vacuum', 'delete data files removed longer than DELTA_VACUUM_RETENTION ago, old log files, and sent-markers past their retention'],
    ['maintain', 'optimize, then vacuum (what the lake-maintenance schedule runs)'],
  ] as const) {
    lake
      .command(verb)
      .description(description)
      .option('--json', 'print the result as JSON')
      .action(async (options: { json?: boolean }) => {
        const cfg = config();
        const { workflowId, result } = await withTemporal(cfg, (client) => runLakeMaintenanceNow(client, cfg, OPERATIONS[verb]!));
        console.log(options.json ? JSON.stringify({ workflowId, ...result }, null, 2) : render(workflowId, result));
      });
  }
}
