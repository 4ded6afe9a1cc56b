// Alerts off the batch's critical path (docs/design.md §2 step 6), on the real stack: with the
// workers' SMTP server unreachable, every batch still completes and its orders are in the Delta
// silver table, while each batch's alert workflow (`alerts-<batchId>`) keeps retrying; once the
// workers can reach SMTP again, every fraud mail arrives in maildev exactly once. Then the
// sent-markers (docs/lake.md, "Sent-markers"): each mail's marker is in the day folder of its batch's
// Kafka date; an alert workflow run again sends nothing, also for a mail whose marker is only under
// the flat key of before day folders; and the lake maintenance deletes a day folder past retention
// and keeps the recent ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { AlertResult, BatchResult } from '../../src/contract/batch.ts';
import { mailsOfAlertRow } from '../../src/domain/fraud/evaluate.ts';
import { datesBetween } from '../../src/domain/dates.ts';
import { alertSentKey, legacyAlertSentKey, markerDayOf } from '../../src/lake/keys.ts';
import { openLake } from '../../src/lake/store.ts';
import { runLakeMaintenanceNow } from '../../src/temporal/lake-maintenance.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { freePort } from '../helpers/processes.ts';
import { caughtMail } from '../helpers/services.ts';
import { waitFor } from '../helpers/wait.ts';

const ORDERS = 1500;
/** Event time well in the past of the Kafka timestamps, so the fraud rules see hours of history. */
const START_MS = Math.floor((Date.now() - 8 * 3_600_000) / 60_000) * 60_000;

describe('alerts while the SMTP server is down', { timeout: 900_000 }, () => {
  it('lets every batch complete into the Delta silver table, and mails each alert exactly once when SMTP is back', async (t) => {
    const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '200', BATCH_MAX_WAIT_MS: '500' });
    // Nothing listens on a port freePort() just handed back: connections are refused, as with an SMTP server that is down.
    const closedPort = await freePort();
    try {
      await pipeline.start({ workerEnv: { SMTP_URL: `smtp://127.0.0.1:${closedPort}` } });
      const simulated = await pipeline.simulate({ count: ORDERS, rate: 1500, seed: 14, anomalyRate: 0.05, startMs: START_MS, dailyRhythm: false });

      // 1. SMTP down: the batches complete anyway, and their orders are visible in silver.
      const runs = await pipeline.waitUntilDrained(300_000);
      assert.ok(runs.every((r) => r.status === 'COMPLETED'), `every batch completed: ${runs.filter((r) => r.status !== 'COMPLETED').map((r) => `${r.workflowId} ${r.status}`).join(', ')}`);
      const client = await pipeline.client();
      const results = await Promise.all(runs.map(async (r) => (await client.workflow.getHandle(r.workflowId).result()) as BatchResult));
      const handedOff = results.flatMap((r) => r.alertsWorkflowId ?? []);
      assert.ok(handedOff.length > 0, 'some batches had alerts to hand over');
      assert.ok(results.every((r) => (r.alertsSent ?? 0) === 0), 'no batch sent mail itself');
      const [silver] = await queryLake(pipeline.config, 'SELECT count(*) AS n FROM {silver/orders}');
      const distinct = simulated.valid - (simulated.perAnomaly['duplicate-order'] ?? 0);
      assert.equal(Number(silver!.n), distinct, 'every valid order is in the Delta silver table while SMTP is down');

      const alertRuns = async (): Promise<WorkflowExecutionInfo[]> => {
        const infos: WorkflowExecutionInfo[] = [];
        for await (const info of client.workflow.list({ query: `WorkflowType = "sendBatchAlerts" AND WorkflowId STARTS_WITH "alerts-${pipeline.config.KAFKA_TOPIC}-"` })) infos.push(info);
        return infos;
      };
      const retrying = await waitFor('an alert workflow to be retrying its mails', async () => {
        for (const id of handedOff) {
          const description = await client.workflow.getHandle(id).describe();
          const attempt = description.raw.pendingActivities?.[0]?.attempt ?? 0;
          if (description.status.name === 'RUNNING' && attempt >= 2) return { id, attempt };
        }
        return undefined;
      }, { timeoutMs: 60_000 });
      t.diagnostic(`${runs.length} batches completed, ${handedOff.length} alert workflows; ${retrying.id} at attempt ${retrying.attempt}`);
      const ours = async () => (await caughtMail(pipeline.config)).filter((m) => m.to.some((to) => to.address === pipeline.config.ALERT_TO) && m.subject.startsWith('[fraud]'));
      assert.equal((await ours()).length, 0, 'no mail got through while SMTP was down');

      // 2. SMTP back (workers that can reach it): every mail the alert rows ask for, once.
      await pipeline.replaceWorkers({});
      const all = await queryLake(pipeline.config, 'SELECT mails FROM {gold/fraud_alerts}');
      const expectedMails = all.reduce((n, r) => n + mailsOfAlertRow({ mails: r.mails === null ? null : String(r.mails) }).length, 0);
      assert.ok(expectedMails > 0, 'the stream raised fraud mails');
      await waitFor('every alert workflow to complete', async () => {
        const infos = await alertRuns();
        return infos.length === new Set(handedOff).size && infos.every((i) => i.status.name === 'COMPLETED') ? infos : undefined;
      }, { timeoutMs: 180_000, intervalMs: 2000 });
      const alertResults = await Promise.all([...new Set(handedOff)].map(async (id) => (await client.workflow.getHandle(id).result()) as AlertResult));
      const sent = alertResults.reduce((n, r) => n + r.sent, 0);
      assert.equal(sent, expectedMails, 'the alert workflows\' results count every mail sent');
      const mails = await waitFor('every fraud mail in maildev', async () => ((await ours()).length >= expectedMails ? ours() : undefined), { timeoutMs: 30_000 });
      assert.equal(mails.length, expectedMails, 'each mail arrived once');
      const messageIds = mails.map((m) => String(m.headers?.['message-id'] ?? ''));
      assert.ok(messageIds.every(Boolean), 'every mail has a Message-ID');
      assert.equal(new Set(messageIds).size, messageIds.length, `repeated Message-IDs among ${messageIds.length} mails`);

      // 3. Each mail's marker is in the day folder of its batch's Kafka date, none under the flat key.
      const lake = openLake(pipeline.config);
      const mailIds = all.flatMap((r) => mailsOfAlertRow({ mails: r.mails === null ? null : String(r.mails) }).map((m) => m.mailId));
      const [span] = await queryLake(pipeline.config, 'SELECT epoch_ms(min(kafkaTs)) AS first, epoch_ms(max(kafkaTs)) AS last FROM {silver/orders}');
      const kafkaDays = datesBetween(markerDayOf(Number(span!.first)), markerDayOf(Number(span!.last)));
      const markers = new Set(await lake.list('alerts/sent/'));
      const dayOfMail = new Map<string, string>();
      for (const id of mailIds) {
        const day = kafkaDays.find((d) => markers.has(alertSentKey(d, id)));
        assert.ok(day, `the marker of ${id} is in a day folder of the run's Kafka dates (${kafkaDays.join(', ')}); markers: ${[...markers].slice(0, 5).join(', ')}`);
        assert.equal(markers.has(legacyAlertSentKey(id)), false, `no flat marker for ${id}`);
        dayOfMail.set(id, day);
      }

      // 4. An alert workflow run again (as a re-run batch starts it) sends nothing; one of its mails has
      // only a flat marker now, as a mail sent before day folders had.
      const doneOnce = alertResults.findIndex((r) => r.sent > 0);
      const again = [...new Set(handedOff)][doneOnce]!;
      const history = await client.workflow.getHandle(again).fetchHistory();
      const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      const args = payloads.map((p) => defaultPayloadConverter.fromPayload(p));
      const batchId = again.slice('alerts-'.length);
      const rowsOfBatch = await queryLake(pipeline.config, `SELECT mails FROM {gold/fraud_alerts} WHERE batchId = '${batchId}'`);
      const firstMailOf = rowsOfBatch.flatMap((r) => mailsOfAlertRow({ mails: r.mails === null ? null : String(r.mails) }).map((m) => m.mailId))[0];
      assert.ok(firstMailOf, `${batchId} decided a mail`);
      const dayKey = alertSentKey(dayOfMail.get(firstMailOf)!, firstMailOf);
      const body = await lake.get(dayKey);
      await lake.put(legacyAlertSentKey(firstMailOf), body!, 'application/json');
      await lake.delete(dayKey);
      const rerun = (await client.workflow.execute('sendBatchAlerts', { workflowId: `${again}-again`, taskQueue: pipeline.config.TEMPORAL_TASK_QUEUE, args })) as AlertResult;
      assert.deepEqual({ sent: rerun.sent, alreadySent: rerun.alreadySent }, { sent: 0, alreadySent: alertResults[doneOnce]!.sent + alertResults[doneOnce]!.alreadySent }, 'the re-run finds every marker, the flat one included');
      assert.equal((await ours()).length, expectedMails, 'no mail was sent a second time');

      // 5. The maintenance deletes a day folder past retention (8 days with STATE_RETENTION_HOURS=168) and keeps the recent ones.
      const dayMs = 86_400_000;
      const oldDay = markerDayOf(Date.now() - 30 * dayMs);
      const keptDay = markerDayOf(Date.now() - 7 * dayMs);
      await lake.put(alertSentKey(oldDay, 'retention-test:1'), new TextEncoder().encode('{}'), 'application/json');
      await lake.put(alertSentKey(oldDay, 'retention-test:2'), new TextEncoder().encode('{}'), 'application/json');
      await lake.put(alertSentKey(keptDay, 'retention-test:3'), new TextEncoder().encode('{}'), 'application/json');
      const { result } = await runLakeMaintenanceNow(client, pipeline.config, ['vacuum']);
      t.diagnostic(`maintenance: ${JSON.stringify(result.vacuumed?.alertMarkers)}`);
      assert.deepEqual(result.vacuumed?.alertMarkers, { retentionDays: 8, days: [oldDay], markers: 2 }, 'the result names the day deleted and its markers');
      assert.deepEqual(await lake.list(`alerts/sent/day=${oldDay}/`), [], 'the old day folder is gone');
      assert.equal(await lake.exists(alertSentKey(keptDay, 'retention-test:3')), true, 'a day within retention is kept');
      for (const [id, day] of dayOfMail) if (id !== firstMailOf) assert.equal(await lake.exists(alertSentKey(day, id)), true, `the run's marker of ${id} is kept`);
      assert.equal(await lake.exists(legacyAlertSentKey(firstMailOf)), true, 'flat markers are left alone');
    } finally {
      await pipeline.stop();
    }
  });
});
