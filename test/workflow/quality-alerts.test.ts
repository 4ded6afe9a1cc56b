// The topic's quality-alerts workflow on the time-skipping test server: the one sender of the
// topic's data-quality mails, fed by signal-with-start as the batches' alert step does it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { QualityFinding, QualityMail } from '../../src/domain/quality-episodes.ts';
import { QUALITY_FINDINGS_SIGNAL, qualityAlertsWorkflowId, type QualityAlertsInput, type QualityFindingsSignal } from '../../src/contract/batch.ts';
import { waitFor } from '../helpers/wait.ts';
import { createTestWorker, startTimeSkippingServer, stubActivities, uniqueTaskQueue } from '../helpers/workflow-env.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);

let env: TestWorkflowEnvironment;

before(async () => {
  env = await startTimeSkippingServer();
});

after(async () => {
  await env?.teardown();
});

const finding = (partition: number, offset: number, at: number): QualityFinding => ({
  batchId: `orders-${partition}-${offset}`,
  firstKafkaTs: at,
  lastKafkaTs: at + 60_000,
  breach: { batchId: `orders-${partition}-${offset}`, check: 'schema', field: 'record', count: 40, total: 50, breached: true, rate: 0.8, maxRate: 0.05, detail: '{}' },
});

void describe('the quality-alerts workflow', () => {
  void it('sends one mail per episode for breaches handed over by many batches at once, across continue-as-new', async () => {
    const taskQueue = uniqueTaskQueue('quality');
    const topic = `${taskQueue}-orders`;
    const sent: QualityMail[] = [];
    const worker = await createTestWorker(env, taskQueue, stubActivities({
      sendQualityAlert: async (input) => {
        sent.push(input.mail);
        return { sent: true };
      },
    }));
    await worker.runUntil(async () => {
      try {
        const start: QualityAlertsInput = { topic, cooldownMs: HOUR };
        const handOver = (findings: QualityFinding[]) =>
          env.client.workflow.signalWithStart('qualityAlerts', {
            taskQueue,
            workflowId: qualityAlertsWorkflowId(topic),
            args: [start],
            signal: QUALITY_FINDINGS_SIGNAL,
            signalArgs: [{ findings, cooldownMs: HOUR } satisfies QualityFindingsSignal],
          });
        // Three partitions' batches report the same surge concurrently, some twice (retried steps).
        const surge = [0, 1, 2].flatMap((p) => [0, 100, 200].map((o) => finding(p, o, T0 + (o / 100) * 300_000 + p * 60_000)));
        // (the first starts the run: the test server, unlike Temporal's, can fail concurrent starts)
        await handOver([surge[0]!]);
        await Promise.all([...surge, surge[4]!].map((f) => handOver([f])));
        await waitFor('the surge mailed', async () => (sent.length >= 1 ? true : undefined), { timeoutMs: 10_000 });

        // More than one run's worth of findings of the same episode: the run continues as new, the episode goes along.
        const first = await env.client.workflow.getHandle(qualityAlertsWorkflowId(topic)).describe();
        await handOver(Array.from({ length: 520 }, (_, i) => finding(3, 1000 + i, T0 + 20 * 60_000)));
        await waitFor('a new run', async () => ((await env.client.workflow.getHandle(qualityAlertsWorkflowId(topic)).describe()).runId !== first.runId ? true : undefined), { timeoutMs: 10_000 });

        // A breach after a quiet hour of Kafka time: a new episode.
        await handOver([finding(1, 900, T0 + 3 * HOUR)]);
        await waitFor('the second episode mailed', async () => (sent.length >= 2 ? true : undefined), { timeoutMs: 10_000 });
        await env.sleep('1 minute');
      } finally {
        // The workflow never ends on its own: stop it, or it would outlive the test.
        await env.client.workflow.getHandle(qualityAlertsWorkflowId(topic)).terminate('test over').catch(() => undefined);
      }
    });
    assert.deepEqual(
      sent.map((m) => m.alertId),
      [`${topic}:dq:schema:record:${new Date(T0).toISOString()}:1`, `${topic}:dq:schema:record:${new Date(T0 + 3 * HOUR).toISOString()}:1`],
    );
  });
});
