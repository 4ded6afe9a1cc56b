// Alerts a fraud team can act on (issue 18): the same stream gives the same alerts and mails
// however it is batched, later hits update an open alert, the cooldown holds back repeats and an
// escalation gets through, and weak single signals stay below the mail threshold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFraudAlertEmail } from '../../src/domain/alert-email.ts';
import { DEFAULT_ALERT_POLICY, severityOfScore, type AlertPolicy } from '../../src/domain/fraud/alerting.ts';
import { evaluateFraud, mailsOfAlertRow, type FraudMail } from '../../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES } from '../../src/domain/fraud/rules.ts';
import type { FraudAlertRow, SilverOrderRow } from '../../src/domain/rows.ts';
import { decodeCustomer, decodeDelta, encodeCustomer, encodeDelta, parseState, serializeState } from '../../src/domain/state-codec.ts';
import { advanceState } from '../../src/domain/partition-walk.ts';
import { stateDelta } from '../../src/domain/state-delta.ts';
import { emptyPartitionState, type PartitionState } from '../../src/domain/state.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { evaluateStream, simulateStream, type EvaluatedBatch } from '../helpers/simulated-stream.ts';
import { HOUR_MS, linesOf, MINUTE_MS, PLACES, shippedTo, silverOrder, T0 } from './domain-fixtures.ts';

const links = { temporalRunUrl: 'http://127.0.0.1:8233/x', dashboardUrl: 'http://127.0.0.1:3000' };
const envelope = { from: 'orders-pipeline@localhost', to: 'fraud-team@localhost' };

/**
 * The latest version of every alert (highest asOfOffset), without the fields that name the batch,
 * and without the evidence: its figures (a customer's mean so far) may count a future-dated order
 * in one batching and not in the other, as a batch is walked in event-time order (docs/rules.md,
 * "Limits"); which orders are flagged for which rules does not change.
 */
function latestAlerts(batches: readonly EvaluatedBatch[]): Map<string, Omit<FraudAlertRow, 'batchId' | 'asOfOffset' | 'mails' | 'evidence'>> {
  const latest = new Map<string, FraudAlertRow>();
  for (const row of batches.flatMap((b) => b.alerts)) {
    const before = latest.get(row.alertId);
    if (!before || row.asOfOffset! > before.asOfOffset!) latest.set(row.alertId, row);
  }
  return new Map([...latest].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, { batchId: _b, asOfOffset: _o, mails: _m, evidence: _e, ...row }]) => [id, row]));
}

/** Every mail the batches ask for, as the catcher would see it: Message-ID and subject, in mail id order. */
function mailsOf(batches: readonly EvaluatedBatch[]): { mailId: string; messageId: string; subject: string; mail: FraudMail }[] {
  return batches
    .flatMap((b) =>
      b.alerts.flatMap((row) =>
        mailsOfAlertRow(row).map((mail) => {
          const rendered = renderFraudAlertEmail(row, b.orders, links, envelope, mail);
          return { mailId: mail.mailId, messageId: rendered.messageId, subject: rendered.subject, mail };
        }),
      ),
    )
    .sort((a, b) => (a.mailId < b.mailId ? -1 : 1));
}

/** Runs hand-made batches of one partition through fraud and checkpoint, as the workflow does. */
function runBatches(batches: SilverOrderRow[][], policy: AlertPolicy = DEFAULT_ALERT_POLICY): { rows: FraudAlertRow[][]; state: PartitionState } {
  let state = emptyPartitionState();
  let offset = 0;
  const rows: FraudAlertRow[][] = [];
  for (const orders of batches) {
    const start = offset;
    offset += orders.length;
    rows.push(evaluateFraud(DEFAULT_FRAUD_RULES, state, orders, linesOf(orders), { batchId: `orders-0-${start}`, policy, asOfOffset: offset }).alerts);
    // Through the delta's bytes, as between two real batches.
    const after = advanceState(state, orders, linesOf(orders), { dedupWindowMs: 24 * HOUR_MS, alertPolicy: policy });
    const delta = decodeDelta(encodeDelta(stateDelta(state, after, { partition: 0, fromOffset: start, toOffset: offset, first: start === 0 }, orders, linesOf(orders))));
    state = parseState(serializeState({ ...after, customers: new Map([...after.customers].map(([id, c]) => [id, delta.customers.get(id) ?? c])) }));
  }
  return { rows, state };
}

const allMails = (rows: FraudAlertRow[][]): FraudMail[] => rows.flat().flatMap(mailsOfAlertRow);

/** A medium alert on its own: a dear order shipped abroad (two weak signals). */
const dearAbroad = (orderId: string, orderTs: number, overrides: Partial<SilverOrderRow> = {}): SilverOrderRow =>
  shippedTo(PLACES.tokyo!, { orderId, orderTs, kafkaTs: orderTs + 1000, totalAmountUsd: 4500, distanceFromHomeKm: 8918.6, ...overrides });

describe('fraud alerts however the stream is batched', () => {
  it('gives identical alert rows and mails for one seeded stream cut into batches of 25 and of 5,000', (t) => {
    const reference = loadReferenceData({ CUSTOMERS: 1000 });
    const stream = simulateStream(reference, { seed: 'alerts-batching', count: 6000, anomalyRate: 0.08, benignRate: 0.15 }, 3);
    const small = evaluateStream(stream, reference, 25);
    const large = evaluateStream(stream, reference, 5000);

    const smallAlerts = latestAlerts(small);
    const largeAlerts = latestAlerts(large);
    t.diagnostic(`${smallAlerts.size} alerts; rows written: ${small.flatMap((b) => b.alerts).length} in ${small.length} batches, ${large.flatMap((b) => b.alerts).length} in ${large.length} batches`);
    assert.ok(smallAlerts.size > 50, 'the stream raises alerts');
    assert.deepEqual([...smallAlerts.keys()], [...largeAlerts.keys()], 'the same alert ids');
    assert.deepEqual(smallAlerts, largeAlerts, 'the same customer, rules, window, orders, severity and score');

    const smallMails = mailsOf(small);
    const largeMails = mailsOf(large);
    t.diagnostic(`${smallMails.length} mails (${smallMails.filter((m) => m.mail.escalatedFrom !== null).length} escalations)`);
    assert.ok(smallMails.length > 20, 'the stream is worth mails');
    assert.deepEqual(
      smallMails.map(({ messageId, subject, mail }) => ({ messageId, subject, mail })),
      largeMails.map(({ messageId, subject, mail }) => ({ messageId, subject, mail })),
      'the same mails: Message-IDs, subjects and what they say',
    );
    assert.ok(smallMails.length < smallAlerts.size, 'weak alerts are kept, not mailed');
  });

  it('updates the open alert when a burst goes on in the next batch, and mails it once', () => {
    const burst = Array.from({ length: 9 }, (_, i) => silverOrder({ orderId: `v${i}`, orderTs: T0 + i * 4 * MINUTE_MS, kafkaTs: T0 + i * 4 * MINUTE_MS + 1000 }));
    const { rows } = runBatches([burst.slice(0, 7), burst.slice(7)]);
    assert.equal(rows[0]!.length, 1);
    assert.equal(rows[1]!.length, 1);
    assert.equal(rows[1]![0]!.alertId, rows[0]![0]!.alertId, 'the same alert, updated');
    assert.equal(rows[0]![0]!.orderIds, 'v0,v1,v2,v3,v4,v5,v6');
    assert.equal(rows[1]![0]!.orderIds, 'v0,v1,v2,v3,v4,v5,v6,v7,v8');
    assert.equal(rows[1]![0]!.windowEnd, burst[8]!.orderTs);
    assert.deepEqual(allMails(rows).map((m) => [m.n, m.severity, m.orderIds.length]), [[1, 'high', 7]]);
  });
});

describe('alert cooldown and escalation', () => {
  // A short window so that each order below opens its own alert; the cooldown is what holds mails back.
  const policy: AlertPolicy = { windowMs: 10 * MINUTE_MS, cooldownMs: HOUR_MS, minSeverity: 'medium' };

  it('sends no second mail for the same customer and rules within the cooldown, and one after it', () => {
    const { rows } = runBatches([[dearAbroad('a', T0)], [dearAbroad('b', T0 + 20 * MINUTE_MS)], [dearAbroad('c', T0 + 45 * MINUTE_MS)], [dearAbroad('d', T0 + 61 * MINUTE_MS)]], policy);
    const alertIds = rows.map((r) => r[0]!.alertId);
    assert.equal(new Set(alertIds).size, 4, 'four alerts (each outside the window of the one before)');
    assert.deepEqual(
      rows.map((r) => mailsOfAlertRow(r[0]!).length),
      [1, 0, 0, 1],
      'mailed at T0, held back at +20 and +45 minutes, mailed again at +61',
    );
    for (const r of rows) assert.equal(r[0]!.ruleId, 'high-value,foreign-shipping', 'every hit stays in gold/fraud_alerts');
  });

  it('mails again inside the cooldown when the severity rises, within the alert and in a new one', () => {
    // Within one alert: medium at T0, then payment hopping joins at T0 + 6 minutes: high.
    const within = runBatches(
      [[dearAbroad('a', T0, { paymentMethod: 'CREDIT CARD' })], [silverOrder({ orderId: 'b', orderTs: T0 + 3 * MINUTE_MS, paymentMethod: 'PAYPAL' }), silverOrder({ orderId: 'c', orderTs: T0 + 6 * MINUTE_MS, paymentMethod: 'BITCOIN' })]],
      { ...policy, windowMs: HOUR_MS },
    );
    const mails = allMails(within.rows);
    assert.deepEqual(
      mails.map((m) => [m.n, m.severity, m.escalatedFrom, m.rules.join(',')]),
      [
        [1, 'medium', null, 'high-value,foreign-shipping'],
        [2, 'high', 'medium', 'high-value,foreign-shipping,payment-hopping'],
      ],
    );
    assert.equal(new Set(mails.map((m) => m.mailId)).size, 2, 'an escalation has its own Message-ID');
    assert.equal(within.rows[1]![0]!.alertId, within.rows[0]![0]!.alertId);

    // A new alert inside the cooldown, at a higher severity than the last mail: mailed.
    const later = runBatches([[dearAbroad('a', T0)], Array.from({ length: 7 }, (_, i) => silverOrder({ orderId: `v${i}`, orderTs: T0 + (20 + i) * MINUTE_MS }))], policy);
    assert.deepEqual(allMails(later.rows).map((m) => [m.severity, m.rules.join(',')]), [['medium', 'high-value,foreign-shipping'], ['high', 'velocity']]);
  });

  it('keeps the cooldown in the customer state, through deltas and the local store, and reads state without it', () => {
    const { state } = runBatches([[dearAbroad('a', T0)]]);
    const customer = state.customers.get('1')!;
    assert.deepEqual(customer.mailed, { 'high-value': { at: T0, severity: 'medium' }, 'foreign-shipping': { at: T0, severity: 'medium' } });
    assert.equal(customer.alert?.mails, 1);
    assert.deepEqual(decodeCustomer(encodeCustomer(customer)), customer);
    // A customer written before alerts were kept in the state reads back without them.
    const { alert: _a, mailed: _m, ...old } = customer;
    assert.deepEqual(decodeCustomer(encodeCustomer(old)), old);
    assert.equal(JSON.parse(encodeCustomer(old)).alert, undefined);
    assert.throws(() => decodeCustomer(encodeCustomer({ ...customer, mailed: { 'no-such-rule': { at: 1, severity: 'low' } } as never })), /unknown rule id/);
  });
});

describe('what is worth a mail', () => {
  it('scores one weak signal low and keeps it out of the mail, two together medium', () => {
    assert.equal(severityOfScore(0.25), 'low');
    assert.equal(severityOfScore(0.438), 'medium');
    assert.equal(severityOfScore(0.75), 'high');
    assert.equal(severityOfScore(0.953), 'critical');
    const abroad = shippedTo(PLACES.tokyo!, { orderId: 'gift', distanceFromHomeKm: 8918.6 });
    const dear = silverOrder({ orderId: 'vip', customerId: '2', totalAmountUsd: 6000 });
    const { rows } = runBatches([[abroad, dear, dearAbroad('both', T0 + MINUTE_MS, { customerId: '3' })]]);
    assert.deepEqual(
      rows[0]!.map((r) => [r.customerId, r.ruleId, r.severity, mailsOfAlertRow(r).length]),
      [
        ['1', 'foreign-shipping', 'low', 0],
        ['2', 'high-value', 'low', 0],
        ['3', 'high-value,foreign-shipping', 'medium', 1],
      ],
    );
  });

  it('mails every alert at or above ALERT_MIN_SEVERITY and none below', () => {
    const orders = [shippedTo(PLACES.tokyo!, { orderId: 'gift', distanceFromHomeKm: 8918.6 })];
    assert.equal(allMails(runBatches([orders], { ...DEFAULT_ALERT_POLICY, minSeverity: 'low' }).rows).length, 1);
    assert.equal(allMails(runBatches([[dearAbroad('x', T0)]], { ...DEFAULT_ALERT_POLICY, minSeverity: 'high' }).rows).length, 0);
  });
});
