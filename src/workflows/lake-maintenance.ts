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
import { log, patched, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { DETERMINISTIC_FAILURE_TYPES } from '../contract/failure-types.ts';
import type { LakeMaintenanceInput, LakeMaintenanceResult } from '../contract/lake-maintenance.ts';
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
      setCurrentDetails('OPTIMIZE: writing compacted files');
      const { requests, planned } = await maintenance.writeCompactedFiles({ nowMs: Date.now() });
      let tables: NonNullable<LakeMaintenanceResult['optimized']>['tables'] = [];
      if (requests.length > 0) {
        setCurrentDetails(`OPTIMIZE: committing ${planned.map((p) => `${p.table} ${p.files} → ${p.into}`).join(', ')}`);
        const commits = await commitToDelta(input.topic, { requester: workflowInfo().workflowId, partition: -1, startOffset: -1, endOffset: -1, keys: [], compact: requests });
        tables = commits.filter((c) => c.operation === 'OPTIMIZE').map(({ table, version, removed, added }) => ({ table, version, removed, added }));
      }
      result.optimized = { tables, planned };
      log.info('OPTIMIZE done', { tables: tables.length });
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
  return result;
}
