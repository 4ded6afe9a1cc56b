// What the fraud team receives, measured on the shop's mix (issue 18): a seeded stream with 15 % of
// its orders shipped to another address or otherwise unusual for an honest reason (the simulator's
// benign mix: gifts abroad, offices, big spenders) and the planted fraud patterns. An order counts
// as mailed for a rule when the rule flagged it and its alert was mailed (the first mail or an
// escalation); precision and recall per rule and overall are scored against the truth file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mailsOfAlertRow, scoreFlags, type OrderFlag } from '../../src/domain/fraud/evaluate.ts';
import { RULE_IDS } from '../../src/domain/fraud/rules.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { evaluateStream, simulateStream } from '../helpers/simulated-stream.ts';

const COUNT = 20_000;
/** The shop's mix: 15 % of orders shipped elsewhere or big for an honest reason. */
const BENIGN_RATE = 0.15;
const ANOMALY_RATE = 0.04;
const PARTITIONS = 4;
const BATCH_RECORDS = 200;

describe('fraud mails on the shop’s mix', () => {
  it('reach precision ≥ 0.90 and recall ≥ 0.95 per rule and overall for mailed alerts', (t) => {
    const reference = loadReferenceData({ CUSTOMERS: 1000 });
    const stream = simulateStream(reference, { seed: 'mail-quality', count: COUNT, anomalyRate: ANOMALY_RATE, benignRate: BENIGN_RATE }, PARTITIONS);
    const batches = evaluateStream(stream, reference, BATCH_RECORDS);

    // Which alerts were mailed, and which alert every flagged order belongs to (its latest row).
    const mailed = new Set<string>();
    let mails = 0;
    const alertOfOrder = new Map<string, string>();
    for (const row of batches.flatMap((b) => b.alerts)) {
      const rowMails = mailsOfAlertRow(row);
      mails += rowMails.length;
      if (rowMails.length > 0) mailed.add(row.alertId);
      for (const id of row.orderIds.split(',')) alertOfOrder.set(id, row.alertId);
    }
    const flags = batches.flatMap((b) => b.flags);
    const mailedFlags: OrderFlag[] = flags.filter((f) => mailed.has(alertOfOrder.get(f.orderId) ?? ''));
    const truth = stream.truth.filter((r) => r.valid);

    const orders = new Set(batches.flatMap((b) => b.orders.map((o) => o.orderId))).size;
    const benign = new Set(truth.filter((r) => r.benign !== null).map((r) => r.orderId)).size;
    const benignMailed = new Set(mailedFlags.map((f) => f.orderId).filter((id) => truth.some((r) => r.orderId === id && r.benign !== null))).size;
    const benignFlagged = new Set(flags.map((f) => f.orderId).filter((id) => truth.some((r) => r.orderId === id && r.benign !== null))).size;
    t.diagnostic(`${orders} orders, ${benign} benign (${((100 * benign) / orders).toFixed(1)} %): ${benignFlagged} of them flagged, ${benignMailed} mailed`);
    t.diagnostic(`${new Set(batches.flatMap((b) => b.alerts.map((a) => a.alertId))).size} alerts, ${mailed.size} mailed, ${mails} mails: ${((1000 * mails) / orders).toFixed(2)} mails per 1,000 orders`);

    const confusion = scoreFlags(mailedFlags, truth, RULE_IDS);
    for (const c of confusion) t.diagnostic(`${c.rule}: tp ${c.truePositives} fp ${c.falsePositives} fn ${c.falseNegatives} precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)}`);
    // Overall: an order is a positive when any mailed alert holds it, and fraud when any label says so.
    const fraud = new Set(truth.filter((r) => r.fraud.length > 0).map((r) => r.orderId));
    const mailedOrders = new Set(mailedFlags.map((f) => f.orderId));
    const tp = [...mailedOrders].filter((id) => fraud.has(id)).length;
    const overall = { precision: tp / mailedOrders.size, recall: tp / fraud.size };
    t.diagnostic(`overall: tp ${tp} fp ${mailedOrders.size - tp} fn ${fraud.size - tp} precision ${overall.precision.toFixed(3)} recall ${overall.recall.toFixed(3)}`);

    for (const c of confusion) {
      assert.ok(c.truePositives + c.falseNegatives > 0, `the run holds ${c.rule} patterns`);
      assert.ok(c.recall >= 0.95, `${c.rule} recall ${c.recall.toFixed(3)} < 0.95`);
      assert.ok(c.precision >= 0.9, `${c.rule} precision ${c.precision.toFixed(3)} < 0.90`);
    }
    assert.ok(overall.recall >= 0.95 && overall.precision >= 0.9, JSON.stringify(overall));
    assert.ok(benignFlagged > 0.5 * benign * 0.55, 'gifts abroad are flagged (low) …');
    assert.ok(benignMailed <= 0.02 * benign, '… but hardly ever mailed');
  });
});
