// The digest workflow (ALERT_DIGEST_MINUTES) on the time-skipping test server: one digest every N
// minutes, none before the first period is over.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { alertDigestWorkflowId, type AlertDigestInput } from '../../src/contract/batch.ts';
import { waitFor } from '../helpers/wait.ts';
import { createTestWorker, startTimeSkippingServer, stubActivities, uniqueTaskQueue } from '../helpers/workflow-env.ts';

let env: TestWorkflowEnvironment;

before(async () => {
  env = await startTimeSkippingServer();
});

after(async () => {
  await env?.teardown();
});

void describe('the fraud digest workflow', () => {
  void it('sends a digest of the topic every N minutes', async () => {
    const taskQueue = uniqueTaskQueue('digest');
    const topics: string[] = [];
    const worker = await createTestWorker(env, taskQueue, stubActivities({
      sendAlertDigest: async (input) => {
        topics.push(input.topic);
        return { alerts: 0 };
      },
    }));
    await worker.runUntil(async () => {
      const input: AlertDigestInput = { topic: 'orders-digest', everyMinutes: 5 };
      const handle = await env.client.workflow.start('alertDigest', { taskQueue, workflowId: alertDigestWorkflowId(input.topic), args: [input] });
      await env.sleep('4 minutes');
      assert.equal(topics.length, 0, 'nothing before the first period is over');
      await env.sleep('12 minutes');
      await waitFor('three digests in 16 minutes', async () => (topics.length >= 3 ? true : undefined), { timeoutMs: 10_000 });
      await handle.terminate('test over');
    });
    assert.deepEqual(topics, ['orders-digest', 'orders-digest', 'orders-digest']);
  });
});
