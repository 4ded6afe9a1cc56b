// Replays every recorded history (test/fixtures/histories/, `npm run record-histories`) against
// the workflow code as it is now. A change that would make runs already in flight fail on the
// next worker (an activity, timer or signal added, removed or moved without `patched()`) fails
// here with the SDK's DeterminismViolationError naming the first command that no longer matches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { readHistoryFixtures } from '../helpers/history-fixtures.ts';
import { currentWorkflowBundle, quietTemporalRuntime } from '../helpers/workflow-env.ts';

void describe('recorded workflow histories', () => {
  const fixtures = readHistoryFixtures();

  void it('cover the batch workflow (plain, woken by signal, blocked, alerts handed off) and the backfill with its children', () => {
    const types = fixtures.map((f) => f.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name);
    assert.ok(types.filter((t) => t === 'processOrderBatch').length >= 3, 'three batch histories or more');
    assert.ok(types.includes('sendBatchAlerts'), 'a batch\'s alert workflow');
    assert.ok(types.includes('backfillOrders'), 'a backfill parent');
    assert.ok(types.includes('backfillPartitionDay'), 'a backfill child');
  });

  void it('replay without a determinism error on the current workflow code', async () => {
    quietTemporalRuntime();
    const results = Worker.runReplayHistories(
      { workflowBundle: await currentWorkflowBundle(), replayName: 'replay-test' },
      fixtures.map((f) => ({ workflowId: f.workflowId, history: f.history })),
    );
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of results) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    assert.equal(replayed, fixtures.length);
    if (failures.length > 0) assert.fail(`histories that no longer replay (guard the change with patched(), see docs/design.md §2):\n${failures.join('\n')}`);
  });
});
