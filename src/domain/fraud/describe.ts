// Human sentences for an alert's evidence (the JSON written by evaluateFraud), for e-mails and
// the CLI. Tolerant: evidence it does not understand is shown as JSON, never dropped.
import type { Evidence } from './evidence.ts';

/** 12345.6 → "12,345.60": fixed, locale-independent. */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return String(usd);
  const [whole, cents] = Math.abs(usd).toFixed(2).split('.') as [string, string];
  return `${usd < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** ms since the epoch → "2026-11-24 10:00:00 UTC". */
export function formatUtc(ms: number): string {
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—';
}

const isoToUtc = (iso: unknown): string => (typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? formatUtc(Date.parse(iso)) : String(iso));
const num = (v: unknown): string => (typeof v === 'number' ? String(v) : String(v ?? '?'));
const usd = (v: unknown): string => (typeof v === 'number' ? `${formatUsd(v)} USD` : String(v ?? '?'));

function describeOne(rule: string, e: Evidence): string {
  switch (rule) {
    case 'velocity':
      return `${num(e.ordersInWindow)} orders within ${num(e.windowMinutes)} minutes, ${isoToUtc(e.firstOrderAt)} to ${isoToUtc(e.lastOrderAt)} (more than ${num(e.maxOrders)} is flagged)`;
    case 'payment-hopping':
      return `${num(e.distinctMethods)} payment methods within ${num(e.windowMinutes)} minutes: ${Array.isArray(e.methods) ? e.methods.join(', ') : '?'} (${num(e.minMethods)} or more is flagged)`;
    case 'high-value':
      return `order ${String(e.orderId)}: ${usd(e.totalAmountUsd)}, above ${usd(e.thresholdUsd)}`;
    case 'value-spike':
      return `order ${String(e.orderId)}: ${usd(e.totalAmountUsd)}, ${num(e.ratio)} × the customer's mean of ${usd(e.previousMeanUsd)} over ${num(e.previousOrders)} earlier orders (flagged from ${num(e.factor)} ×)`;
    case 'quantity-outlier':
      return e.robustZ !== undefined
        ? `order ${String(e.orderId)}: ${num(e.quantity)} × ${String(e.productId)}, robust z-score ${num(e.robustZ)} against the product's usual ${num(e.medianQuantity)} (flagged from ${num(e.minRobustZ)})`
        : `order ${String(e.orderId)}: ${num(e.quantity)} × ${String(e.productId)} (flagged from ${num(e.maxQuantity)})`;
    case 'foreign-shipping':
      return `order ${String(e.orderId)} ships to ${String(e.shipTo)}, ${num(e.distanceFromHomeKm)} km from home in ${String(e.home)} (another country and more than ${num(e.minDistanceKm)} km is flagged)`;
    case 'impossible-travel':
      return `order ${String(e.orderId)} ships to ${String(e.to)} ${num(e.minutesBetween)} minutes after order ${String(e.previousOrderId)} to ${String(e.from)}: ${num(e.distanceKm)} km, ${e.impliedSpeedKmh === null ? 'no time between them' : `${num(e.impliedSpeedKmh)} km/h`} (more than ${num(e.minSpeedKmh)} km/h is flagged)`;
    default:
      return JSON.stringify(e);
  }
}

/** One line per finding of each rule in an alert's evidence JSON, as [ruleId, sentence] pairs. */
export function describeEvidence(evidenceJson: string): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(evidenceJson);
  } catch {
    return [['evidence', evidenceJson]];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return [['evidence', evidenceJson]];
  const lines: [string, string][] = [];
  for (const [rule, value] of Object.entries(parsed)) {
    const entries = Array.isArray(value) ? value : [value];
    for (const entry of entries) {
      lines.push([rule, entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? describeOne(rule, entry as Evidence) : JSON.stringify(entry)]);
    }
  }
  return lines;
}
