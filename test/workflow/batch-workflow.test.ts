// The batch and backfill workflows on the time-skipping test server, with stub activities: how a
// batch waits for its predecessor's checkpoint (docs/design.md §4), how a blocked batch says who
// holds it back, and how a backfill fans out (docs/design.md §7). No stack is needed; the test
// server is installed on first use and a machine where it cannot start fails here, naming it.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SA } from '../../src/contract/search-attributes.ts';
import { backfillWorkflowId, type BackfillBatch, type BackfillDayInput, type BackfillInput, type BackfillProgress, type BatchRef, type BatchResult } from '../../src/contract/batch.ts';
import { deltaCommitterWorkflowId } from '../../src/contract/delta-commit.ts';
import { waitFor } from '../helpers/wait.ts';
import { alertWorkflowsClosed, batchInput, batchStartOptions, createTestWorker, startTimeSkippingServer, stubActivities, uniqueTaskQueue } from '../helpers/workflow-env.ts';

let env: TestWorkflowEnvironment;

before(async () => {
  env = await startTimeSkippingServer();
});

// The batches of every test use the topic `orders`: a committer left by one test (its worker gone)
// would take the next test's requests and never answer them.
afterEach(async () => {
  await env?.client.workflow.getHandle(deltaCommitterWorkflowId('orders')).terminate('test over').catch(() => undefined);
});

after(async () => {
  await env?.teardown();
});

/**
 * Checkpoints as a set of `<partition>@<offset>`: written by writeCheckpoint, read by checkpointStatus.
 * `beforeIngest` may hold a batch's derivation back (a predecessor that is still running).
 */
function checkpointStore(beforeIngest: (ref: BatchRef) => Promise<void> = async () => undefined) {
  const written = new Set<string>();
  const events: string[] = [];
  return {
    written,
    events,
    activities: stubActivities({
      checkpointStatus: async (ref) => {
        events.push(`check ${ref.batchId}`);
        return { ready: ref.firstBatch || written.has(`${ref.partition}@${ref.startOffset}`) };
      },
      ingestBatch: async (ref) => {
        await beforeIngest(ref);
        events.push(`ingest ${ref.batchId}`);
        return { validCount: 1, invalidCount: 0, duplicateCount: 0, bronzeKeys: [], orderDates: [] };
      },
      // No alerts: an alert workflow would stop the server skipping time for the tests after this one.
      detectFraud: async () => ({ alertIds: [], keys: [] }),
      writeCheckpoint: async (ref) => {
        written.add(`${ref.partition}@${ref.endOffset + 1}`);
        events.push(`checkpoint ${ref.batchId}`);
        return { deltaBytes: 0, snapshotDue: false };
      },
    }),
  };
}

void describe('the batch workflow', () => {
  void it('waits while its checkpoint is missing and goes on when the predecessor writes it and signals', async () => {
    const taskQueue = uniqueTaskQueue('wait-for-predecessor');
    const store = checkpointStore();
    const worker = await createTestWorker(env, taskQueue, store.activities);
    await worker.runUntil(async () => {
      const successor = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(0, 100, 199), taskQueue));
      await waitFor('the successor to find its checkpoint missing', () => store.events.includes('check orders-0-100'));
      const predecessor = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(0, 0, 99), taskQueue));
      await predecessor.result();
      const result: BatchResult = await successor.result();

      assert.equal(result.batchId, 'orders-0-100');
      assert.ok(store.events.indexOf('checkpoint orders-0-0') < store.events.indexOf('ingest orders-0-100'), `derived only after the state before it existed: ${store.events.join(', ')}`);
      const history = await successor.fetchHistory();
      const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'checkpointReady') ?? [];
      assert.equal(signals.length, 1, 'the predecessor signalled it once');
    });
  });

  void it('names the batch that holds it back in BlockedBy while it waits, and clears it once it can go on', async () => {
    // A server of its own: after the test before it, the shared server stopped skipping time in
    // this one under the signal-first wait (a hang with no CPU, not a slow test), and the cause
    // is in the test server, not in the workflow (alone, the test passes in about a second).
    const env = await startTimeSkippingServer();
    try {
      await blockedByScenario(env);
    } finally {
      await env.teardown();
    }
  });

  async function blockedByScenario(env: TestWorkflowEnvironment): Promise<void> {
    const taskQueue = uniqueTaskQueue('blocked');
    let released = false;
    let derived = false;
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        checkpointStatus: async (ref) => (released ? { ready: true } : { ready: false, blockedBy: ref.findBlocker ? 'orders-3-0' : undefined }),
        detectFraud: async () => ({ alertIds: [], keys: [] }),
        ingestBatch: async (ref) => {
          derived = true;
          return { validCount: 1, invalidCount: 0, duplicateCount: 0, bronzeKeys: [`bronze/${ref.batchId}`], orderDates: [] };
        },
      }),
    );
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(3, 100, 199), taskQueue));
      // Its re-checks grow from 250 ms to 30 s; two minutes of skipped time is well past the fifth.
      await env.sleep('2 minutes');
      const blocked = await waitFor('BlockedBy to be set', async () => {
        const description = await handle.describe();
        return description.typedSearchAttributes.get(SA.BlockedBy) ? description : undefined;
      });
      assert.equal(blocked.typedSearchAttributes.get(SA.BlockedBy), 'orders-3-0');
      assert.equal(blocked.status.name, 'RUNNING');
      assert.equal(derived, false, 'nothing derived while blocked');

      released = true;
      await handle.result();
      const done = await handle.describe();
      assert.equal(done.typedSearchAttributes.get(SA.BlockedBy), undefined, 'BlockedBy cleared');
      assert.equal(done.typedSearchAttributes.get(SA.OrderCount), 100);
      assert.equal(derived, true);
    });
  }

  void it('goes on once its checkpoint exists even when the predecessor never signals (state written by a backfill)', async () => {
    const taskQueue = uniqueTaskQueue('never-signalled');
    const store = checkpointStore();
    const worker = await createTestWorker(env, taskQueue, store.activities);
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(8, 100, 199), taskQueue));
      await waitFor('the batch to find its checkpoint missing', () => store.events.includes('check orders-8-100'));
      // Something other than a predecessor run writes the state (a backfill over a failed batch): nobody signals.
      store.written.add('8@100');
      const result: BatchResult = await handle.result();

      assert.equal(result.orderCount, 100, 'derived the whole batch');
      const checks = store.events.filter((e) => e === 'check orders-8-100');
      assert.equal(checks.length, 2, `one look-up at start, one on the safety timer: ${store.events.join(', ')}`);
      const history = await handle.fetchHistory();
      const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'checkpointReady') ?? [];
      assert.equal(signals.length, 0, 'no signal came');
      const scheduled = history.events?.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []) ?? [];
      assert.ok(!scheduled.includes('checkpointStatus'), `the look-ups are local activities, not tasks on the queue: ${scheduled.join(', ')}`);
    });
  });

  void it('looks its checkpoint up once and then waits for the signal, asking nothing while its predecessor runs', async () => {
    const taskQueue = uniqueTaskQueue('no-lookups-while-running');
    let releasePredecessor!: () => void;
    const predecessorRuns = new Promise<void>((resolve) => (releasePredecessor = resolve));
    let predecessorDeriving = false;
    const store = checkpointStore(async (ref) => {
      if (ref.batchId !== 'orders-9-0') return;
      predecessorDeriving = true;
      await predecessorRuns;
    });
    const worker = await createTestWorker(env, taskQueue, store.activities);
    await worker.runUntil(async () => {
      const successor = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(9, 100, 199), taskQueue));
      await waitFor('the successor to find its checkpoint missing', () => store.events.includes('check orders-9-100'));
      const predecessor = await env.client.workflow.start('processOrderBatch', batchStartOptions(batchInput(9, 0, 99), taskQueue));
      await waitFor('the predecessor to be deriving', () => predecessorDeriving);
      // Four seconds of the predecessor's derivation: the successor's timers (if it had any shorter) fire meanwhile.
      await env.sleep('4 seconds');
      const checksWhileRunning = store.events.filter((e) => e === 'check orders-9-100').length;
      releasePredecessor();
      // Not handle.result(): that would let the test server skip time (and fire a safety timer) while the runs go on.
      await waitFor('both batches to complete', async () => {
        const states = await Promise.all([predecessor, successor].map(async (h) => (await h.describe()).status.name));
        return states.every((s) => s === 'COMPLETED');
      });

      assert.equal(checksWhileRunning, 1, `look-ups while the predecessor ran: ${store.events.join(', ')}`);
      assert.equal(store.events.filter((e) => e === 'check orders-9-100').length, 1, 'the signal woke it: no look-up after');
      assert.ok(store.events.indexOf('checkpoint orders-9-0') < store.events.indexOf('ingest orders-9-100'), `derived only after the state before it existed: ${store.events.join(', ')}`);
    });
  });

  void it('sends no mail when the batch raised no fraud alert and no quality breach', async () => {
    const taskQueue = uniqueTaskQueue('no-alerts');
    let mailed = 0;
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        detectFraud: async () => ({ alertIds: [], keys: [] }),
        sendAlerts: async () => {
          mailed++;
          return { sent: 0, alreadySent: 0 };
        },
      }),
    );
    const result: BatchResult = await worker.runUntil(env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(4, 0, 9), taskQueue)));
    assert.equal(mailed, 0);
    assert.equal(result.alertsWorkflowId, undefined, 'no alert workflow started');
    assert.equal(result.alertsSent, 0);
    assert.equal(result.orderCount, 10);
  });
});

void describe('the derivation of a batch in one activity (docs/design.md §2)', () => {
  const scheduled = async (workflowId: string): Promise<{ type: string; taskQueue: string }[]> => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [{ type: a.activityType?.name ?? '', taskQueue: a.taskQueue?.name ?? '' }] : [];
    });
  };

  void it('derives the partition\'s first batch with one activity on any worker and no checkpoint look-up', async () => {
    const taskQueue = uniqueTaskQueue('one-derive-first');
    const worker = await createTestWorker(
      env,
      taskQueue,
      // No alerts: an alert workflow would stop the server skipping time for the tests after this one.
      stubActivities({ detectFraud: async () => ({ alertIds: [], keys: [] }), writeCheckpoint: async () => ({ deltaBytes: 0, snapshotDue: false, stateQueue: 'holder-a' }) }),
    );
    const result: BatchResult = await worker.runUntil(env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(6, 0, 9), taskQueue)));
    assert.equal(result.orderCount, 10);
    const types = (await scheduled('orders-6-0')).map((a) => a.type);
    assert.deepEqual(types.filter((t) => t !== 'commitDeltaBatches'), ['deriveBatch'], `activities scheduled: ${types.join(', ')}`);
  });

  void it('sends the derivation to the worker holding the state and hands it to any worker when that one does not pick it up', async () => {
    const taskQueue = uniqueTaskQueue('one-derive-holder');
    const gone = uniqueTaskQueue('holder-gone');
    const worker = await createTestWorker(env, taskQueue, stubActivities({ detectFraud: async () => ({ alertIds: [], keys: [] }), checkpointStatus: async () => ({ ready: true, stateQueue: gone }) }));
    const result: BatchResult = await worker.runUntil(env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(6, 100, 109), taskQueue)));
    assert.equal(result.orderCount, 10);
    const derives = (await scheduled('orders-6-100')).filter((a) => a.type === 'deriveBatch');
    assert.deepEqual(
      derives.map((a) => a.taskQueue),
      [gone, taskQueue],
      'first on the holder\'s queue, then, after its pickup timeout, on the shared one',
    );
  });
});

void describe('the backfill workflow', () => {
  const input: BackfillInput = { topic: 'orders', from: '2026-11-27', to: '2026-11-28', source: 'raw', concurrency: 2 };
  /** Two batches per (date, partition); offsets grow with the date, so order within a partition is checkable. */
  const batchesOf = (unit: BackfillDayInput): BackfillBatch[] => {
    const base = unit.date === input.from ? 0 : 1000;
    return [0, 1].map((i) => ({ startOffset: base + i * 100, endOffset: base + i * 100 + 99, rawKey: `raw/${unit.date}/${unit.partition}/${base + i * 100}`, firstBatch: base + i === 0 }));
  };
  const plan = async () => [0, 1, 2].flatMap((partition) => [input.from, input.to].map((date) => ({ date, partition, batches: 2 })));

  void it('derives every batch of each partition in offset order, partitions side by side, and counts them', async () => {
    const taskQueue = uniqueTaskQueue('backfill');
    const ingested = new Map<number, number[]>();
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        planBackfill: plan,
        listBackfillBatches: async (unit) => ({ batches: batchesOf(unit), more: false }),
        ingestBatch: async (ref) => {
          ingested.set(ref.partition, [...(ingested.get(ref.partition) ?? []), ref.startOffset]);
          return { validCount: 1, invalidCount: 0, duplicateCount: 0, bronzeKeys: [], orderDates: [] };
        },
        sendAlerts: async () => assert.fail('a backfill sends no mail'),
      }),
    );
    const progress: BackfillProgress = await worker.runUntil(
      env.client.workflow.execute('backfillOrders', { taskQueue, workflowId: backfillWorkflowId(input.topic, input.from, input.to), args: [input] }),
    );
    assert.deepEqual([...ingested.keys()].sort(), [0, 1, 2]);
    for (const offsets of ingested.values()) assert.deepEqual(offsets, [0, 100, 1000, 1100]);
    assert.equal(progress.unitsTotal, 6);
    assert.equal(progress.unitsDone, 6);
    assert.equal(progress.batchesDone, 12);
    assert.deepEqual(progress.failed, []);
  });

  void it('derives every batch of one run under the run\'s backfill tag, and the same backfill run again under a new one', async () => {
    const taskQueue = uniqueTaskQueue('backfill-tag');
    const tags: (string | undefined)[][] = [[], []];
    let run = 0;
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        planBackfill: plan,
        listBackfillBatches: async (unit) => ({ batches: batchesOf(unit), more: false }),
        ingestBatch: async (ref) => {
          tags[run]!.push(ref.rewrite);
          return { validCount: 1, invalidCount: 0, duplicateCount: 0, bronzeKeys: [], orderDates: [] };
        },
      }),
    );
    const workflowId = `${backfillWorkflowId(input.topic, input.from, input.to)}-tag`;
    await worker.runUntil(async () => {
      await env.client.workflow.execute('backfillOrders', { taskQueue, workflowId, args: [input] });
      run = 1;
      await env.client.workflow.execute('backfillOrders', { taskQueue, workflowId, args: [input] });
    });
    const [first, second] = tags.map((t) => new Set(t));
    assert.equal(tags[0]!.length, 12);
    assert.equal(first!.size, 1, `one tag for every batch of a run: ${[...first!].join(', ')}`);
    assert.match([...first!][0]!, /^[0-9a-f]{16}$/);
    assert.equal(second!.size, 1);
    assert.notEqual([...second!][0], [...first!][0], 'a new run writes new keys');
  });

  void it('stops a partition at a batch whose predecessor never completed, and fails naming it', async () => {
    const taskQueue = uniqueTaskQueue('backfill-gap');
    const ingested: string[] = [];
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        planBackfill: plan,
        listBackfillBatches: async (unit) => ({ batches: batchesOf(unit), more: false }),
        // Partition 1 lacks the state before offset 1000: its first date's last batch never completed.
        checkpointStatus: async (ref) => (ref.partition === 1 && ref.startOffset === 1000 ? { ready: false, blockedBy: 'orders-1-100' } : { ready: true }),
        ingestBatch: async (ref) => {
          ingested.push(ref.batchId);
          return { validCount: 1, invalidCount: 0, duplicateCount: 0, bronzeKeys: [], orderDates: [] };
        },
      }),
    );
    const error = await worker.runUntil(
      env.client.workflow.execute('backfillOrders', { taskQueue, workflowId: `${backfillWorkflowId(input.topic, input.from, input.to)}-gap`, args: [input] }).then(
        () => assert.fail('the backfill should fail'),
        (e: unknown) => e,
      ),
    );
    assert.ok(error instanceof WorkflowFailedError);
    assert.ok(error.cause instanceof ApplicationFailure);
    assert.equal(error.cause.type, 'BackfillFailed');
    assert.match(error.cause.message, /1 of 6 units failed.*orders-1-100/);
    assert.ok(!ingested.includes('orders-1-1000') && !ingested.includes('orders-1-1100'), 'partition 1 stopped at the gap');
    assert.ok(ingested.includes('orders-0-1100') && ingested.includes('orders-2-1100'), 'other partitions finished');
  });
});

// The tests below start alert workflows (a batch with alerts hands them to alerts-<batchId>, left
// running when it ends). The time-skipping server then stops skipping time for the rest of the
// file, even once those workflows have closed, so they come after every test that needs skipped time.
void describe('the Delta commit of a batch (docs/design.md §12)', () => {
  void it('asks the topic\'s committer to commit every file the batch wrote, after waking its successor and before its alerts', async () => {
    const taskQueue = uniqueTaskQueue('delta-commit');
    const events: string[] = [];
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        commitDeltaBatches: async (input) => {
          events.push(`commit ${input.requests.map((r) => `${r.requester}:${r.keys.length}`).join(',')}`);
          return { commits: [{ table: 'silver/orders', version: 3, added: 1, removed: 0 }] };
        },
        sendAlerts: async () => {
          events.push('alerts');
          return { sent: 1, alreadySent: 0 };
        },
      }),
    );
    const result: BatchResult = await worker.runUntil(async () => {
      const batch: BatchResult = await env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(2, 0, 9), taskQueue));
      await alertWorkflowsClosed(env, [batch]);
      return batch;
    });
    assert.deepEqual(events, [`commit orders-2-0:${result.lakeKeys.length}`, 'alerts']);
    const history = await env.client.workflow.getHandle('orders-2-0').fetchHistory();
    const answered = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'deltaCommitted') ?? [];
    assert.equal(answered.length, 1, 'the committer answered once');
  });

  void it('fails a batch whose files cannot be committed, as DeltaCommitFailed, and sends no mail', async () => {
    const taskQueue = uniqueTaskQueue('delta-commit-fails');
    let mailed = 0;
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        commitDeltaBatches: async () => {
          throw ApplicationFailure.nonRetryable('lake object silver/orders/x.parquet is missing', 'CorruptBatch');
        },
        sendAlerts: async () => {
          mailed++;
          return { sent: 1, alreadySent: 0 };
        },
      }),
    );
    await worker.runUntil(async () => {
      const error = await env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(5, 0, 9), taskQueue)).catch((e: unknown) => e);
      assert.ok(error instanceof WorkflowFailedError, String(error));
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'DeltaCommitFailed');
      assert.match(error.cause.message, /silver\/orders\/x.parquet is missing/);
    });
    assert.equal(mailed, 0);
  });
});

void describe('the alerts of a batch, off its critical path (docs/design.md §2 step 6)', () => {
  void it('completes while SMTP is down, handing its alerts to alerts-<batchId>, which retries until the mails go out', async () => {
    const taskQueue = uniqueTaskQueue('alerts-off-path');
    let attempts = 0;
    let smtpUp = false;
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        sendAlerts: async () => {
          attempts++;
          if (!smtpUp) throw ApplicationFailure.retryable('connect ECONNREFUSED 127.0.0.1:1', 'Error');
          return { sent: 1, alreadySent: 0 };
        },
      }),
    );
    await worker.runUntil(async () => {
      const result: BatchResult = await env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(6, 0, 9), taskQueue));
      assert.equal(result.alertsWorkflowId, 'alerts-orders-6-0');
      assert.equal(result.alertsSent, undefined, 'the batch no longer counts mails');
      const history = await env.client.workflow.getHandle('orders-6-0').fetchHistory();
      const scheduled = history.events?.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []) ?? [];
      assert.ok(!scheduled.includes('sendAlerts'), `the batch ran no mail activity: ${scheduled.join(', ')}`);

      const alerts = env.client.workflow.getHandle('alerts-orders-6-0');
      await waitFor('the alert workflow to retry the mails', () => attempts >= 2);
      assert.equal((await alerts.describe()).status.name, 'RUNNING');
      smtpUp = true;
      assert.deepEqual(await alerts.result(), { sent: 1, alreadySent: 0 });
    });
  });

  void it('finds its alert workflow already running when the batch is run again, and starts no second one', async () => {
    const taskQueue = uniqueTaskQueue('alerts-rerun');
    let smtpUp = false;
    const inputs: string[] = [];
    const worker = await createTestWorker(
      env,
      taskQueue,
      stubActivities({
        sendAlerts: async (input) => {
          inputs.push(input.batchId);
          if (!smtpUp) throw ApplicationFailure.retryable('connect ECONNREFUSED 127.0.0.1:1', 'Error');
          return { sent: 1, alreadySent: 0 };
        },
      }),
    );
    await worker.runUntil(async () => {
      const first: BatchResult = await env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(7, 0, 9), taskQueue));
      const again: BatchResult = await env.client.workflow.execute('processOrderBatch', batchStartOptions(batchInput(7, 0, 9), taskQueue));
      assert.equal(again.alertsWorkflowId, first.alertsWorkflowId);
      const alerts = env.client.workflow.getHandle(first.alertsWorkflowId!);
      const description = await alerts.describe();
      assert.equal(description.status.name, 'RUNNING');
      smtpUp = true;
      await alerts.result();
      const runs = await alerts.fetchHistory();
      assert.ok((runs.events?.length ?? 0) > 0);
      assert.ok(inputs.every((id) => id === 'orders-7-0'));
      // One run of the alert workflow: its first execution is still the latest.
      assert.equal((await alerts.describe()).runId, description.runId);
    });
  });
});
