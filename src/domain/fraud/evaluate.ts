// Fraud alerts for one batch: the alerts the batch step opened or updated, as gold rows, and the
// per-order flags the rules raised.
import { createHash } from 'node:crypto';
import type { FraudAlertRow, SilverItemRow, SilverOrderRow } from '../rows.ts';
import { stableStringify } from '../stable-json.ts';
import { byRuleOrder, stepPartition, type StepOutput } from '../partition-walk.ts';
import type { PartitionState } from '../state.ts';
import { combineSeverities, DEFAULT_ALERT_POLICY, severityOfScore, type AlertMailSnapshot, type AlertPolicy } from './alerting.ts';
import type { FraudRule, RuleId } from './rules.ts';

export { combineSeverities };

/** The rules that flagged one order; the unit precision and recall are measured in against the truth file. */
export interface OrderFlag {
  orderId: string;
  customerId: string;
  /** Rule ids, in the rule file's canonical order. */
  rules: RuleId[];
  /** False for an order of an earlier batch that a windowed rule flags now (a burst that straddles batches). */
  inBatch: boolean;
}

export interface FraudEvaluation {
  alerts: FraudAlertRow[];
  flags: OrderFlag[];
}

/**
 * Deterministic alert id, `<topic>:fraud:<20 hex digits>`: a SHA-256 of the topic, the customer and
 * the event time of the alert's first hit. No batch in it, so the same stream gives the same ids
 * however it is batched; no customer id in it either: alert ids go into Temporal histories (the
 * fraud activity's result) and lake keys (the sent-marker), which carry keys, offsets and counts
 * only. The gold row and the mail still name the customer.
 */
export const fraudAlertId = (topic: string, customerId: string, openedAt: number): string =>
  `${topic}:fraud:${createHash('sha256').update(`${topic}\0${customerId}\0${openedAt}`, 'utf8').digest('hex').slice(0, 20)}`;

/** The id of an alert's n-th mail (its Message-ID is derived from it): 1 is the first mail, higher ones escalations. */
export const fraudMailId = (alertId: string, n: number): string => `${alertId}:${n}`;

/** The topic part of a batch id `<topic>-<partition>-<start>`. */
export const topicOfBatchId = (batchId: string): string => /^(.*)-\d+-\d+$/.exec(batchId)?.[1] ?? batchId;

/** A mail decided for an alert, as stored in the alert row's `mails` column (JSON array). */
export interface FraudMail extends AlertMailSnapshot {
  mailId: string;
}

export interface FraudContext {
  batchId: string;
  /** The Kafka topic: part of every alert id. Default: taken from the batch id. */
  topic?: string;
  policy?: AlertPolicy;
  /** The offset after the batch: the row's version (the latest row of an alert has the highest). */
  asOfOffset?: number;
  /** The batch's walk, when the caller already made it with these rules and this policy (derive.ts shares one). */
  step?: StepOutput;
}

/**
 * The alerts the batch opened or updated, one row each (an alert's latest row is the one with the
 * highest asOfOffset), and the per-order flags. Orders must be the batch's distinct silver orders
 * (duplicates never reach fraud) and `prev` the partition state before the batch.
 */
export function evaluateFraud(
  rules: readonly FraudRule[],
  prev: PartitionState,
  orders: readonly SilverOrderRow[],
  items: readonly SilverItemRow[],
  context: string | FraudContext,
): FraudEvaluation {
  const { batchId, topic = topicOfBatchId(batchId), policy = DEFAULT_ALERT_POLICY, asOfOffset = null, step } = typeof context === 'string' ? { batchId: context } : context;
  const { hits, alerts: touched } = step ?? stepPartition(prev, orders, items, rules, policy);
  const severityOf = new Map(rules.map((r) => [r.id, r.severity]));
  const inBatch = new Set(orders.map((o) => o.orderId));
  const tsOf = new Map<string, number>();
  for (const o of orders) {
    for (const r of prev.customers.get(o.customerId)?.recent ?? []) tsOf.set(r.id, r.ts);
  }
  for (const o of orders) tsOf.set(o.orderId, o.orderTs);

  // Per-order flags: the unit precision and recall are measured in.
  const rulesOfOrder = new Map<string, { customerId: string; rules: Set<RuleId> }>();
  for (const hit of hits) {
    for (const id of hit.flaggedOrderIds) {
      const entry = rulesOfOrder.get(id) ?? { customerId: hit.customerId, rules: new Set<RuleId>() };
      entry.rules.add(hit.rule);
      rulesOfOrder.set(id, entry);
    }
  }
  const flags: OrderFlag[] = [...rulesOfOrder]
    .sort(([a, x], [b, y]) => (x.customerId < y.customerId ? -1 : x.customerId > y.customerId ? 1 : 0) || (tsOf.get(a) ?? -Infinity) - (tsOf.get(b) ?? -Infinity) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([orderId, { customerId, rules: ruleSet }]) => ({ orderId, customerId, rules: [...ruleSet].sort(byRuleOrder) as RuleId[], inBatch: inBatch.has(orderId) }));

  const alerts: FraudAlertRow[] = touched
    .map(({ customerId, alert, mails }) => {
      const alertId = fraudAlertId(topic, customerId, alert.openedAt);
      const score = combineSeverities(alert.rules.map((id) => severityOf.get(id) ?? 'medium'));
      const fraudMails: FraudMail[] = mails.map((m) => ({ mailId: fraudMailId(alertId, m.n), ...m }));
      return {
        alertId,
        customerId,
        ruleId: alert.rules.join(','),
        severity: severityOfScore(score),
        windowStart: alert.windowStart,
        windowEnd: alert.windowEnd,
        orderIds: alert.orderIds.join(','),
        score,
        evidence: alert.evidence,
        batchId,
        openedAt: alert.openedAt,
        mails: stableStringify(fraudMails),
        asOfOffset,
      };
    })
    .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0) || a.openedAt! - b.openedAt!);
  return { alerts, flags };
}

/** The mails an alert row asks for (none for rows written before alerts were mailed this way). */
export function mailsOfAlertRow(row: Pick<FraudAlertRow, 'mails'>): FraudMail[] {
  if (!row.mails) return [];
  const parsed = JSON.parse(row.mails) as unknown;
  return Array.isArray(parsed) ? (parsed as FraudMail[]) : [];
}

/** Per-rule confusion figures of order flags against labelled orders (the simulator's truth file). */
export interface RuleConfusion {
  rule: string;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

/**
 * Scores flags (the union over all batches) against truth labels: per order id, the rule ids its
 * pattern is meant to trigger. An id labelled several times (a duplicate re-send) takes the union.
 */
export function scoreFlags(flags: readonly Pick<OrderFlag, 'orderId' | 'rules'>[], truth: readonly { orderId: string; fraud: readonly string[] }[], ruleIds: readonly string[] = [...new Set([...flags.flatMap((f) => f.rules), ...truth.flatMap((t) => t.fraud)])]): RuleConfusion[] {
  const labelled = new Map<string, Set<string>>();
  for (const t of truth) {
    const set = labelled.get(t.orderId) ?? new Set<string>();
    for (const r of t.fraud) set.add(r);
    labelled.set(t.orderId, set);
  }
  const flagged = new Map<string, Set<string>>();
  for (const f of flags) {
    const set = flagged.get(f.orderId) ?? new Set<string>();
    for (const r of f.rules) set.add(r);
    flagged.set(f.orderId, set);
  }
  return [...ruleIds].sort(byRuleOrder).map((rule) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [id, rules] of flagged) {
      if (!rules.has(rule)) continue;
      if (labelled.get(id)?.has(rule)) tp++;
      else fp++;
    }
    for (const [id, rules] of labelled) if (rules.has(rule) && !flagged.get(id)?.has(rule)) fn++;
    return { rule, truePositives: tp, falsePositives: fp, falseNegatives: fn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
  });
}
