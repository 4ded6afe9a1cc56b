// The lake-maintenance workflow on the time-skipping test server (docs/design.md §12,
// "Maintenance"): OPTIMIZE round after round through the topic's committer until no table has a
// group left, and a run that spends its round budget hands the rest to a fresh run of itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OPTIMIZE_MAX_ROUNDS_PER_RUN, type LakeMaintenanceInput, type LakeMaintenanceResult } from '../../src/contract/lake-maintenance.ts';
import type { CompactionRequest } from '../../src/contract/delta-commit.ts';
import { createTestWorker, startTimeSkippingServer, stubActivities, uniqueTaskQueue } from '../helpers/workflow-env.ts';

let env: TestWorkflowEnvironment;

before(async () => {
  env = await startTimeSkippingServer();
});

after(async () => {
  await env?.teardown();
});

/** A table with `groups` groups to compact, 16 a round, each of 256 sources; the committer's stub commits every requested group. */
function backlog(groups: number) {
  let left = groups;
  const calls: number[] = [];
  let vacuums = 0;
  const activities = stubActivities({
    writeCompactedFiles: async ({ nowMs }) => {
      calls.push(nowMs);
      const now = Math.min(16, left);
      const requests: CompactionRequest[] = now > 0 ? [{ table: 'silver/orders', groups: Array.from({ length: now }, (_, i) => ({ sources: [`s${left}-${i}`], target: `t${left}-${i}` })) }] : [];
      return { requests, planned: now > 0 ? [{ table: 'silver/orders', files: now * 256, into: now, rows: now * 1000 }] : [], more: left > 16 };
    },
    commitDeltaBatches: async (input) => {
      const groups = input.requests.flatMap((r) => r.compact ?? []).reduce((n, c) => n + c.groups.length, 0);
      left -= groups;
      return { commits: groups > 0 ? [{ table: 'silver/orders', version: 100 - left, added: groups, removed: groups * 256, operation: 'OPTIMIZE' as const }] : [] };
    },
    vacuumTables: async () => {
      vacuums++;
      return [];
    },
  });
  return { activities, calls, vacuums: () => vacuums, left: () => left };
}

void describe('the lake-maintenance workflow', () => {
  void it('compacts round after round until no table has a group left, then vacuums once', async () => {
    const taskQueue = uniqueTaskQueue('maintenance');
    const table = backlog(40);
    const worker = await createTestWorker(env, taskQueue, table.activities);
    const result = await worker.runUntil(
      env.client.workflow.execute('lakeMaintenance', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ topic: `${taskQueue}-orders`, operations: ['optimize', 'vacuum'] } satisfies LakeMaintenanceInput] }),
    ) as LakeMaintenanceResult;
    assert.equal(table.left(), 0, 'every group committed');
    assert.equal(table.calls.length, 3, 'three rounds: 16 + 16 + 8 groups');
    assert.equal(result.optimized?.rounds, 3);
    assert.equal(result.optimized?.handedOver, false);
    assert.deepEqual(result.optimized?.planned, [{ table: 'silver/orders', files: 40 * 256, into: 40, rows: 40_000 }], 'the rounds summed per table');
    assert.deepEqual(result.optimized?.tables.map((t) => [t.table, t.removed, t.added]), [['silver/orders', 40 * 256, 40]]);
    assert.equal(table.vacuums(), 1);
  });

  void it('hands the rest to a fresh run once a run has spent its rounds, which vacuums first and carries on at once', async () => {
    const taskQueue = uniqueTaskQueue('maintenance');
    const groups = 16 * (OPTIMIZE_MAX_ROUNDS_PER_RUN + 5);
    const table = backlog(groups);
    const worker = await createTestWorker(env, taskQueue, table.activities);
    const result = await worker.runUntil(
      env.client.workflow.execute('lakeMaintenance', { taskQueue, workflowId: `${taskQueue}-run`, args: [{ topic: `${taskQueue}-orders`, operations: ['optimize', 'vacuum'] } satisfies LakeMaintenanceInput] }),
    ) as LakeMaintenanceResult;
    assert.equal(table.left(), 0, 'every group committed, across the two runs');
    assert.equal(table.vacuums(), 2, 'each run vacuumed');
    assert.equal(result.optimized?.rounds, 5, 'the last run (the result followed across continue-as-new) did the 5 rounds left');
  });
});
