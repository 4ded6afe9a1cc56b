// From rule hits to alerts a fraud team can act on (docs/rules.md, "Alerts"). Pure and walked
// order by order inside stepPartition (../partition-walk.ts), so what it decides depends on the stream and
// never on where the bridge cut it into batches:
//  - an alert is one customer's hits within ALERT_WINDOW of event time after its first hit; its
//    identity is (customer, event time of that first hit), so later hits update it;
//  - the alert's severity comes from its combined score, so one weak signal alone scores low;
//  - a mail goes out when the alert reaches ALERT_MIN_SEVERITY, unless each of its rules was mailed
//    for this customer within ALERT_COOLDOWN (event time) at the same or a higher severity; an
//    alert already mailed is mailed again only when its severity rises (escalation).
// What was mailed, per rule, lives in the customer's state and travels with deltas and snapshots.
import { stableStringify } from '../stable-json.ts';
import type { Evidence } from './evidence.ts';
import { SEVERITIES, SEVERITY_WEIGHT, type RuleId, type Severity } from './rules.ts';

export interface AlertPolicy {
  /** Hits of a customer less than this long (event time) after an alert's first hit join that alert. */
  windowMs: number;
  /** After a mail for a customer and rule, no mail for them again within this time unless the severity rises. */
  cooldownMs: number;
  /** Alerts below this severity are kept in gold/fraud_alerts but not mailed. */
  minSeverity: Severity;
}

export const DEFAULT_ALERT_POLICY: Readonly<AlertPolicy> = Object.freeze({ windowMs: 3_600_000, cooldownMs: 3_600_000, minSeverity: 'medium' });

/** Orders and evidence entries one alert keeps at most (bounds the state of a runaway customer; the first ones are kept). */
export const MAX_ALERT_ORDERS = 500;
const MAX_EVIDENCE_PER_RULE = 50;

/** A customer's current alert, as kept in the partition state. */
export interface OpenAlert {
  /** Event time of its first hit: with the customer, the alert's identity. */
  openedAt: number;
  /** Start of the earliest window among its hits (a velocity window starts before its trigger). */
  windowStart: number;
  /** Event time of its latest hit. */
  windowEnd: number;
  /** Rules hit, canonical order. */
  rules: RuleId[];
  /** Flagged orders, in the order they were flagged. */
  orderIds: string[];
  /** Mails sent for this alert so far. */
  mails: number;
  /** Severity of the last mail (absent before the first). */
  mailedSeverity?: Severity;
  /** Stable JSON: per rule, the figures that triggered it. */
  evidence: string;
}

/** When a rule was last mailed for a customer (event time) and at what severity: the cooldown. */
export interface MailedRule {
  at: number;
  severity: Severity;
}

/** A mail decided during the walk: the alert as it stood at the hit that made it worth a mail. */
export interface AlertMailSnapshot {
  /** 1 for the alert's first mail, 2 for its first escalation, … */
  n: number;
  severity: Severity;
  score: number;
  rules: RuleId[];
  orderIds: string[];
  windowStart: number;
  windowEnd: number;
  /** Severity of the alert's previous mail, for an escalation; null for the first mail. */
  escalatedFrom: Severity | null;
}

/** One rule's hit on one order, as the alert sees it. */
export interface AlertHit {
  rule: RuleId;
  orderTs: number;
  windowStart: number;
  flaggedOrderIds: readonly string[];
  evidence: Evidence;
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Combined score of distinct rules' severities: 1 − Π(1 − weight), 3 decimals. */
export function combineSeverities(severities: readonly Severity[]): number {
  const miss = severities.reduce((p, s) => p * (1 - SEVERITY_WEIGHT[s]), 1);
  return Math.round(Number(((1 - miss) * 1000).toPrecision(12))) / 1000;
}

/**
 * An alert's severity from its score. The thresholds sit so that one low rule stays low (0.25),
 * two low rules together reach medium (0.4375), one medium rule is medium, one high rule is high,
 * and only several strong signals together are critical.
 */
export function severityOfScore(score: number): Severity {
  if (score >= 0.95) return 'critical';
  if (score >= 0.75) return 'high';
  if (score >= 0.4) return 'medium';
  return 'low';
}

/** Windowed rules report one evidence object (the widest window); per-order rules one entry per order. */
const WINDOWED: ReadonlySet<RuleId> = new Set<RuleId>(['velocity', 'payment-hopping']);

type EvidenceMap = Record<string, Evidence | Evidence[]>;

/** Merges a hit's figures into an alert's evidence, the same way whatever the order of batches. */
export function mergeEvidence(into: EvidenceMap, hit: AlertHit): EvidenceMap {
  const out: EvidenceMap = { ...into };
  if (WINDOWED.has(hit.rule)) {
    const before = out[hit.rule] as Evidence | undefined;
    const flagged = [...((before?.flaggedOrderIds as string[] | undefined) ?? []), ...hit.flaggedOrderIds].slice(0, MAX_ALERT_ORDERS);
    const firstAt = Math.min(before ? Date.parse(String(before.firstOrderAt)) : Infinity, hit.windowStart);
    const widest = before && Number(before.ordersInWindow) >= Number(hit.evidence.ordersInWindow) ? before : hit.evidence;
    out[hit.rule] = { ...widest, firstOrderAt: new Date(firstAt).toISOString(), flaggedOrderIds: flagged };
  } else {
    const list = (out[hit.rule] as Evidence[] | undefined) ?? [];
    out[hit.rule] = list.length >= MAX_EVIDENCE_PER_RULE ? list : [...list, hit.evidence];
  }
  return out;
}

export interface AlertStepResult {
  /** The customer's alert after the hits (a new object whenever anything changed). */
  alert: OpenAlert;
  mailed: Partial<Record<RuleId, MailedRule>>;
  mail?: AlertMailSnapshot;
}

/**
 * Applies one order's hits (all at that order's event time) to the customer's alert and decides
 * whether they are worth a mail. `severityOf` gives each rule's configured severity.
 */
export function stepAlert(
  current: OpenAlert | undefined,
  mailed: Partial<Record<RuleId, MailedRule>>,
  hits: readonly AlertHit[],
  severityOf: (rule: RuleId) => Severity,
  policy: AlertPolicy,
  byRuleOrder: (a: string, b: string) => number,
): AlertStepResult | undefined {
  if (hits.length === 0) return undefined;
  const ts = hits[0]!.orderTs;
  const joins = current !== undefined && ts < current.openedAt + policy.windowMs;
  const base: OpenAlert = joins
    ? current
    : { openedAt: ts, windowStart: ts, windowEnd: ts, rules: [], orderIds: [], mails: 0, evidence: '{}' };

  let evidence = JSON.parse(base.evidence) as EvidenceMap;
  const orderIds = [...base.orderIds];
  const known = new Set(orderIds);
  for (const hit of hits) {
    evidence = mergeEvidence(evidence, hit);
    for (const id of hit.flaggedOrderIds) {
      if (known.has(id) || orderIds.length >= MAX_ALERT_ORDERS) continue;
      known.add(id);
      orderIds.push(id);
    }
  }
  const alert: OpenAlert = {
    ...base,
    windowStart: Math.min(base.windowStart, ...hits.map((h) => h.windowStart)),
    windowEnd: Math.max(base.windowEnd, ts),
    rules: [...new Set([...base.rules, ...hits.map((h) => h.rule)])].sort(byRuleOrder) as RuleId[],
    orderIds,
    evidence: stableStringify(evidence),
  };
  const score = combineSeverities(alert.rules.map(severityOf));
  const severity = severityOfScore(score);

  let due = severityRank(severity) >= severityRank(policy.minSeverity);
  if (due && alert.mails > 0) {
    // Mailed already: only an escalation is news.
    due = severityRank(severity) > severityRank(alert.mailedSeverity ?? 'low');
  } else if (due) {
    // A new alert: news unless every one of its rules was mailed recently at this severity or above.
    due = alert.rules.some((rule) => {
      const last = mailed[rule];
      return last === undefined || ts - last.at >= policy.cooldownMs || severityRank(severity) > severityRank(last.severity);
    });
  }
  if (!due) return { alert, mailed };

  const escalatedFrom = alert.mails > 0 ? (alert.mailedSeverity ?? null) : null;
  const sent: OpenAlert = { ...alert, mails: alert.mails + 1, mailedSeverity: severity };
  const nextMailed = { ...mailed };
  for (const rule of alert.rules) nextMailed[rule] = { at: ts, severity };
  return {
    alert: sent,
    mailed: nextMailed,
    mail: { n: sent.mails, severity, score, rules: alert.rules, orderIds: [...orderIds], windowStart: alert.windowStart, windowEnd: alert.windowEnd, escalatedFrom },
  };
}
