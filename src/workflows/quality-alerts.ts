// The data-quality mails of a topic (docs/design.md §3, docs/rules.md "Quality mails"): one run per
// topic (`quality-alerts-<topic>`), started by the first batch that hands it a breach
// (signal-with-start, src/activities/alert.ts). It is the topic's only sender of quality mails, so
// one breach episode makes one mail however many partitions' batches report it at once: the
// episodes are decided here, in order, and each mail goes through the idempotent send activity
// (sent-marker and fixed Message-ID) before the next findings are looked at. Batches never wait
// for it. It continues as new now and then so its history stays short; its state goes along.
import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { decideQualityMails, emptyQualityEpisodes, type QualityFinding } from '../domain/quality-episodes.ts';
import { QUALITY_FINDINGS_SIGNAL, type QualityAlertsInput, type QualityFindingsSignal } from '../contract/batch.ts';

/** Findings handled by one run before it continues as new (each is one signal event, plus a few events per mail). */
const FINDINGS_PER_RUN = 500;

export const qualityFindings = defineSignal<[QualityFindingsSignal]>(QUALITY_FINDINGS_SIGNAL);

const mailer = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  // No attempt limit: a mail the episode decided must go out once SMTP and S3 are back.
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function qualityAlerts(input: QualityAlertsInput): Promise<void> {
  let state = input.state ?? emptyQualityEpisodes();
  let cooldownMs = input.cooldownMs;
  const pending: QualityFinding[] = [...(input.pending ?? [])];
  setHandler(qualityFindings, (signal: QualityFindingsSignal) => {
    pending.push(...signal.findings);
    cooldownMs = signal.cooldownMs;
  });

  let handled = 0;
  while (handled < FINDINGS_PER_RUN && !workflowInfo().continueAsNewSuggested) {
    await condition(() => pending.length > 0);
    const findings = pending.splice(0, pending.length);
    handled += findings.length;
    const decided = decideQualityMails(state, findings, { topic: input.topic, cooldownMs });
    state = decided.state;
    for (const mail of decided.mails) await mailer.sendQualityAlert({ topic: input.topic, mail });
  }
  // Findings that arrive from here on are in `pending` (or make the server retry this task with them).
  await continueAsNew<typeof qualityAlerts>({ topic: input.topic, cooldownMs, state, pending });
}
