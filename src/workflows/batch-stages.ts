// Deriving one batch (docs/design.md §2 steps 2–5): raw → bronze → silver → gold, fraud, quality → the
// partition's next checkpoint. Shared by the streaming batch workflow and the backfill, so a
// backfilled batch is derived by exactly the code that derived it the first time.
import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, log, patched, proxyActivities, proxyLocalActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { DETERMINISTIC_FAILURE_TYPES } from '../contract/failure-types.ts';
import type { BatchRef, CheckpointResult, DeriveInput, DeriveResult, EnrichResult, FraudResult, GoldResult, IngestResult, QualityResult } from '../contract/batch.ts';

/**
 * Attempts per activity: 200 ms doubling to 10 s, so 60 attempts span about 9 minutes — room for
 * S3, Kafka, SMTP or Temporal to come back from a restart, and a bound for a failure nobody
 * classified as deterministic: the batch then fails (visible, replayable) instead of retrying forever.
 */
export const MAX_ATTEMPTS = 60;

const RETRY = {
  initialInterval: '200ms',
  backoffCoefficient: 2,
  maximumInterval: '10s',
  maximumAttempts: MAX_ATTEMPTS,
  // Bad data, a corrupt lake object or state, a bug: no retry can help (src/activities/boundary.ts
  // already marks these non-retryable; the list also catches one thrown without the flag).
  nonRetryableErrorTypes: DETERMINISTIC_FAILURE_TYPES,
};

/**
 * The stages: minutes of work on a large batch. Every activity heartbeats every few seconds while
 * it runs (the activity boundary does it), so the heartbeat timeout detects a dead worker in 30 s
 * without cutting short a long, live attempt.
 */
const STAGE_OPTIONS = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: RETRY,
} as const;

/** The stages, on the shared task queue. */
export const stages = proxyActivities<Activities>(STAGE_OPTIONS);

/** A state snapshot: the whole partition state, rebuilt and uploaded (minutes at tens of millions of ids). */
export const snapshots = proxyActivities<Activities>({ ...STAGE_OPTIONS, startToCloseTimeout: '30m' });

/**
 * Patch id: a batch's stages run on the worker that holds its partition's state (that worker's own
 * task queue, docs/design.md §4), stages get the first-batch flag, and the checkpoint returns what
 * it wrote. Histories from before ran every stage on the shared queue.
 */
export const STATE_AFFINITY_PATCH = 'state-affinity';

/** How long a stage waits for the state holder's worker to pick it up before any worker takes it (and rebuilds the state). */
const STATE_HOLDER_PICKUP_TIMEOUT = '10s';

/**
 * Patch id: the whole derivation (ingest → enrich → gold, fraud, quality → checkpoint) is one
 * activity, its stages passing rows in memory (src/activities/derive.ts): one round trip instead
 * of five or six, and no stage reads back what the one before wrote. Histories from before ran a
 * look-up of the holder's queue and one activity per stage.
 */
export const ONE_DERIVE_ACTIVITY_PATCH = 'one-derive-activity';

/** The whole derivation: the stages' budget several times over (a cold state rebuild comes first). */
const DERIVE_OPTIONS = { ...STAGE_OPTIONS, startToCloseTimeout: '10m' } as const;

const deriveAnywhere = proxyActivities<Activities>(DERIVE_OPTIONS);

type StageActivities = typeof stages;

/** Look-ups: checkpoint checks, listings. */
export const quick = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: RETRY,
});

/**
 * The same look-ups as local activities: run by the worker that runs the workflow task, recorded
 * as a marker, so they cost no task-queue round trip and no workflow task of their own. Only for
 * reads that are short and idempotent (a listing and a HEAD on S3, at most one visibility query).
 * A retry backs off at most 10 s, below the SDK's one-minute local retry threshold, so an S3 outage
 * is retried inside the workflow task (which the SDK keeps alive) for the same ~9 minutes as `quick`.
 */
export const localLookups = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: RETRY,
});

export interface DerivedBatch {
  ingest: IngestResult;
  enrich: EnrichResult;
  gold: GoldResult;
  fraud: FraudResult;
  quality: QualityResult;
}

/**
 * Runs the stages of a batch whose state before its start offset exists, and writes the delta
 * after it. `stateQueue`: the worker that holds the partition's state (from the predecessor), else
 * the worker that picks up the first look-up becomes its holder.
 */
export async function deriveBatch(
  ref: BatchRef,
  rawKey: string,
  batchDate: string,
  options: { copyToDlq: boolean; stateQueue?: string },
): Promise<DerivedBatch & { checkpoint?: CheckpointResult }> {
  if (!patched(STATE_AFFINITY_PATCH)) return deriveOnSharedQueue(ref, rawKey, batchDate, options);
  if (patched(ONE_DERIVE_ACTIVITY_PATCH)) return deriveInOneActivity({ ...ref, rawKey, batchDate, copyToDlq: options.copyToDlq }, options.stateQueue);

  let queue = options.stateQueue ?? (await quick.stateTaskQueue());
  // On the holder's queue while it answers; a holder that is gone (its queue not polled) hands over to any worker.
  const onHolder = async <T>(call: (activities: StageActivities) => Promise<T>): Promise<T> => {
    if (queue !== undefined) {
      try {
        return await call(proxyActivities<Activities>({ ...STAGE_OPTIONS, taskQueue: queue, scheduleToStartTimeout: STATE_HOLDER_PICKUP_TIMEOUT }));
      } catch (error) {
        if (!isPickupTimeout(error)) throw error;
        log.warn('the worker holding the partition state did not pick up the stage: any worker takes over', { batchId: ref.batchId, stateQueue: queue });
        queue = undefined;
      }
    }
    return call(stages);
  };

  const ingest = await onHolder((a) => a.ingestBatch({ ...ref, rawKey, copyToDlq: options.copyToDlq }));
  const enrich = await onHolder((a) => a.enrichBatch({ ...ref, bronzeKeys: ingest.bronzeKeys }));
  // Gold, fraud and quality read the same inputs and write disjoint keys: run them together.
  const silver = { ...ref, silverKeys: enrich.silverKeys, itemKeys: enrich.itemKeys, batchDate };
  const [gold, fraud, quality] = await Promise.all([
    onHolder((a) => a.aggregateBatch(silver)),
    onHolder((a) => a.detectFraud(silver)),
    onHolder((a) => a.checkBatchQuality({ ...silver, bronzeKeys: ingest.bronzeKeys, quarantineKey: ingest.quarantineKey })),
  ]);
  const checkpoint = await onHolder((a) => a.writeCheckpoint(silver));
  return { ingest, enrich, gold, fraud, quality, checkpoint };
}

/**
 * The derivation as one activity, on the state holder's queue while it answers. With no holder
 * known (the partition's first batch, or a hint never written), any worker takes it and becomes
 * the holder: one activity needs no look-up to keep its stages on one worker.
 */
export async function deriveInOneActivity(input: DeriveInput, stateQueue: string | undefined): Promise<DeriveResult> {
  if (stateQueue !== undefined) {
    try {
      return await proxyActivities<Activities>({ ...DERIVE_OPTIONS, taskQueue: stateQueue, scheduleToStartTimeout: STATE_HOLDER_PICKUP_TIMEOUT }).deriveBatch(input);
    } catch (error) {
      if (!isPickupTimeout(error)) throw error;
      log.warn('the worker holding the partition state did not pick up the batch: any worker takes over', { batchId: input.batchId, stateQueue });
    }
  }
  return deriveAnywhere.deriveBatch(input);
}

/** The stages as histories from before the state-affinity patch ran them. */
async function deriveOnSharedQueue(ref: BatchRef, rawKey: string, batchDate: string, options: { copyToDlq: boolean }): Promise<DerivedBatch> {
  const ingest = await stages.ingestBatch({ ...ref, rawKey, copyToDlq: options.copyToDlq });
  const enrich = await stages.enrichBatch({ ...ref, bronzeKeys: ingest.bronzeKeys });
  const silver = { ...ref, silverKeys: enrich.silverKeys, itemKeys: enrich.itemKeys, batchDate };
  const [gold, fraud, quality] = await Promise.all([
    stages.aggregateBatch(silver),
    stages.detectFraud(silver),
    stages.checkBatchQuality({ ...silver, bronzeKeys: ingest.bronzeKeys, quarantineKey: ingest.quarantineKey }),
  ]);
  await stages.writeCheckpoint(silver);
  return { ingest, enrich, gold, fraud, quality };
}

function isPickupTimeout(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}

/** Every lake object a derived batch wrote (the memo of its run). */
export function lakeKeysOf(derived: DerivedBatch): string[] {
  const { ingest, enrich, gold, fraud, quality } = derived;
  return [...ingest.bronzeKeys, ...(ingest.quarantineKey ? [ingest.quarantineKey] : []), ...enrich.silverKeys, ...enrich.itemKeys, ...gold.keys, ...fraud.keys, ...quality.keys];
}
