// All activities, built from one set of dependencies (the worker wires real clients), each behind
// the activity boundary (boundary.ts): heartbeats while running, errors classified for Temporal.
import { loadQualityThresholds } from '../domain/quality.ts';
import { createAlertActivities } from './alert.ts';
import { createBackfillActivities } from './backfill.ts';
import { activitiesAtBoundary } from './boundary.ts';
import { BatchIo } from './batch-io.ts';
import { createCheckpointActivities } from './checkpoint.ts';
import type { ActivityDeps } from './deps.ts';
import { createEnrichActivities } from './enrich.ts';
import { createGoldActivities } from './gold.ts';
import { createIngestActivities } from './ingest.ts';

export function createActivities(deps: ActivityDeps) {
  const io = new BatchIo(deps.lake);
  return activitiesAtBoundary({
    ...createCheckpointActivities(deps, io),
    ...createIngestActivities(deps, io),
    ...createEnrichActivities(deps, io),
    ...createGoldActivities(deps, io, loadQualityThresholds()),
    ...createAlertActivities(deps, io),
    ...createBackfillActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
