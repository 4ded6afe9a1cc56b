// `npm run record-histories`: runs the workflows of the current code on the time-skipping test
// server with stub activities, one scenario per path through them, and saves each run's event
// history under test/fixtures/histories/. test/unit/workflow-replay.test.ts replays them all
// against the workflow code of the day, so a change that would break runs already in flight
// (an added, removed or reordered command without `patched()`) fails the unit tests.
//
// Existing fixtures are never overwritten: they stand for runs of older code that may still be in
// flight somewhere. A scenario whose file exists is skipped; record a new path under a new name.
// `--force` rewrites them all, which is only right when no run of the old code can be in flight.
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToFixture } from './helpers/history-fixtures.ts';
import type { BackfillBatch, BackfillDayInput, BackfillInput, BatchResult } from '../src/contract/batch.ts';
import { backfillWorkflowId, CHECKPOINT_READY_SIGNAL } from '../src/contract/batch.ts';
import { deltaCommitterWorkflowId } from '../src/contract/delta-commit.ts';
import { batchInput, batchStartOptions, createTestWorker, startTimeSkippingServer, stubActivities, uniqueTaskQueue, type StubActivities } from './helpers/workflow-env.ts';

import { HISTORIES_DIR } from './helpers/history-fixtures.ts';

interface Scenario {
  name: string;
  why: string;
  activities: () => StubActivities;
  /** Runs the workflow(s) and returns every handle whose history is worth keeping. */
  run(env: TestWorkflowEnvironment, taskQueue: string, calls: Calls): Promise<WorkflowHandle[]>;
}

/** Resolves when a stub has been called, so a scenario can act at the moment a workflow waits. */
class Calls {
  private readonly waiters = new Map<string, () => void>();
  called(name: string): void {
    this.waiters.get(name)?.();
  }
  next(name: string): Promise<void> {
    return new Promise((resolve) => this.waiters.set(name, resolve));
  }
}

/** A batch whose checkpoint look-up finds nothing (the test then signals it), with one fraud part to commit. */
const checkpointMissingUntilSignalled = (calls: Calls) =>
  stubActivities({
    checkpointStatus: async () => {
      calls.called('checkpointStatus');
      return { ready: false };
    },
    detectFraud: async (ref) => ({ alertIds: [], keys: [`gold/fraud_alerts/part-${ref.partition}-${ref.startOffset}-${ref.endOffset}.parquet`] }),
  });

const scenarios = (calls: Calls): Scenario[] => [
  {
    name: 'batch-first-of-partition',
    why: 'the first batch of a partition: no wait, every stage, fraud alerts mailed',
    activities: () => stubActivities(),
    async run(env, taskQueue) {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(0, 0, 99), taskQueue));
      await handle.result();
      return [handle];
    },
  },
  {
    name: 'batch-woken-by-predecessor-signal',
    why: 'the checkpoint is missing at first; the predecessor signals and the batch trusts the signal (patched)',
    activities: () => checkpointMissingUntilSignalled(calls),
    async run(env, taskQueue) {
      const asked = calls.next('checkpointStatus');
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(1, 100, 199), taskQueue));
      await asked;
      await handle.signal(CHECKPOINT_READY_SIGNAL);
      await handle.result();
      return [handle];
    },
  },
  {
    name: 'batch-blocked-then-released',
    why: 'no signal comes: timers re-check, the batch names its blocker in BlockedBy, then clears it',
    activities: () => {
      let asked = 0;
      return stubActivities({
        checkpointStatus: async (ref) => (++asked > 6 ? { ready: true } : { ready: false, blockedBy: ref.findBlocker ? `${ref.topic}-${ref.partition}-0` : undefined }),
      });
    },
    async run(env, taskQueue) {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(2, 100, 199), taskQueue));
      await handle.result();
      return [handle];
    },
  },
  {
    name: 'batch-first-derived-in-one-activity',
    why: 'the first batch of a partition: no checkpoint look-up, the derivation as one activity (patched)',
    activities: () => stubActivities(),
    async run(env, taskQueue) {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(3, 0, 99), taskQueue));
      await handle.result();
      return [handle];
    },
  },
  {
    name: 'batch-derived-in-one-activity-holder-gone',
    why: 'the checkpoint look-up names a state holder that never picks up the one derivation activity: any worker takes it (patched)',
    activities: () => stubActivities({ checkpointStatus: async () => ({ ready: true, stateQueue: 'orders-worker-gone' }) }),
    async run(env, taskQueue) {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(3, 100, 199), taskQueue));
      await handle.result();
      return [handle];
    },
  },
  {
    name: 'backfill-two-partitions',
    why: 'a backfill fanning out one child per (date, partition), with progress signals to the parent',
    activities: () =>
      stubActivities({
        planBackfill: async (input: BackfillInput) => [
          { date: input.from, partition: 0, batches: 2 },
          { date: input.to, partition: 0, batches: 1 },
          { date: input.from, partition: 1, batches: 1 },
        ],
        listBackfillBatches: async (input: BackfillDayInput) => {
          const count = input.partition === 0 && input.date.endsWith('27') ? 2 : 1;
          const base = input.date.endsWith('27') ? 0 : 1000;
          const batches: BackfillBatch[] = Array.from({ length: count }, (_, i) => ({
            startOffset: base + i * 100,
            endOffset: base + i * 100 + 99,
            rawKey: `raw/orders/batch_date=${input.date}/partition=${input.partition}/${base + i * 100}-${base + i * 100 + 99}.jsonl.gz`,
            firstBatch: base + i * 100 === 0,
          }));
          return { batches, more: false };
        },
      }),
    async run(env, taskQueue) {
      const input: BackfillInput = { topic: 'orders', from: '2026-11-27', to: '2026-11-28', source: 'raw', concurrency: 2 };
      const parentId = backfillWorkflowId(input.topic, input.from, input.to);
      const handle = await env.client.workflow.start('backfillOrders', { taskQueue, workflowId: parentId, args: [input] });
      await handle.result();
      const children = [`${parentId}-2026-11-27-p0`, `${parentId}-2026-11-28-p0`, `${parentId}-2026-11-27-p1`];
      return [handle, ...children.map((id) => env.client.workflow.getHandle(id))];
    },
  },
  {
    name: 'batch-signal-first-woken',
    why: 'the checkpoint is missing at the one local look-up; the predecessor\'s signal wakes the batch; wake-up and commit request in one task; no older patch asked (patched signal-first)',
    activities: () => checkpointMissingUntilSignalled(calls),
    async run(env, taskQueue) {
      const asked = calls.next('checkpointStatus');
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(4, 100, 199), taskQueue));
      await asked;
      await handle.signal(CHECKPOINT_READY_SIGNAL, { stateQueue: taskQueue });
      await handle.result();
      return [handle];
    },
  },
  {
    name: 'batch-signal-first-blocked-then-released',
    why: 'no signal comes: local look-ups on the safety timer, the batch names its blocker in BlockedBy, then finds the state and clears it (patched signal-first)',
    activities: () => {
      let asked = 0;
      return stubActivities({
        checkpointStatus: async (ref) => (++asked > 3 ? { ready: true } : { ready: false, blockedBy: ref.findBlocker ? `${ref.topic}-${ref.partition}-0` : undefined }),
        detectFraud: async (ref) => ({ alertIds: [], keys: [`gold/fraud_alerts/part-${ref.partition}-${ref.startOffset}-${ref.endOffset}.parquet`] }),
      });
    },
    async run(env, taskQueue) {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(5, 100, 199), taskQueue));
      await handle.result();
      return [handle];
    },
  },
  {
    name: 'backfill-new-keys',
    why: 'a backfill whose parts go under keys tagged by its run (patched backfill-new-keys), committed in one REPLACE per table',
    activities: () =>
      stubActivities({
        planBackfill: async (input: BackfillInput) => [
          { date: input.from, partition: 0, batches: 2 },
          { date: input.from, partition: 1, batches: 1 },
        ],
        listBackfillBatches: async (input: BackfillDayInput) => {
          const batches: BackfillBatch[] = Array.from({ length: input.partition === 0 ? 2 : 1 }, (_, i) => ({
            startOffset: i * 100,
            endOffset: i * 100 + 99,
            rawKey: `raw/orders/batch_date=${input.date}/partition=${input.partition}/${i * 100}-${i * 100 + 99}.jsonl.gz`,
            firstBatch: i === 0,
          }));
          return { batches, more: false };
        },
      }),
    async run(env, taskQueue) {
      const input: BackfillInput = { topic: 'orders', from: '2026-11-27', to: '2026-11-27', source: 'raw', concurrency: 2 };
      const parentId = backfillWorkflowId(input.topic, input.from, input.to);
      const handle = await env.client.workflow.start('backfillOrders', { taskQueue, workflowId: parentId, args: [input] });
      await handle.result();
      const children = [`${parentId}-2026-11-27-p0`, `${parentId}-2026-11-27-p1`];
      return [handle, ...children.map((id) => env.client.workflow.getHandle(id))];
    },
  },
  // Last: the alert workflow it starts stops the time-skipping server skipping time for what follows.
  {
    name: 'batch-alerts-off-path',
    why: 'a batch with a fraud alert hands it to alerts-<batchId> (patched alerts-off-path) and completes; the alert workflow sends it',
    activities: () => stubActivities(),
    async run(env, taskQueue) {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(3, 0, 99), taskQueue));
      const result: BatchResult = await handle.result();
      const alerts = env.client.workflow.getHandle(result.alertsWorkflowId!);
      await alerts.result();
      return [handle, alerts];
    },
  },
];

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const calls = new Calls();
  const env = await startTimeSkippingServer();
  try {
    for (const scenario of scenarios(calls)) {
      const file = (workflowId: string, index: number): string => path.join(HISTORIES_DIR, `${scenario.name}${index === 0 ? '' : `.${workflowId}`}.json`);
      if (!force && existsSync(file('', 0))) {
        console.log(`kept    ${scenario.name} (exists; record a new path under a new name)`);
        continue;
      }
      const taskQueue = uniqueTaskQueue(scenario.name);
      const worker = await createTestWorker(env, taskQueue, scenario.activities());
      const handles = await worker.runUntil(scenario.run(env, taskQueue, calls));
      for (const [index, handle] of handles.entries()) {
        const history = await handle.fetchHistory();
        // The workflow id goes with the history: a replayed parent must start its children under the same ids.
        writeFileSync(file(handle.workflowId, index), historyToFixture(handle.workflowId, index === 0 ? scenario.why : 'child run', history));
        console.log(`wrote   ${path.relative(process.cwd(), file(handle.workflowId, index))} (${history.events?.length ?? 0} events): ${index === 0 ? scenario.why : 'child run'}`);
      }
      // The topic's committer polls this scenario's task queue, whose worker is gone now: the next
      // scenario's batches would send it requests nobody answers. They start their own.
      await env.client.workflow.getHandle(deltaCommitterWorkflowId('orders')).terminate('scenario recorded').catch(() => undefined);
    }
  } finally {
    await env.teardown();
  }
}

await main();
