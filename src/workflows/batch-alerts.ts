// The alerts of one batch (docs/design.md §2, "Alerts off the batch's critical path"), in a
// workflow of their own so that a slow or unreachable SMTP server never keeps a batch open, never
// holds back the bridge's backpressure, and never delays the partition's next batch or the lake.
//
// One run per batch (`alerts-<batchId>`), started by the batch after its Delta commit with
// ParentClosePolicy.ABANDON, rather than one dispatcher per topic or partition fed by signals:
//  - the send-once guarantee is the sent-marker's (src/activities/alert.ts, docs/guarantees.md),
//    not the caller's, so many runs at once cannot send a mail twice, and this run adds nothing to
//    it: the same activity, the same markers, the same window;
//  - the id is a function of the batch, so a re-run batch finds its alerts already started (or, if
//    they finished, starts them again and every marker says "already sent");
//  - there is no long history to keep bounded (no continue-as-new, no carried state), and one
//    batch's failing alert (a corrupt lake object) does not stall the alerts of the batches after it;
//  - the data-quality mails already have their single sender per topic (quality-alerts.ts, which
//    must decide episodes in one place); this run only hands breaches over to it, as the batch did.
// The cost: one more workflow start per batch that has alerts (most batches have none).
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { DETERMINISTIC_FAILURE_TYPES } from '../contract/failure-types.ts';
import type { AlertInput, AlertResult } from '../contract/batch.ts';

const mailer = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  // sendAlerts heartbeats after every mail: a dead worker is noticed in 30 s.
  heartbeatTimeout: '30s',
  // No attempt limit: the batch's mails must go out once SMTP (or S3) is back, however long it
  // takes; the batch is long done. Bad data or a corrupt lake object fails at once, visibly.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: DETERMINISTIC_FAILURE_TYPES },
});

export async function sendBatchAlerts(input: AlertInput): Promise<AlertResult> {
  setCurrentDetails(`Sending the alerts of batch \`${input.batchId}\``);
  const result = await mailer.sendAlerts(input);
  setCurrentDetails(
    `Done: ${result.sent} mails sent, ${result.alreadySent} already sent before` +
      (result.queued ? `, ${result.queued} queued for the digest` : '') +
      (result.qualityFindings ? `, ${result.qualityFindings} quality findings handed to the topic's quality-alerts workflow` : ''),
  );
  return result;
}
