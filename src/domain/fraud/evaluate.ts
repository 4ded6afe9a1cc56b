// Fraud alerts for one batch: the rule hits of the batch step, one alert per flagged customer.
import { createHash } from 'node:crypto';
import type { FraudAlertRow, SilverItemRow, SilverOrderRow } from '../rows.ts';
import { stableStringify } from '../state-codec.ts';
import { byRuleOrder, stepPartition, type PartitionState, type RuleHit } from '../state.ts';
import type { Evidence } from './detectors.ts';
import { SEVERITIES, SEVERITY_WEIGHT, type FraudRule, type RuleId, type Severity } from './rules.ts';

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

/** Combined score of the rules hit: 1 − Π(1 − weight of each rule's severity), 3 decimals. */
export function combineSeverities(severities: readonly Severity[]): number {
  const miss = severities.reduce((p, s) => p * (1 - SEVERITY_WEIGHT[s]), 1);
  return Math.round(Number(((1 - miss) * 1000).toPrecision(12))) / 1000;
}

/**
 * Deterministic alert id: one alert per customer per batch, `<batchId>:<20 hex digits>`. The
 * digits are a SHA-256 of batch and customer, not the customer id itself: alert ids go into
 * Temporal histories (the fraud activity's result) and lake keys (the sent-marker), which carry
 * keys, offsets and counts only. The gold row and the mail still name the customer. With the batch
 * in the digest, the same customer gets unrelated ids in different batches.
 */
export const fraudAlertId = (batchId: string, customerId: string): string =>
  `${batchId}:${createHash('sha256').update(`${batchId}\0${customerId}`, 'utf8').digest('hex').slice(0, 20)}`;

/**
 * The batch's alerts and per-order flags. Orders must be the batch's distinct silver orders
 * (duplicates never reach fraud) and `prev` the partition state before the batch.
 */
export function evaluateFraud(
  rules: readonly FraudRule[],
  prev: PartitionState,
  orders: readonly SilverOrderRow[],
  items: readonly SilverItemRow[],
  batchId: string,
): FraudEvaluation {
  const { hits } = stepPartition(prev, orders, items, rules);
  const severityOf = new Map(rules.map((r) => [r.id, r.severity]));
  const inBatch = new Set(orders.map((o) => o.orderId));
  const tsOf = new Map<string, number>();
  for (const o of orders) {
    for (const r of prev.customers.get(o.customerId)?.recent ?? []) tsOf.set(r.id, r.ts);
  }
  for (const o of orders) tsOf.set(o.orderId, o.orderTs);

  const byCustomer = new Map<string, RuleHit[]>();
  for (const hit of hits) {
    const list = byCustomer.get(hit.customerId);
    if (list) list.push(hit);
    else byCustomer.set(hit.customerId, [hit]);
  }

  const alerts: FraudAlertRow[] = [];
  const flags: OrderFlag[] = [];
  for (const customerId of [...byCustomer.keys()].sort()) {
    const customerHits = byCustomer.get(customerId)!;
    const ruleIds = [...new Set(customerHits.map((h) => h.rule))].sort(byRuleOrder) as RuleId[];
    const severities = ruleIds.map((id) => severityOf.get(id) ?? 'medium');

    // Orders flagged, in time order (orders of earlier batches first: they are older).
    const rulesOfOrder = new Map<string, Set<RuleId>>();
    for (const hit of customerHits) {
      for (const id of hit.flaggedOrderIds) {
        const set = rulesOfOrder.get(id) ?? new Set<RuleId>();
        set.add(hit.rule);
        rulesOfOrder.set(id, set);
      }
    }
    const orderIds = [...rulesOfOrder.keys()].sort((a, b) => (tsOf.get(a) ?? -Infinity) - (tsOf.get(b) ?? -Infinity) || (a < b ? -1 : a > b ? 1 : 0));
    for (const id of orderIds) flags.push({ orderId: id, customerId, rules: [...rulesOfOrder.get(id)!].sort(byRuleOrder), inBatch: inBatch.has(id) });

    alerts.push({
      alertId: fraudAlertId(batchId, customerId),
      customerId,
      ruleId: ruleIds.join(','),
      severity: severities.reduce((max, s) => (SEVERITIES.indexOf(s) > SEVERITIES.indexOf(max) ? s : max), 'low'),
      windowStart: Math.min(...customerHits.map((h) => h.windowStart)),
      windowEnd: Math.max(...customerHits.map((h) => h.orderTs)),
      orderIds: orderIds.join(','),
      score: combineSeverities(severities),
      evidence: stableStringify(evidenceOf(customerHits, ruleIds)),
      batchId,
    });
  }
  return { alerts, flags };
}

/**
 * Per rule, the figures that triggered it. Per-order rules list one entry per order; windowed
 * rules (velocity, payment-hopping) keep the widest window seen and the orders it flagged.
 */
function evidenceOf(hits: readonly RuleHit[], ruleIds: readonly RuleId[]): Record<string, Evidence | Evidence[]> {
  const out: Record<string, Evidence | Evidence[]> = {};
  for (const rule of ruleIds) {
    const ruleHits = hits.filter((h) => h.rule === rule);
    if (rule === 'velocity' || rule === 'payment-hopping') {
      const widest = ruleHits.reduce((best, h) => (Number(h.evidence.ordersInWindow) > Number(best.evidence.ordersInWindow) ? h : best));
      out[rule] = { ...widest.evidence, firstOrderAt: new Date(Math.min(...ruleHits.map((h) => h.windowStart))).toISOString(), flaggedOrderIds: ruleHits.flatMap((h) => h.flaggedOrderIds) };
    } else {
      out[rule] = ruleHits.map((h) => h.evidence);
    }
  }
  return out;
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
