// Maintenance of a topic's Delta tables (docs/design.md §12, "Maintenance"): OPTIMIZE writes
// compacted files and asks the topic's committer to swap them in (the tables' only writer, so a
// batch commit racing the compaction is serialized with it: the committer checks each group
// against the snapshot it commits on), then VACUUM deletes what no snapshot needs after the
// retention, and the sent-markers of days past their retention. All are idempotent: a retry or a second run finds nothing left to do.
//
// Run by a Temporal Schedule (`lake-maintenance-<topic>`, created by the worker) rather than a
// long-running workflow with timers: each run is its own execution with its result in the Web UI,
// the schedule skips a run while the previous one is still going (overlap SKIP), and changing the
// interval or pausing it needs no workflow change. `orders lake …` starts one run now.
import { continueAsNew, log, patched, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { DETERMINISTIC_FAILURE_TYPES } from '../contract/failure-types.ts';
import { nextOptimizeStep, type CompactionPlanned, type LakeMaintenanceInput, type LakeMaintenanceResult, type OptimizeNext } from '../contract/lake-maintenance.ts';
import { commitToDelta } from './delta-committer.ts';

const maintenance = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '60s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: DETERMINISTIC_FAILURE_TYPES },
});

export async function lakeMaintenance(input: LakeMaintenanceInput): Promise<LakeMaintenanceResult> {
  const result: LakeMaintenanceResult = {};
  for (const operation of input.operations) {
    if (operation === 'optimize') {
      // Under the patch OPTIMIZE runs round after round until no table has a group left (one round
      // writes at most 16 groups per table), within a budget; before it, one round per run.
      const untilCaughtUp = patched('optimize-until-caught-up');
      const startedMs = Date.now();
      const tables = new Map<string, NonNullable<LakeMaintenanceResult['optimized']>['tables'][number]>();
      const planned = new Map<string, CompactionPlanned>();
      let rounds = 0;
      let next: OptimizeNext = 'done';
      do {
        setCurrentDetails(`OPTIMIZE round ${rounds + 1}: writing compacted files`);
        const round = await maintenance.writeCompactedFiles({ nowMs: Date.now() });
        let committedFiles = 0;
        if (round.requests.length > 0) {
          setCurrentDetails(`OPTIMIZE round ${rounds + 1}: committing ${round.planned.map((p) => `${p.table} ${p.files} → ${p.into}`).join(', ')}`);
          const commits = await commitToDelta(input.topic, { requester: workflowInfo().workflowId, partition: -1, startOffset: -1, endOffset: -1, keys: [], compact: round.requests });
          for (const { table, version, removed, added } of commits.filter((c) => c.operation === 'OPTIMIZE')) {
            const before = tables.get(table);
            tables.set(table, { table, version, removed: removed + (before?.removed ?? 0), added: added + (before?.added ?? 0) });
            committedFiles += removed;
          }
        }
        for (const p of round.planned) {
          const before = planned.get(p.table);
          planned.set(p.table, before ? { table: p.table, files: before.files + p.files, into: before.into + p.into, rows: before.rows + p.rows } : p);
        }
        rounds++;
        next = untilCaughtUp ? nextOptimizeStep({ more: round.more ?? false, committedFiles, rounds, elapsedMs: Date.now() - startedMs }) : 'done';
      } while (next === 'again');
      result.optimized = untilCaughtUp ? { tables: [...tables.values()], planned: [...planned.values()], rounds, handedOver: next === 'hand-over' } : { tables: [...tables.values()], planned: [...planned.values()] };
      log.info('OPTIMIZE done', { tables: tables.size, rounds, next });
    } else {
      setCurrentDetails('VACUUM: deleting removed files and old log files');
      result.vacuumed = { tables: await maintenance.vacuumTables({ nowMs: Date.now() }) };
      // Sent-markers past retention go with VACUUM: whole day folders (docs/lake.md, "Sent-markers").
      if (patched('alert-marker-retention')) {
        setCurrentDetails('VACUUM: deleting sent-markers past retention');
        result.vacuumed.alertMarkers = await maintenance.expireAlertMarkers({ nowMs: Date.now() });
      }
    }
  }
  const optimized = result.optimized?.tables.reduce((n, t) => n + t.removed, 0) ?? 0;
  const vacuumed = result.vacuumed?.tables.reduce((n, t) => n + t.files, 0) ?? 0;
  const markers = result.vacuumed?.alertMarkers?.markers ?? 0;
  setCurrentDetails(`done: ${optimized} files compacted, ${vacuumed} removed files deleted, ${markers} sent-markers deleted`);
  // OPTIMIZE spent its budget with groups left: a fresh run goes on now (after this run's VACUUM),
  // not at the next schedule tick; the schedule skips its ticks while the chain runs (overlap SKIP).
  if (result.optimized?.handedOver) await continueAsNew<typeof lakeMaintenance>(input);
  return result;
}
