import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { combineSeverities, evaluateFraud, fraudAlertId, scoreFlags, type FraudEvaluation, type OrderFlag } from '../../src/domain/fraud/evaluate.ts';
import {
  DEFAULT_FRAUD_RULES,
  DEFAULT_FRAUD_RULES_PATH,
  FraudRulesError,
  loadFraudRules,
  parseFraudRules,
  RULE_IDS,
  type FraudRule,
} from '../../src/domain/fraud/rules.ts';
import { histogramMad, histogramMedian, mad, median, robustZ } from '../../src/domain/fraud/stats.ts';
import type { SilverItemRow, SilverOrderRow } from '../../src/domain/rows.ts';
import { parseState, serializeState } from '../../src/domain/state-codec.ts';
import { advanceState } from '../../src/domain/partition-walk.ts';
import { emptyPartitionState, type PartitionState } from '../../src/domain/state.ts';
import { HOUR_MS, itemOf, linesOf, MINUTE_MS, PLACES, shippedTo, silverOrder, T0 } from './domain-fixtures.ts';

interface Batch {
  orders: SilverOrderRow[];
  items?: SilverItemRow[];
}

/** Runs batches through fraud evaluation and the checkpoint, as the workflow does, one after the other. */
function runBatches(batches: Batch[], rules: readonly FraudRule[] = DEFAULT_FRAUD_RULES): { results: FraudEvaluation[]; state: PartitionState } {
  let state = emptyPartitionState();
  const results: FraudEvaluation[] = [];
  batches.forEach((batch, i) => {
    const items = batch.items ?? linesOf(batch.orders);
    results.push(evaluateFraud(rules, state, batch.orders, items, `orders-0-${i * 100}`));
    // Through the checkpoint's text, as between two real batches.
    state = parseState(serializeState(advanceState(state, batch.orders, items, { dedupWindowMs: 24 * HOUR_MS, rules })));
  });
  return { results, state };
}

const flagged = (result: FraudEvaluation, rule: string): string[] => result.flags.filter((f) => f.rules.includes(rule as OrderFlag['rules'][number])).map((f) => f.orderId);

/** n orders of customer 1, `gapMs` apart from `start`, ids prefixed. */
const burst = (prefix: string, n: number, start: number, gapMs: number, overrides: Partial<SilverOrderRow> = {}): SilverOrderRow[] =>
  Array.from({ length: n }, (_, i) => silverOrder({ orderId: `${prefix}${i + 1}`, orderTs: start + i * gapMs, ...overrides }));

describe('the fraud rule file', () => {
  it('ships every rule, enabled, with the documented defaults', () => {
    const rules = loadFraudRules();
    assert.deepEqual(rules, DEFAULT_FRAUD_RULES);
    assert.deepEqual(rules.map((r) => r.id), [...RULE_IDS]);
    assert.ok(rules.every((r) => r.enabled));
    assert.equal(DEFAULT_FRAUD_RULES_PATH.endsWith(path.join('config', 'fraud-rules.json')), true);
  });

  it('fills left-out thresholds with their defaults', () => {
    const [velocity] = parseFraudRules([{ id: 'velocity', maxOrders: 3 }]);
    assert.deepEqual(velocity, { id: 'velocity', enabled: true, severity: 'high', maxOrders: 3, windowMinutes: 60 });
  });

  it('rejects a bad rule file with a message naming the rule and the field', () => {
    assert.throws(() => parseFraudRules([{ id: 'velocity', windowMinutes: -5 }], 'rules.json'), (e: unknown) => e instanceof FraudRulesError && /rules\.json: rules\[0\]\.windowMinutes \(velocity\): Too small/.test(e.message));
    assert.throws(() => parseFraudRules([{ id: 'velocty' }]), /rules\[0\]\.id \(velocty\)/);
    assert.throws(() => parseFraudRules([{ id: 'high-value', threshold: 10 }]), /Unrecognized key: "threshold"/);
    assert.throws(() => parseFraudRules([{ id: 'high-value', severity: 'extreme' }]), /rules\[0\]\.severity/);
    assert.throws(() => parseFraudRules([{ id: 'high-value' }, { id: 'high-value' }]), /rules\[1\]\.id.*defined twice/);
    assert.throws(() => parseFraudRules({ rules: [] }), /expected array/);
  });

  it('rejects a file that is not JSON or cannot be read', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fraud-rules-'));
    const file = path.join(dir, 'rules.json');
    writeFileSync(file, '[{"id": "velocity",]');
    assert.throws(() => loadFraudRules(file), /is not valid JSON/);
    assert.throws(() => loadFraudRules(path.join(dir, 'missing.json')), /cannot be read/);
  });
});

describe('velocity: more than 6 orders of one customer within 60 minutes', () => {
  it('flags the whole burst once the seventh order arrives', () => {
    const { results } = runBatches([{ orders: burst('v', 7, T0, 5 * MINUTE_MS) }]);
    assert.deepEqual(flagged(results[0]!, 'velocity'), ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
    assert.equal(results[0]!.alerts.length, 1);
    const evidence = JSON.parse(results[0]!.alerts[0]!.evidence) as { velocity: { ordersInWindow: number; maxOrders: number } };
    assert.deepEqual([evidence.velocity.ordersInWindow, evidence.velocity.maxOrders], [7, 6]);
  });

  it('leaves six orders in an hour, or seven spread over two hours, alone', () => {
    assert.deepEqual(runBatches([{ orders: burst('v', 6, T0, 5 * MINUTE_MS) }]).results[0]!.alerts, []);
    assert.deepEqual(runBatches([{ orders: burst('v', 7, T0, 15 * MINUTE_MS) }]).results[0]!.alerts, []);
  });

  it('catches a burst that straddles two batches through the partition state, as one alert', () => {
    const orders = burst('v', 8, T0, 4 * MINUTE_MS);
    const { results } = runBatches([{ orders: orders.slice(0, 4) }, { orders: orders.slice(4) }]);
    assert.deepEqual(results[0]!.alerts, [], 'four orders are not a burst yet');
    const [alert] = results[1]!.alerts;
    assert.equal(results[1]!.alerts.length, 1);
    assert.equal(alert!.ruleId, 'velocity');
    assert.equal(alert!.orderIds, 'v1,v2,v3,v4,v5,v6,v7,v8', 'the earlier batch’s orders are part of the burst');
    assert.equal(alert!.windowStart, T0);
    assert.equal(alert!.windowEnd, T0 + 28 * MINUTE_MS);
    assert.deepEqual(
      results[1]!.flags.map((f) => [f.orderId, f.inBatch]),
      orders.map((o, i) => [o.orderId, i >= 4]),
    );
  });

  it('flags only the new orders when a burst goes on in the next batch', () => {
    const orders = burst('v', 9, T0, 4 * MINUTE_MS);
    const { results } = runBatches([{ orders: orders.slice(0, 7) }, { orders: orders.slice(7) }]);
    assert.deepEqual(flagged(results[0]!, 'velocity').length, 7);
    assert.deepEqual(flagged(results[1]!, 'velocity'), ['v8', 'v9']);
    const evidence = JSON.parse(results[1]!.alerts[0]!.evidence) as { velocity: { ordersInWindow: number } };
    assert.equal(evidence.velocity.ordersInWindow, 9);
  });
});

describe('payment-hopping: 3 or more payment methods within 10 minutes', () => {
  it('flags the hops across two batches', () => {
    const a = silverOrder({ orderId: 'h1', orderTs: T0, paymentMethod: 'PAYPAL' });
    const b = silverOrder({ orderId: 'h2', orderTs: T0 + 3 * MINUTE_MS, paymentMethod: 'VENMO' });
    const c = silverOrder({ orderId: 'h3', orderTs: T0 + 7 * MINUTE_MS, paymentMethod: 'BITCOIN' });
    const { results } = runBatches([{ orders: [a, b] }, { orders: [c] }]);
    assert.deepEqual(results[0]!.alerts, []);
    assert.deepEqual(flagged(results[1]!, 'payment-hopping'), ['h1', 'h2', 'h3']);
    const evidence = JSON.parse(results[1]!.alerts[0]!.evidence) as { 'payment-hopping': { methods: string[] } };
    assert.deepEqual(evidence['payment-hopping'].methods, ['BITCOIN', 'PAYPAL', 'VENMO']);
  });

  it('leaves two methods, or three spread over half an hour, alone', () => {
    const two = [silverOrder({ orderId: 'a', paymentMethod: 'PAYPAL' }), silverOrder({ orderId: 'b', orderTs: T0 + MINUTE_MS }), silverOrder({ orderId: 'c', orderTs: T0 + 2 * MINUTE_MS, paymentMethod: 'PAYPAL' })];
    assert.deepEqual(runBatches([{ orders: two }]).results[0]!.alerts, []);
    const slow = ['PAYPAL', 'VENMO', 'ZELLE'].map((pm, i) => silverOrder({ orderId: `s${i}`, orderTs: T0 + i * 15 * MINUTE_MS, paymentMethod: pm }));
    assert.deepEqual(runBatches([{ orders: slow }]).results[0]!.alerts, []);
  });
});

describe('impossible-travel: consecutive orders too far apart for the time between them', () => {
  const customer2 = { customerId: '2', homeCity: 'New York', homeCountry: 'US', customerName: 'James Smith' };

  it('flags the order that completes the trip, across batches, and not the trip back home', () => {
    const home = shippedTo(PLACES.newYork!, { ...customer2, orderId: 't1', orderTs: T0, shipsToHome: true, distanceFromHomeKm: 0 });
    const far = shippedTo(PLACES.losAngeles!, { ...customer2, orderId: 't2', orderTs: T0 + 40 * MINUTE_MS, distanceFromHomeKm: 3936 });
    const back = shippedTo(PLACES.newYork!, { ...customer2, orderId: 't3', orderTs: T0 + 100 * MINUTE_MS, shipsToHome: true, distanceFromHomeKm: 0 });
    const { results } = runBatches([{ orders: [home] }, { orders: [far] }, { orders: [back] }]);
    assert.deepEqual(flagged(results[1]!, 'impossible-travel'), ['t2']);
    const evidence = JSON.parse(results[1]!.alerts[0]!.evidence) as { 'impossible-travel': { previousOrderId: string; distanceKm: number; impliedSpeedKmh: number }[] };
    const [trip] = evidence['impossible-travel'];
    assert.equal(trip!.previousOrderId, 't1');
    assert.ok(trip!.distanceKm > 3900 && trip!.impliedSpeedKmh > 5000);
    assert.deepEqual(results[2]!.alerts, [], 'the order back home is compared with home, not with the flagged trip');
  });

  it('leaves a short trip, or a long one with time enough for a flight, alone', () => {
    const berlin = silverOrder({ orderId: 'b1' });
    const munich = shippedTo(PLACES.munich!, { orderId: 'b2', orderTs: T0 + 10 * MINUTE_MS, distanceFromHomeKm: 504 });
    assert.deepEqual(runBatches([{ orders: [berlin, munich] }]).results[0]!.alerts, [], '504 km is below 1,000 km');
    const ny = shippedTo(PLACES.newYork!, { ...customer2, orderId: 'n1' });
    const la = shippedTo(PLACES.losAngeles!, { ...customer2, orderId: 'n2', orderTs: T0 + 5 * HOUR_MS });
    assert.deepEqual(runBatches([{ orders: [ny, la] }]).results[0]!.alerts, [], '3,936 km in 5 h is under 900 km/h');
  });

  it('does not anchor the next trip on a future-dated order', () => {
    const home = shippedTo(PLACES.newYork!, { ...customer2, orderId: 'h1', orderTs: T0, shipsToHome: true, distanceFromHomeKm: 0 });
    const others = [silverOrder({ orderId: 'o1', customerId: '5', orderTs: T0 + MINUTE_MS }), silverOrder({ orderId: 'o2', customerId: '6', orderTs: T0 + 2 * MINUTE_MS })];
    // dated a month ahead and shipped to Los Angeles: the customer has not been there yet
    const future = shippedTo(PLACES.losAngeles!, { ...customer2, orderId: 'h2', orderTs: T0 + 30 * 24 * HOUR_MS, kafkaTs: T0 + 3 * MINUTE_MS, distanceFromHomeKm: 3936 });
    const trip = shippedTo(PLACES.losAngeles!, { ...customer2, orderId: 'h3', orderTs: T0 + 20 * MINUTE_MS, distanceFromHomeKm: 3936 });
    const { results } = runBatches([{ orders: [home, ...others, future] }, { orders: [trip] }]);
    assert.deepEqual(flagged(results[1]!, 'impossible-travel'), ['h3'], 'New York → Los Angeles in 20 minutes, measured from New York');
  });

  it('does not count an order already flagged as foreign shipping as a trip', () => {
    const berlin = silverOrder({ orderId: 'f1' });
    const tokyo = shippedTo(PLACES.tokyo!, { orderId: 'f2', orderTs: T0 + 30 * MINUTE_MS, distanceFromHomeKm: 8900 });
    const back = silverOrder({ orderId: 'f3', orderTs: T0 + 90 * MINUTE_MS });
    const { results } = runBatches([{ orders: [berlin, tokyo, back] }]);
    assert.deepEqual(results[0]!.flags.map((f) => [f.orderId, f.rules]), [['f2', ['foreign-shipping']]]);
  });
});

describe('per-order rules', () => {
  it('foreign-shipping flags another country far from home, not a nearby one or an unknown customer', () => {
    const tokyo = shippedTo(PLACES.tokyo!, { orderId: 'far', distanceFromHomeKm: 8918.6 });
    const paris = shippedTo(PLACES.paris!, { orderId: 'near', customerId: '3', distanceFromHomeKm: 878 });
    const munich = shippedTo(PLACES.munich!, { orderId: 'domestic', customerId: '4', distanceFromHomeKm: 504 });
    const stranger = shippedTo(PLACES.tokyo!, { orderId: 'stranger', customerId: '5', homeCity: '', homeCountry: '', distanceFromHomeKm: null });
    const { results } = runBatches([{ orders: [tokyo, paris, munich, stranger] }]);
    assert.deepEqual(flagged(results[0]!, 'foreign-shipping'), ['far']);
  });

  it('high-value flags totals above 4,000 USD', () => {
    const { results } = runBatches([{ orders: [silverOrder({ orderId: 'hv', totalAmountUsd: 4000.01 }), silverOrder({ orderId: 'ok', customerId: '3', totalAmountUsd: 4000 })] }]);
    assert.deepEqual(flagged(results[0]!, 'high-value'), ['hv']);
  });

  it('value-spike flags five times the customer’s mean once three earlier orders exist', () => {
    const history = burst('p', 3, T0 - 10 * HOUR_MS, 2 * HOUR_MS, { totalAmountUsd: 100 });
    const spike = silverOrder({ orderId: 'spike', orderTs: T0, totalAmountUsd: 500 });
    const { results } = runBatches([{ orders: history }, { orders: [spike] }]);
    assert.deepEqual(flagged(results[1]!, 'value-spike'), ['spike']);
    const evidence = JSON.parse(results[1]!.alerts[0]!.evidence) as { 'value-spike': { ratio: number; previousMeanUsd: number }[] };
    assert.deepEqual([evidence['value-spike'][0]!.ratio, evidence['value-spike'][0]!.previousMeanUsd], [5, 100]);

    assert.deepEqual(runBatches([{ orders: history }, { orders: [{ ...spike, totalAmountUsd: 499.99 }] }]).results[1]!.alerts, []);
    assert.deepEqual(runBatches([{ orders: history.slice(1) }, { orders: [spike] }]).results[1]!.alerts, [], 'two earlier orders are not enough history');
  });

  it('quantity-outlier flags a line of 20 or more at once', () => {
    const big = silverOrder({ orderId: 'q', totalAmountUsd: 200 });
    const { results } = runBatches([{ orders: [big], items: [itemOf(big, { quantity: 20, unitPriceUsd: 10 })] }]);
    assert.deepEqual(flagged(results[0]!, 'quantity-outlier'), ['q']);
    const small = silverOrder({ orderId: 's', totalAmountUsd: 190 });
    assert.deepEqual(runBatches([{ orders: [small], items: [itemOf(small, { quantity: 19, unitPriceUsd: 10 })] }]).results[0]!.alerts, [], 'no history: only the fixed limit applies');
  });

  it('quantity-outlier flags a quantity far above the product’s usual by robust z-score', () => {
    const history = Array.from({ length: 40 }, (_, i) => silverOrder({ orderId: `h${i}`, customerId: String(100 + i), orderTs: T0 - HOUR_MS + i * 1000 }));
    const historyItems = history.map((o, i) => itemOf(o, { quantity: i % 4 === 0 ? 2 : 1 }));
    const odd = silverOrder({ orderId: 'odd', customerId: '7', totalAmountUsd: 180 });
    const usual = silverOrder({ orderId: 'usual', customerId: '8', totalAmountUsd: 50 });
    const { results } = runBatches([{ orders: history, items: historyItems }, { orders: [odd, usual], items: [itemOf(odd, { quantity: 18, unitPriceUsd: 10 }), itemOf(usual, { quantity: 5, unitPriceUsd: 10 })] }]);
    assert.deepEqual(flagged(results[1]!, 'quantity-outlier'), ['odd']);
    const evidence = JSON.parse(results[1]!.alerts[0]!.evidence) as { 'quantity-outlier': { medianQuantity: number; robustZ: number }[] };
    assert.equal(evidence['quantity-outlier'][0]!.medianQuantity, 1);
    assert.ok(evidence['quantity-outlier'][0]!.robustZ >= 10);
  });
});

describe('fraud alerts', () => {
  it('makes one alert per flagged customer with every rule, a combined score and the evidence', () => {
    const both = shippedTo(PLACES.tokyo!, { orderId: 'x', totalAmountUsd: 4500, distanceFromHomeKm: 8918.6 });
    const other = silverOrder({ orderId: 'y', customerId: '2', totalAmountUsd: 9000 });
    const { results } = runBatches([{ orders: [other, both] }]);
    const alerts = results[0]!.alerts;
    // Two weak signals make a medium alert; one alone stays low.
    assert.deepEqual(
      alerts.map((a) => [a.alertId, a.customerId, a.ruleId, a.severity, a.score, a.orderIds, a.batchId]),
      [
        [fraudAlertId('orders', '1', both.orderTs), '1', 'high-value,foreign-shipping', 'medium', 0.438, 'x', 'orders-0-0'],
        [fraudAlertId('orders', '2', other.orderTs), '2', 'high-value', 'low', 0.25, 'y', 'orders-0-0'],
      ],
    );
    assert.deepEqual(Object.keys(JSON.parse(alerts[0]!.evidence) as object), ['foreign-shipping', 'high-value']);
    // Alert ids reach Temporal histories and lake keys: topic and digest, never the customer id.
    for (const alert of alerts) assert.match(alert.alertId, /^orders:fraud:[0-9a-f]{20}$/);
    assert.equal(fraudAlertId('orders', '1', T0), fraudAlertId('orders', '1', T0), 'deterministic');
    assert.notEqual(fraudAlertId('orders', '1', T0), fraudAlertId('orders', '1', T0 + 1), 'another window, another alert');
    assert.notEqual(fraudAlertId('orders', '1', T0), fraudAlertId('orders-b', '1', T0), 'another topic, another alert');
    assert.deepEqual(results[0]!.flags.find((f) => f.orderId === 'x')!.rules, ['high-value', 'foreign-shipping']);
  });

  it('combines severities into a score between 0 and 1', () => {
    assert.equal(combineSeverities([]), 0);
    assert.equal(combineSeverities(['high']), 0.75);
    assert.equal(combineSeverities(['high', 'high']), 0.938);
    assert.equal(combineSeverities(['low', 'critical']), 0.963);
  });

  it('skips disabled rules', () => {
    const rules = DEFAULT_FRAUD_RULES.map((r) => (r.id === 'high-value' ? { ...r, enabled: false } : r));
    assert.deepEqual(runBatches([{ orders: [silverOrder({ totalAmountUsd: 9000 })] }], rules).results[0]!.alerts, []);
  });

  it('gives the same alerts for a retried or re-run batch', () => {
    const first = burst('v', 4, T0, MINUTE_MS);
    const state = advanceState(emptyPartitionState(), first, linesOf(first), { dedupWindowMs: HOUR_MS });
    const batch = [...burst('w', 4, T0 + 10 * MINUTE_MS, MINUTE_MS), silverOrder({ orderId: 'hv', customerId: '2', totalAmountUsd: 5000 })];
    const once = evaluateFraud(DEFAULT_FRAUD_RULES, state, batch, linesOf(batch), 'orders-0-4');
    const again = evaluateFraud(DEFAULT_FRAUD_RULES, parseState(serializeState(state)), [...batch].reverse(), linesOf(batch).reverse(), 'orders-0-4');
    assert.deepEqual(again, once);
  });

  it('scores order flags against truth labels per rule, merging labels of a re-sent order id', () => {
    const confusion = scoreFlags(
      [
        { orderId: 'a', rules: ['velocity'] },
        { orderId: 'b', rules: ['velocity', 'high-value'] },
      ],
      [
        { orderId: 'a', fraud: ['velocity'] },
        { orderId: 'a', fraud: [] },
        { orderId: 'c', fraud: ['velocity'] },
        { orderId: 'b', fraud: ['high-value'] },
      ],
    );
    assert.deepEqual(
      confusion.map((c) => [c.rule, c.truePositives, c.falsePositives, c.falseNegatives, c.precision, c.recall]),
      [
        ['velocity', 1, 1, 1, 0.5, 0.5],
        ['high-value', 1, 0, 0, 1, 1],
      ],
    );
  });
});

describe('robust statistics', () => {
  it('computes median, MAD and robust z-scores on arrays and histograms alike', () => {
    const values = [1, 1, 1, 2, 2, 3, 10];
    assert.equal(median(values), 2);
    assert.equal(mad(values), 1);
    const h = new Map([[1, 3], [2, 2], [3, 1], [10, 1]]);
    assert.equal(histogramMedian(h), 2);
    assert.equal(histogramMad(h), 1);
    assert.equal(histogramMedian(new Map([[1, 2], [3, 2]])), 2);
    assert.ok(Math.abs(robustZ(10, 2, 1) - 8 / 1.4826) < 1e-9);
    assert.equal(robustZ(5, 1, 0, 1), 4 / 1.4826, 'the MAD floor applies when every value is the same');
    assert.equal(robustZ(5, 1, 0), Infinity);
  });
});
