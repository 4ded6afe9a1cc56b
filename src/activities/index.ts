// All activities, built from one set of dependencies (the worker wires real clients), each behind
// the activity boundary (boundary.ts): heartbeats while running, errors classified for Temporal.
import { loadQualityThresholds } from '../domain/quality.ts';
import { createAlertActivities } from './alert.ts';
import { createAlertMarkerActivities } from './alert-marker-retention.ts';
import { createBackfillActivities } from './backfill.ts';
import { activitiesAtBoundary } from './boundary.ts';
import { BatchIo } from './batch-io.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { createCheckpointActivities, createStateAdvance } from './checkpoint.ts';
import { createDeltaCommitActivities } from './delta-commit.ts';
import { createDeriveActivities } from './derive.ts';
import type { ActivityDeps } from './deps.ts';
import { createEnrichActivities } from './enrich.ts';
import { createGoldActivities, createGoldStages } from './gold.ts';
import { createLakeMaintenanceActivities } from './lake-maintenance.ts';
import { createIngestActivities } from './ingest.ts';
import { PartitionStates } from '../state-store/partition-states.ts';
import { processStateDir } from '../state-store/state-dir.ts';

/** The worker's partition states, in its own folder under STATE_DIR, with the configured budget. */
export function openPartitionStates(deps: Pick<ActivityDeps, 'config' | 'lake' | 'rules'>): PartitionStates {
  const { config } = deps;
  return new PartitionStates({
    lake: deps.lake,
    dir: processStateDir(config.STATE_DIR),
    memoryMb: config.STATE_MEMORY_MB,
    slice: { dedupWindowMs: config.DEDUP_WINDOW_HOURS * 3_600_000, rules: deps.rules },
    snapshotEveryBatches: config.STATE_SNAPSHOT_EVERY_BATCHES,
    snapshotEveryBytes: config.STATE_SNAPSHOT_EVERY_MB * 1024 * 1024,
  });
}

export function createActivities(deps: ActivityDeps, states: PartitionStates = openPartitionStates(deps)) {
  const io = new BatchIo(deps.lake, states);
  // The stage functions, shared by the one-activity derivation and the per-stage activities of older histories.
  const gold = createGoldStages(deps, io, loadQualityThresholds());
  const advance = createStateAdvance(deps, io);
  // One limit for the process: a derivation may come on the shared queue or this worker's own (worker.ts).
  const derivations = new ConcurrencyLimit(deps.config.WORKER_MAX_CONCURRENT_DERIVATIONS);
  return activitiesAtBoundary({
    ...createDeriveActivities(deps, io, gold, advance, derivations),
    ...createCheckpointActivities(deps, io, advance),
    ...createIngestActivities(deps, io),
    ...createEnrichActivities(deps, io),
    ...createGoldActivities(io, gold),
    ...createAlertActivities(deps, io),
    ...createBackfillActivities(deps),
    ...createDeltaCommitActivities(deps, io),
    ...createLakeMaintenanceActivities(deps),
    ...createAlertMarkerActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
