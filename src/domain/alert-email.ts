// The alert e-mails (docs/contract.md §3), rendered as plain text and HTML from gold rows. Pure: the alert
// activity sends what this returns. Every value that came from an order is escaped in the HTML
// and stripped of line breaks in headers; the Message-ID is derived from the alert id alone, so a
// re-sent alert is recognisably the same mail.
import { createHash } from 'node:crypto';
import { describeEvidence, formatUsd, formatUtc } from './fraud/describe.ts';
import { CRYPTO_METHODS } from './order.ts';
import type { FraudMail } from './fraud/evaluate.ts';
import type { DqMetricRow, FraudAlertRow, SilverOrderRow } from './rows.ts';

export interface AlertLinks {
  /** The batch's run in the Temporal Web UI. */
  temporalRunUrl: string;
  dashboardUrl: string;
}

export interface AlertEnvelope {
  from: string;
  /** Comma-separated recipients. */
  to: string;
}

export interface AlertEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<hash@streaming-orders>`, from the alert id. */
  messageId: string;
  headers: Record<string, string>;
}

export const MESSAGE_ID_DOMAIN = 'streaming-orders';
export const ALERT_ID_HEADER = 'X-Streaming-Orders-Alert-Id';
export const ALERT_KIND_HEADER = 'X-Streaming-Orders-Alert-Kind';
export const BATCH_ID_HEADER = 'X-Streaming-Orders-Batch-Id';

/** Deterministic Message-ID of an alert: the same alert id always gives the same id. */
export function alertMessageId(alertId: string): string {
  return `<${createHash('sha256').update(alertId, 'utf8').digest('hex').slice(0, 40)}@${MESSAGE_ID_DOMAIN}>`;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A header-safe one-liner: control characters (CR/LF included) become spaces, length capped. */
export function headerSafe(value: string, maxLength = 200): string {
  // C0, DEL and C1 controls, line separators, and the bidi controls that can make a subject read
  // differently from what it says (U+202E reverses the text after it).
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

/** A link only for http(s) URLs; anything else is shown as text. */
export function htmlLink(url: string, label: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : `${escapeHtml(label)}: ${escapeHtml(url)}`;
}

export const STYLE = {
  body: 'font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; font-size: 14px; color: #1f2328; line-height: 1.45;',
  table: 'border-collapse: collapse; margin: 8px 0 16px;',
  th: 'text-align: left; padding: 4px 10px; border-bottom: 2px solid #d0d7de; background: #f6f8fa;',
  td: 'padding: 4px 10px; border-bottom: 1px solid #d0d7de; vertical-align: top;',
  num: 'padding: 4px 10px; border-bottom: 1px solid #d0d7de; text-align: right; white-space: nowrap;',
  muted: 'color: #656d76; font-size: 12px;',
};

export function htmlDocument(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body style="${STYLE.body}">\n${body}\n</body></html>\n`;
}

function htmlTable(header: readonly string[], rows: readonly (readonly { text: string; numeric?: boolean }[])[]): string {
  const head = `<tr>${header.map((h) => `<th style="${STYLE.th}">${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td style="${c.numeric ? STYLE.num : STYLE.td}">${escapeHtml(c.text)}</td>`).join('')}</tr>`).join('\n');
  return `<table style="${STYLE.table}">\n${head}\n${body}\n</table>`;
}

/** Aligned plain-text columns. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

const FRAUD_FOOTER =
  'streaming-orders fraud rules (config/fraud-rules.json). One alert per customer and ALERT_WINDOW of event time; mailed again only when its severity rises, and not within ALERT_COOLDOWN of a mail for the same rules.';

const place = (o: SilverOrderRow): string => [o.shippingStreet, o.city, o.country].filter((p) => p !== '').join(', ');
const CRYPTO: ReadonlySet<string> = new Set<string>(CRYPTO_METHODS);
/** USD, and for crypto payments the amount in the coin beside it. */
const amount = (o: SilverOrderRow): string => (CRYPTO.has(o.paymentMethod) ? `${formatUsd(o.totalAmountUsd)} (${o.totalAmount} ${o.paymentMethod})` : formatUsd(o.totalAmountUsd));

/**
 * The alert as one of its mails saw it: the rules, orders and window at the hit that made the mail
 * due, not the row's state at the end of the batch, so the mail reads the same however the stream
 * was batched. The evidence keeps only the mail's rules.
 */
function alertAsMailed(alert: FraudAlertRow, mail: FraudMail): FraudAlertRow {
  let evidence = alert.evidence;
  try {
    const all = JSON.parse(alert.evidence) as Record<string, unknown>;
    evidence = JSON.stringify(Object.fromEntries(mail.rules.filter((r) => r in all).map((r) => [r, all[r]])));
  } catch {
    // Unreadable evidence is shown as it is.
  }
  return { ...alert, ruleId: mail.rules.join(','), severity: mail.severity, score: mail.score, windowStart: mail.windowStart, windowEnd: mail.windowEnd, orderIds: mail.orderIds.join(','), evidence };
}

/**
 * The mail for a fraud alert. `mail` is one of the mails the alert row asks for (its `mails`
 * column); without it (rows from before alerts spanned batches) the row is mailed as it is.
 * `orders`: the silver rows at hand for the flagged orders (those of the mail's batch); the others
 * are listed by id.
 */
export function renderFraudAlertEmail(row: FraudAlertRow, orders: readonly SilverOrderRow[], links: AlertLinks, envelope: AlertEnvelope, mail?: FraudMail): AlertEmail {
  const alert = mail ? alertAsMailed(row, mail) : row;
  const wanted = new Set(alert.orderIds.split(','));
  const flagged = orders.filter((o) => wanted.has(o.orderId)).sort((a, b) => a.orderTs - b.orderTs || (a.orderId < b.orderId ? -1 : 1));
  const shown = new Set(flagged.map((o) => o.orderId));
  const earlier = alert.orderIds.split(',').filter((id) => id !== '' && !shown.has(id));
  const rules = alert.ruleId.split(',').filter(Boolean);
  const totalUsd = flagged.reduce((sum, o) => sum + Math.round(o.totalAmountUsd * 100), 0) / 100;
  const who = flagged[0];
  const customerLine = who && who.customerName !== '' ? `${who.customerName} (segment ${who.customerSegment || 'unknown'}, home ${who.homeCity}, ${who.homeCountry})` : 'not in the customer dimension';
  const orderCount = flagged.length + earlier.length;

  // Only what the alert says goes into the subject (no sum over the orders at hand, which depends
  // on the batch), so the same stream gives the same subjects however it is batched.
  const escalation = mail?.escalatedFrom ? `escalated ${mail.escalatedFrom} → ${alert.severity}: ` : '';
  const subject = headerSafe(
    `[fraud] ${escalation}customer ${headerSafe(alert.customerId, 64)}: ${rules.join(', ')} (${alert.severity}, ${orderCount} order${orderCount === 1 ? '' : 's'})`,
    250,
  );
  const findings = describeEvidence(alert.evidence);
  const orderHeader = ['order', 'time', 'amount USD', 'payment', 'status', 'ships to', 'km from home', 'message'];
  const orderCells = flagged.map((o) => [
    o.orderId,
    formatUtc(o.orderTs),
    amount(o),
    `${o.paymentMethod} ${o.paymentStatus}`,
    o.orderStatus,
    place(o),
    o.distanceFromHomeKm === null ? '—' : String(o.distanceFromHomeKm),
    o.message,
  ]);
  const window = `${formatUtc(alert.windowStart)} to ${formatUtc(alert.windowEnd)}`;

  const text = [
    `Fraud alert for customer ${alert.customerId}`,
    '',
    `Customer:  ${customerLine}`,
    `Rules:     ${rules.join(', ')}`,
    `Severity:  ${alert.severity} (score ${alert.score})${mail?.escalatedFrom ? `, escalated from ${mail.escalatedFrom}` : ''}`,
    `Window:    ${window}`,
    `Batch:     ${alert.batchId}`,
    `Alert id:  ${alert.alertId}`,
    '',
    'Why:',
    ...findings.map(([rule, sentence]) => `  - ${rule}: ${sentence}`),
    '',
    `Flagged orders in this batch (${flagged.length}, ${formatUsd(totalUsd)} USD):`,
    flagged.length > 0 ? textTable(orderHeader, orderCells) : '  (none)',
    ...(earlier.length > 0 ? ['', `Earlier orders of the alert (previous batches): ${earlier.join(', ')}`] : []),
    '',
    `Batch run in Temporal: ${links.temporalRunUrl}`,
    `Dashboard:             ${links.dashboardUrl}`,
    '',
    '-- ',
    FRAUD_FOOTER,
    '',
  ].join('\n');

  const html = htmlDocument(
    subject,
    [
      `<h2 style="margin: 0 0 8px;">Fraud alert for customer ${escapeHtml(alert.customerId)}</h2>`,
      htmlTable(
        ['', ''],
        [
          [{ text: 'Customer' }, { text: customerLine }],
          [{ text: 'Rules' }, { text: rules.join(', ') }],
          [{ text: 'Severity' }, { text: `${alert.severity} (score ${alert.score})` }],
          [{ text: 'Window' }, { text: window }],
          [{ text: 'Batch' }, { text: alert.batchId }],
          [{ text: 'Alert id' }, { text: alert.alertId }],
        ],
      ),
      '<h3 style="margin: 16px 0 4px;">Why</h3>',
      `<ul>\n${findings.map(([rule, sentence]) => `<li><strong>${escapeHtml(rule)}</strong>: ${escapeHtml(sentence)}</li>`).join('\n')}\n</ul>`,
      `<h3 style="margin: 16px 0 4px;">Flagged orders in this batch (${flagged.length}, ${escapeHtml(formatUsd(totalUsd))} USD)</h3>`,
      flagged.length > 0 ? htmlTable(orderHeader, orderCells.map((cells) => cells.map((text, i) => ({ text, numeric: i === 2 || i === 6 })))) : '<p>(none)</p>',
      earlier.length > 0 ? `<p>Earlier orders of the alert (previous batches): ${escapeHtml(earlier.join(', '))}</p>` : '',
      `<p>${htmlLink(links.temporalRunUrl, 'Batch run in the Temporal Web UI')} · ${htmlLink(links.dashboardUrl, 'Dashboard')}</p>`,
      `<p style="${STYLE.muted}">${escapeHtml(FRAUD_FOOTER)}</p>`,
    ]
      .filter(Boolean)
      .join('\n'),
  );

  return {
    from: envelope.from,
    to: envelope.to,
    subject,
    text,
    html,
    messageId: alertMessageId(mail?.mailId ?? alert.alertId),
    headers: { [ALERT_ID_HEADER]: headerSafe(alert.alertId), [ALERT_KIND_HEADER]: 'fraud', [BATCH_ID_HEADER]: headerSafe(alert.batchId) },
  };
}

/** What a data-quality check counts, in words. */
export function describeQualityCheck(metric: Pick<DqMetricRow, 'check' | 'field' | 'detail'>): string {
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(metric.detail) as Record<string, unknown>;
  } catch {
    // Shown as is below.
  }
  switch (metric.check) {
    case 'missing':
      return metric.field === 'product' ? 'order lines whose product is not in the catalog' : `orders without a usable ${metric.field} after enrichment`;
    case 'duplicate':
      return metric.field === 'batch' ? 'records repeating an order id of the same batch' : 'records repeating an order id of an earlier batch (dedup window)';
    case 'outlier':
      return `${metric.field} orders whose USD total is an outlier (robust z-score above ${String(detail.robustZ ?? '?')})`;
    case 'schema':
      return 'records quarantined as invalid (sent to the DLQ)';
    case 'late':
      return `orders dated more than ${String(detail.lateAfterHours ?? '?')} h before they reached Kafka`;
    case 'future':
      return `orders dated more than ${String(detail.toleranceMinutes ?? '?')} min after they reached Kafka`;
    default:
      return `${metric.check} / ${metric.field}`;
  }
}

const QUALITY_FOOTER = 'One mail per check and breach episode, again after ALERT_COOLDOWN of Kafka time while it lasts; every batch\'s figures are in gold/dq_metrics.';

const percent = (share: number): string => `${(Math.round(share * 1000) / 10).toString()}%`;

function detailLines(metric: DqMetricRow): string[] {
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(metric.detail) as Record<string, unknown>;
  } catch {
    return [metric.detail];
  }
  const lines: string[] = [];
  if (detail.reasons && typeof detail.reasons === 'object') {
    for (const [reason, n] of Object.entries(detail.reasons as Record<string, unknown>)) lines.push(`${String(n)} × ${reason}`);
  }
  for (const key of ['orderIds', 'productIds']) {
    const ids = detail[key];
    if (Array.isArray(ids) && ids.length > 0) lines.push(`${key === 'orderIds' ? 'orders' : 'products'}, for example: ${ids.map(String).join(', ')}`);
  }
  if (typeof detail.medianUsd === 'number') lines.push(`median order ${formatUsd(detail.medianUsd)} USD`);
  return lines;
}

/** Where a quality mail stands in its breach episode (src/domain/quality-episodes.ts). */
export interface QualityEpisodeInfo {
  /** Kafka time of the episode's first breach. */
  startTs: number;
  /** This mail's number in the episode (1: the episode's first). */
  mails: number;
  /** Breached batches of the episode so far. */
  batches: number;
}

function episodeLine(episode: QualityEpisodeInfo): string {
  const since = new Date(episode.startTs).toISOString();
  return episode.mails === 1
    ? `New breach episode, Kafka time ${since}. No further mail for this check until an ALERT_COOLDOWN of Kafka time has passed or a new episode starts.`
    : `Still breached: episode since ${since} (Kafka time), ${episode.batches} breached batches so far, mail ${episode.mails} of the episode.`;
}

/** One e-mail for a data-quality breach (normally one metric row; several are listed together), with its episode when one is known. */
export function renderQualityAlertEmail(alertId: string, metrics: readonly DqMetricRow[], links: AlertLinks, envelope: AlertEnvelope, episode?: QualityEpisodeInfo): AlertEmail {
  const batchId = metrics[0]?.batchId ?? '';
  const summary = (m: DqMetricRow): string => `${m.check} ${m.field}: ${m.count} of ${m.total} (${percent(m.rate)} > ${percent(m.maxRate)})`;
  const subject = headerSafe(`[data-quality] ${batchId}: ${metrics.map(summary).join('; ') || 'breach'}`, 250);

  const text = [
    `Data-quality breach in batch ${batchId}`,
    '',
    ...(episode ? [episodeLine(episode), ''] : []),
    ...metrics.flatMap((m) => [
      `${m.check} / ${m.field}: ${describeQualityCheck(m)}`,
      `  ${m.count} of ${m.total} = ${percent(m.rate)}, above the threshold of ${percent(m.maxRate)}`,
      ...detailLines(m).map((l) => `  ${l}`),
      '',
    ]),
    `Alert id: ${alertId}`,
    `Batch run in Temporal: ${links.temporalRunUrl}`,
    `Dashboard:             ${links.dashboardUrl}`,
    '',
    '-- ',
    `streaming-orders data-quality checks (gold/dq_metrics). ${QUALITY_FOOTER}`,
    '',
  ].join('\n');

  const html = htmlDocument(
    subject,
    [
      `<h2 style="margin: 0 0 8px;">Data-quality breach in batch ${escapeHtml(batchId)}</h2>`,
      episode ? `<p>${escapeHtml(episodeLine(episode))}</p>` : '',
      htmlTable(
        ['check', 'field', 'what', 'count', 'of', 'share', 'threshold'],
        metrics.map((m) => [
          { text: m.check },
          { text: m.field },
          { text: describeQualityCheck(m) },
          { text: String(m.count), numeric: true },
          { text: String(m.total), numeric: true },
          { text: percent(m.rate), numeric: true },
          { text: percent(m.maxRate), numeric: true },
        ]),
      ),
      ...metrics.map((m) => {
        const lines = detailLines(m);
        return lines.length === 0 ? '' : `<p><strong>${escapeHtml(`${m.check} / ${m.field}`)}</strong></p>\n<ul>\n${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}\n</ul>`;
      }),
      `<p>Alert id: ${escapeHtml(alertId)}</p>`,
      `<p>${htmlLink(links.temporalRunUrl, 'Batch run in the Temporal Web UI')} · ${htmlLink(links.dashboardUrl, 'Dashboard')}</p>`,
      `<p style="${STYLE.muted}">streaming-orders data-quality checks (gold/dq_metrics). ${escapeHtml(QUALITY_FOOTER)}</p>`,
    ]
      .filter(Boolean)
      .join('\n'),
  );

  return {
    from: envelope.from,
    to: envelope.to,
    subject,
    text,
    html,
    messageId: alertMessageId(alertId),
    headers: { [ALERT_ID_HEADER]: headerSafe(alertId), [ALERT_KIND_HEADER]: 'data-quality', [BATCH_ID_HEADER]: headerSafe(batchId) },
  };
}
