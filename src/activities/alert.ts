// Stage 4: one e-mail per fraud alert, and the batch's data-quality breaches handed to the topic's
// quality-alerts workflow, which mails once per episode (src/domain/quality-episodes.ts). Each
// mail is sent at most once as far
// as a marker can tell: the marker is checked before sending and written after the SMTP server
// accepted the mail. An S3 outage after acceptance does not send the mail again: the marker write
// is retried in place, not by retrying the activity (found by the chaos run, S3 killed right
// after an accept). The window left: the worker itself dies between acceptance and the marker
// write (milliseconds), or the SMTP server dies after storing a mail but before saying so; the
// retry then sends the mail again, with the same Message-ID, so the receiver can drop it.
import { cancellationSignal, heartbeat, sleep } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { digestEntryOf, renderFraudDigestEmail } from '../domain/alert-digest-email.ts';
import { renderFraudAlertEmail, renderQualityAlertEmail } from '../domain/alert-email.ts';
import { mailsOfAlertRow } from '../domain/fraud/evaluate.ts';
import type { DqMetricRow, FraudAlertRow, SilverOrderRow } from '../domain/rows.ts';
import { kafkaTsSpanOf, type QualityFinding, type QualityMail } from '../domain/quality-episodes.ts';
import { markerDayOf } from '../lake/keys.ts';
import { metrics } from '../metrics.ts';
import { workflowRunUrl } from '../contract/web-ui.ts';
import {
  QUALITY_FINDINGS_SIGNAL,
  qualityAlertsWorkflowId,
  type AlertInput,
  type AlertResult,
  type QualityAlertsInput,
  type QualityFindingsSignal,
} from '../contract/batch.ts';
import { namedOrderIds, type BatchIo } from './batch-io.ts';
import { flushDigest, queueForDigest } from './alert-digest.ts';
import type { ActivityDeps, OutgoingMail } from './deps.ts';
import { retryInPlace } from './retry-in-place.ts';
import { isMarkedSent, sentMarkerKey } from './sent-markers.ts';
import { forEachConcurrently } from './concurrently.ts';
import { SMTP_POOL_CONNECTIONS } from './smtp-transport.ts';

/** How long a sent mail's marker write is retried in place: an S3 restart, with room (heartbeats keep the activity alive). */
const MARKER_RETRY_MS = 90_000;

export function createAlertActivities(deps: ActivityDeps, io: BatchIo) {
  const { config } = deps;
  const runUrl = (batchId: string): string => workflowRunUrl(config.TEMPORAL_UI_URL, config.TEMPORAL_NAMESPACE, batchId);

  /**
   * Sends `mail` unless its marker says it was accepted before; returns whether it was sent now.
   * `day` is the mail's marker day (markerDayOf), a function of what decided the mail, so every
   * retry and replay checks and writes the same folder; undefined only for a digest of entries
   * queued before day folders, which keeps the flat marker.
   */
  const sendOnce = async (day: string | undefined, alertId: string, mail: OutgoingMail): Promise<boolean> => {
    const marker = sentMarkerKey(day, alertId);
    if (await isMarkedSent(deps.lake, day, alertId)) return false;
    // An attempt Temporal has given up on (timed out, its retry already running) must not send too.
    cancellationSignal().throwIfAborted();
    await deps.sendMail(mail);
    const body = new TextEncoder().encode(JSON.stringify({ alertId, messageId: mail.messageId, acceptedAt: new Date().toISOString() }));
    await retryInPlace(() => deps.lake.put(marker, body, 'application/json'), {
      forMs: MARKER_RETRY_MS,
      sleep: async (ms) => {
        heartbeat();
        await sleep(ms);
      },
    });
    return true;
  };

  return {
    async sendAlerts(input: AlertInput): Promise<AlertResult> {
      const links = { temporalRunUrl: runUrl(input.batchId), dashboardUrl: config.DASHBOARD_URL };
      const envelope = { from: config.ALERT_FROM, to: config.ALERT_TO };
      const result: AlertResult = { sent: 0, alreadySent: 0 };
      const count = (sent: boolean, kind: string): void => {
        if (sent) {
          result.sent++;
          metrics.alertsSent.inc({ kind });
        } else result.alreadySent++;
        heartbeat(result);
      };

      // The batch's Kafka time (from its quality check over every record, valid or not; read from
      // silver for a batch recorded before that was returned): the same on every retry and replay.
      // Read at most once per attempt: both the fraud mails and the quality hand-over may ask.
      let span: Promise<ReturnType<typeof kafkaTsSpanOf>> | undefined;
      const kafkaSpan = () => (span ??= input.kafkaTs ? Promise.resolve(input.kafkaTs) : io.readParts<SilverOrderRow>(input.silverKeys).then(kafkaTsSpanOf));
      const alerts = await io.readParts<FraudAlertRow>(input.fraudKeys);
      if (alerts.length > 0) {
        // Only the orders the alerts name, as the fraud stage kept them: a map of the batch's every
        // order held while the mails go out, in every batch's alert activity at once, was the largest
        // thing in the worker's heap, and the whole silver parts kept for it the next largest
        // (docs/benchmarks.md, "Derivations in flight" and "Worker memory").
        const orders = await io.ordersNamed(input.silverKeys, namedOrderIds(alerts));
        // The marker day of every mail this batch decided: the UTC date of the batch's first Kafka time.
        const batchKafkaTs = await kafkaSpan();
        const markerDay = batchKafkaTs ? markerDayOf(batchKafkaTs.first) : undefined;
        // One alert's mails go in order (a first mail before its escalation); different alerts' mails
        // are independent, so a few go at once over the pooled connections (smtp-transport.ts).
        const mailAlert = async (alert: FraudAlertRow): Promise<void> => {
          const flagged = alert.orderIds.split(',').map((id) => orders.get(id)).filter((o): o is SilverOrderRow => o !== undefined);
          // Each mail the batch decided for the alert (first mail or escalation); a row with none
          // is an update below the threshold or inside the cooldown: in the lake, not mailed.
          for (const mail of mailsOfAlertRow(alert)) {
            if (config.ALERT_DIGEST_MINUTES > 0) {
              // Digest mode: the mail waits in the outbox for the next digest (alert-digest.ts).
              if (await queueForDigest(deps.lake, input.topic, { ...digestEntryOf(alert, mail, runUrl(alert.batchId)), ...(markerDay ? { markerDay } : {}) })) result.queued = (result.queued ?? 0) + 1;
              heartbeat(result);
              continue;
            }
            const sent = await sendOnce(markerDay, mail.mailId, renderFraudAlertEmail(alert, flagged, links, envelope, mail));
            if (sent) {
              const newest = Math.max(...flagged.filter((o) => mail.orderIds.includes(o.orderId)).map((o) => o.kafkaTs));
              if (Number.isFinite(newest)) metrics.latencyToAlert.observe(Math.max(0, Date.now() - newest) / 1000);
            }
            count(sent, 'fraud');
          }
        };
        // Digest entries are queued one at a time, as before: there is no SMTP round trip to overlap.
        await forEachConcurrently(alerts, config.ALERT_DIGEST_MINUTES > 0 ? 1 : SMTP_POOL_CONNECTIONS, mailAlert);
      }

      const breaches = (await io.readParts<DqMetricRow>(input.dqKeys)).filter((m) => m.breached);
      if (breaches.length > 0) {
        // Not mailed here: batches of several partitions run at once, and one episode must make one
        // mail. The topic's quality-alerts workflow decides and sends (one sender); this batch only
        // hands its breaches over (a signal: milliseconds, not the mail). A retry hands them over
        // again; the workflow counts each batch's breach once.
        const batchSpan = (await kafkaSpan()) ?? { first: Date.now(), last: Date.now() };
        const findings: QualityFinding[] = breaches.map((breach) => ({ batchId: input.batchId, firstKafkaTs: batchSpan.first, lastKafkaTs: batchSpan.last, breach }));
        const signal: QualityFindingsSignal = { findings, cooldownMs: config.ALERT_COOLDOWN };
        const start: QualityAlertsInput = { topic: input.topic, cooldownMs: config.ALERT_COOLDOWN };
        const handOver = () =>
          deps.temporal.workflow.signalWithStart('qualityAlerts', {
            workflowId: qualityAlertsWorkflowId(input.topic),
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            args: [start],
            signal: QUALITY_FINDINGS_SIGNAL,
            signalArgs: [signal],
          });
        // Two partitions' first breaches can race to start the workflow; the loser signals the winner's run.
        await handOver().catch((error: unknown) => {
          if (error instanceof WorkflowExecutionAlreadyStartedError) return handOver();
          throw error;
        });
        result.qualityFindings = findings.length;
        heartbeat(result);
      }
      return result;
    },

    /** One data-quality mail the topic's quality-alerts workflow decided (its id fixed there), sent once. */
    async sendQualityAlert(input: { topic: string; mail: QualityMail }): Promise<{ sent: boolean }> {
      const { alertId, finding, episode } = input.mail;
      const links = { temporalRunUrl: runUrl(finding.batchId), dashboardUrl: config.DASHBOARD_URL };
      const envelope = { from: config.ALERT_FROM, to: config.ALERT_TO };
      // The finding (with its batch's Kafka time) is fixed in the quality-alerts workflow's history before the send.
      const sent = await sendOnce(markerDayOf(finding.firstKafkaTs), alertId, renderQualityAlertEmail(alertId, [finding.breach], links, envelope, episode));
      if (sent) metrics.alertsSent.inc({ kind: 'data-quality' });
      return { sent };
    },

    /** Digest mode: one mail listing the fraud mails queued since the last digest (run by the alertDigest workflow). */
    async sendAlertDigest(input: { topic: string }): Promise<{ digestId?: string; alerts: number }> {
      const envelope = { from: config.ALERT_FROM, to: config.ALERT_TO };
      const flushed = await flushDigest(deps.lake, input.topic, async (id, day, entries) => {
        if (await sendOnce(day, id, renderFraudDigestEmail(id, entries, config.DASHBOARD_URL, envelope))) metrics.alertsSent.inc({ kind: 'fraud-digest' });
      });
      return flushed ? { digestId: flushed.digestId, alerts: flushed.alerts } : { alerts: 0 };
    },
  };
}
