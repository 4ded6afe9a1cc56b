// The fraud digest mail (docs/contract.md §3, ALERT_DIGEST_MINUTES > 0): the fraud mails held back
// since the last digest, in one message. Pure, like the single alert mails in alert-email.ts,
// whose escaping, tables and headers it shares.
import { createHash } from 'node:crypto';
import { formatUtc } from './fraud/describe.ts';
import type { FraudMail } from './fraud/evaluate.ts';
import type { FraudAlertRow } from './rows.ts';
import { ALERT_ID_HEADER, ALERT_KIND_HEADER, type AlertEmail, type AlertEnvelope, alertMessageId, escapeHtml, headerSafe, htmlDocument, htmlLink, STYLE, textTable } from './alert-email.ts';

/** One fraud mail, held back for the digest: what the digest lists about it. */
export interface DigestEntry {
  mailId: string;
  alertId: string;
  customerId: string;
  rules: string[];
  severity: string;
  score: number;
  orders: number;
  windowStart: number;
  windowEnd: number;
  escalatedFrom: string | null;
  batchId: string;
  /** The batch's run in the Temporal Web UI. */
  runUrl: string;
}

/** The digest's id: from the mails it lists, so a retry of the same digest has the same Message-ID. */
export function digestId(topic: string, entries: readonly Pick<DigestEntry, 'mailId'>[]): string {
  const ids = entries.map((e) => e.mailId).sort();
  return `${topic}:digest:${createHash('sha256').update(ids.join('\0'), 'utf8').digest('hex').slice(0, 20)}`;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

/**
 * One mail listing the fraud mails held back since the last digest (ALERT_DIGEST_MINUTES), most
 * severe first, each with its batch's run and the dashboard as links.
 */
export function renderFraudDigestEmail(id: string, entries: readonly DigestEntry[], dashboardUrl: string, envelope: AlertEnvelope): AlertEmail {
  const sorted = [...entries].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || a.windowEnd - b.windowEnd || (a.mailId < b.mailId ? -1 : 1),
  );
  const counts = SEVERITY_ORDER.map((s) => [s, sorted.filter((e) => e.severity === s).length] as const).filter(([, n]) => n > 0);
  const subject = headerSafe(`[fraud-digest] ${sorted.length} fraud alert${sorted.length === 1 ? '' : 's'}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`, 250);
  const header = ['severity', 'customer', 'rules', 'orders', 'window', 'alert id', 'batch'];
  const cells = sorted.map((e) => [
    e.escalatedFrom ? `${e.severity} (was ${e.escalatedFrom})` : e.severity,
    e.customerId,
    e.rules.join(', '),
    String(e.orders),
    `${formatUtc(e.windowStart)} to ${formatUtc(e.windowEnd)}`,
    e.alertId,
    e.batchId,
  ]);
  const text = [
    `Fraud alerts since the last digest: ${sorted.length}`,
    '',
    textTable(header, cells),
    '',
    'Batch runs in Temporal:',
    ...sorted.map((e) => `  ${e.batchId}: ${e.runUrl}`).filter((line, i, all) => all.indexOf(line) === i),
    `Dashboard: ${dashboardUrl}`,
    '',
    '-- ',
    'streaming-orders fraud digest (ALERT_DIGEST_MINUTES): every fraud mail of the period in one message.',
    '',
  ].join('\n');
  const html = htmlDocument(
    subject,
    [
      `<h2 style="margin: 0 0 8px;">Fraud alerts since the last digest: ${sorted.length}</h2>`,
      `<table style="${STYLE.table}">`,
      `<tr>${header.map((h) => `<th style="${STYLE.th}">${escapeHtml(h)}</th>`).join('')}</tr>`,
      ...sorted.map((e, i) => {
        const row = cells[i]!;
        return `<tr>${row.map((c, j) => `<td style="${j === 3 ? STYLE.num : STYLE.td}">${j === 6 ? htmlLink(e.runUrl, c) : escapeHtml(c)}</td>`).join('')}</tr>`;
      }),
      '</table>',
      `<p>${htmlLink(dashboardUrl, 'Dashboard')}</p>`,
      `<p style="${STYLE.muted}">streaming-orders fraud digest (ALERT_DIGEST_MINUTES): every fraud mail of the period in one message.</p>`,
    ].join('\n'),
  );
  return {
    from: envelope.from,
    to: envelope.to,
    subject,
    text,
    html,
    messageId: alertMessageId(id),
    headers: { [ALERT_ID_HEADER]: headerSafe(id), [ALERT_KIND_HEADER]: 'fraud-digest' },
  };
}

/** What the digest lists about a fraud mail. */
export function digestEntryOf(row: FraudAlertRow, mail: FraudMail, runUrl: string): DigestEntry {
  return {
    mailId: mail.mailId,
    alertId: row.alertId,
    customerId: row.customerId,
    rules: mail.rules,
    severity: mail.severity,
    score: mail.score,
    orders: mail.orderIds.length,
    windowStart: mail.windowStart,
    windowEnd: mail.windowEnd,
    escalatedFrom: mail.escalatedFrom,
    batchId: row.batchId,
    runUrl,
  };
}
