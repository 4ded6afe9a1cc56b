// Deriving one batch (DESIGN §2 steps 2–5): raw → bronze → silver → gold, fraud, quality → the
// partition's next checkpoint. Shared by the streaming batch workflow and the backfill, so a
// backfilled batch is derived by exactly the code that derived it the first time.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { DETERMINISTIC_FAILURE_TYPES } from '../temporal/failure-types.ts';
import type { BatchRef, EnrichResult, FraudResult, GoldResult, IngestResult, QualityResult } from './types.ts';

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
export const stages = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: RETRY,
});

/** Look-ups: checkpoint checks, listings. */
export const quick = proxyActivities<Activities>({
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

/** Runs the stages of a batch whose checkpoint at its start offset exists. Writes its next checkpoint. */
export async function deriveBatch(ref: BatchRef, rawKey: string, batchDate: string, options: { copyToDlq: boolean }): Promise<DerivedBatch> {
  const ingest = await stages.ingestBatch({ ...ref, rawKey, copyToDlq: options.copyToDlq });
  const enrich = await stages.enrichBatch({ ...ref, bronzeKeys: ingest.bronzeKeys });

  // Gold, fraud and quality read the same inputs and write disjoint keys: run them together.
  const silver = { ...ref, silverKeys: enrich.silverKeys, itemKeys: enrich.itemKeys, batchDate };
  const [gold, fraud, quality] = await Promise.all([
    stages.aggregateBatch(silver),
    stages.detectFraud(silver),
    stages.checkBatchQuality({ ...silver, bronzeKeys: ingest.bronzeKeys, quarantineKey: ingest.quarantineKey }),
  ]);

  await stages.writeCheckpoint(silver);
  return { ingest, enrich, gold, fraud, quality };
}

/** Every lake object a derived batch wrote (the memo of its run). */
export function lakeKeysOf(derived: DerivedBatch): string[] {
  const { ingest, enrich, gold, fraud, quality } = derived;
  return [...ingest.bronzeKeys, ...(ingest.quarantineKey ? [ingest.quarantineKey] : []), ...enrich.silverKeys, ...enrich.itemKeys, ...gold.keys, ...fraud.keys, ...quality.keys];
}
