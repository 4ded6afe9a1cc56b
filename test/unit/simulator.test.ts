import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { haversineKm } from '../../src/domain/geo.ts';
import { UsageError } from '../../src/errors.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { decodeOrder } from '../../src/schemas/index.ts';
import {
  ANOMALY_TYPES,
  FRAUD_TYPES,
  OrderSimulator,
  parseAnomalyTypes,
  parseVersionMix,
  simulate,
  TokenBucket,
  type GeneratorOptions,
  type MessageSink,
  type SimMessage,
  type TruthRecord,
  type WireMessage,
} from '../../src/simulator/index.ts';

const reference = loadReferenceData({ CUSTOMERS: 1000 });

function run(options: GeneratorOptions): SimMessage[] {
  const simulator = new OrderSimulator(reference, options);
  const out: SimMessage[] = [];
  for (let m = simulator.next(); m; m = simulator.next()) out.push(m);
  return out;
}

/** Distinct valid orders (first occurrence of each order id), as the pipeline's silver sees them. */
function distinctValid(messages: SimMessage[]): TruthRecord[] {
  const seen = new Set<string>();
  return messages.map((m) => m.truth).filter((t) => t.valid && !seen.has(t.orderId) && (seen.add(t.orderId), true));
}

/**
 * A plain rule engine over the truth, independent of the generator: each rule flags orders by its
 * definition (docs/truth-file.md), with the value-spike factor and history as given. Crisp labels
 * mean it flags exactly the labelled ones.
 */
function oracle(orders: TruthRecord[], spike = { factor: 8, minPrevious: 1 }): Record<string, Set<string>> {
  const flagged: Record<string, Set<string>> = Object.fromEntries(FRAUD_TYPES.map((t) => [t, new Set<string>()]));
  const byCustomer = new Map<string, TruthRecord[]>();
  for (const o of orders) byCustomer.set(o.customerId, [...(byCustomer.get(o.customerId) ?? []), o]);
  for (const [customerId, list] of byCustomer) {
    list.sort((a, b) => a.orderTs - b.orderTs);
    const home = reference.customer(customerId)!;
    let spent = 0;
    list.forEach((o, i) => {
      if (o.usdTotal > 4000) flagged['high-value']!.add(o.orderId);
      if (i >= spike.minPrevious && o.usdTotal >= spike.factor * (spent / i)) flagged['value-spike']!.add(o.orderId);
      spent += o.usdTotal;
      if (o.items.some((item) => item.quantity >= 20)) flagged['quantity-outlier']!.add(o.orderId);
      if (o.shipCountry !== null && o.shipCountry !== home.homeCountry && o.shipKm! > 2000) flagged['foreign-shipping']!.add(o.orderId);
      const hour = list.filter((p) => p.orderTs <= o.orderTs && p.orderTs > o.orderTs - 3_600_000);
      if (hour.length > 6) for (const p of hour) flagged.velocity!.add(p.orderId);
      const tenMinutes = list.filter((p) => p.orderTs <= o.orderTs && p.orderTs >= o.orderTs - 600_000);
      if (new Set(tenMinutes.map((p) => p.paymentMethod)).size >= 3) for (const p of tenMinutes) flagged['payment-hopping']!.add(p.orderId);
    });
    const located = list.filter((o) => o.shipCity !== null);
    for (let i = 1; i < located.length; i++) {
      const [a, b] = [located[i - 1]!, located[i]!];
      const km = haversineKm(reference.geocode(a.shipCity!, a.shipCountry!)!, reference.geocode(b.shipCity!, b.shipCountry!)!);
      const hours = (b.orderTs - a.orderTs) / 3_600_000;
      if (km > 1000 && hours <= 1 && km / hours > 900) flagged['impossible-travel']!.add(b.orderId);
    }
  }
  return flagged;
}

describe('the generator', () => {
  test('gives byte-identical messages and truth for the same seed', () => {
    const a = run({ seed: 42, count: 5000, anomalyRate: 0.2 });
    const b = run({ seed: 42, count: 5000, anomalyRate: 0.2 });
    assert.deepEqual(b, a);
    const c = run({ seed: 43, count: 5000, anomalyRate: 0.2 });
    assert.notDeepEqual(c.map((m) => m.value), a.map((m) => m.value));
  });

  test('sends exactly --count messages, keyed by customer id, with ids shaped like UUIDs and unique but for duplicates', () => {
    const messages = run({ seed: 1, count: 3000, anomalyRate: 0.1 });
    assert.equal(messages.length, 3000);
    const ids = new Set<string>();
    messages.forEach((m, seq) => {
      assert.equal(m.truth.seq, seq);
      assert.equal(m.key, m.truth.customerId);
      assert.match(m.truth.orderId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      if (m.truth.defect !== 'duplicate-order') {
        assert.equal(ids.has(m.truth.orderId), false);
        ids.add(m.truth.orderId);
      }
      assert.equal(m.value.includes('fraud') || m.value.includes('velocity') || m.value.includes('defect'), false, 'labels leak into the message');
    });
  });

  test('every message decodes exactly as its truth line says: valid or not, and with which version', () => {
    const messages = run({ seed: 5, count: 20_000, anomalyRate: 0.3 });
    for (const m of messages) {
      const decoded = decodeOrder(m.value, m.headers);
      assert.equal(decoded.ok, m.truth.valid, `${m.truth.defect}: ${decoded.ok ? 'valid' : decoded.reason}`);
      assert.equal(decoded.ok ? decoded.schemaVersion : (decoded.schemaVersion ?? null), m.truth.schemaVersion);
      if (decoded.ok && m.truth.defect !== 'unknown-product') {
        assert.equal(Date.parse(decoded.order.orderDate), m.truth.orderTs);
        assert.equal(decoded.order.dateOrder, m.truth.orderDate);
        assert.deepEqual(decoded.order.items, m.truth.items.map((i) => ({ productId: i.productId, quantity: i.quantity })));
      }
    }
  });

  test('mixes versions as asked and leaves the header off about 5% of messages', () => {
    const messages = run({ seed: 9, count: 20_000, anomalyRate: 0, versions: { 1: 0.1, 2: 0.3, 3: 0.6 } });
    const share = (v: number): number => messages.filter((m) => m.truth.version === v).length / messages.length;
    assert.ok(Math.abs(share(1) - 0.1) < 0.015 && Math.abs(share(2) - 0.3) < 0.02 && Math.abs(share(3) - 0.6) < 0.02);
    const headerless = messages.filter((m) => !m.truth.headerSent);
    assert.ok(Math.abs(headerless.length / messages.length - 0.05) < 0.01);
    for (const m of messages) assert.deepEqual(m.headers, m.truth.headerSent ? { 'schema-version': String(m.truth.version) } : {});
  });

  test('totals match the items: US dollars to the cent, crypto converted with the rate of the order date to 8 decimals', () => {
    for (const m of run({ seed: 3, count: 5000, anomalyRate: 0 })) {
      const t = m.truth;
      const listUsd = t.items.reduce((sum, i) => sum + i.lineUsd!, 0);
      const rate = reference.usdPerUnit(t.paymentMethod, t.orderDate);
      if (rate === 1) {
        assert.equal(t.totalAmount, listUsd);
        assert.equal(t.usdTotal, listUsd);
      } else {
        assert.equal(t.totalAmount, Math.round((listUsd / rate) * 1e8) / 1e8);
        assert.equal(t.usdTotal, Math.round(t.totalAmount * rate * 100) / 100);
        assert.ok(Math.abs(t.usdTotal - listUsd) <= 0.01);
      }
      for (const i of t.items) assert.equal(i.lineUsd, i.quantity * reference.product(i.productId)!.unitPriceUsd);
    }
  });

  test('keeps normal traffic clean: ≤ 5 per line, ≤ 4,000 USD, ≤ 6 orders per customer and hour, home or a city nearby', () => {
    const orders = distinctValid(run({ seed: 8, count: 30_000, anomalyRate: 0 }));
    const byCustomer = new Map<string, number[]>();
    for (const o of orders) {
      assert.ok(o.items.length >= 1 && o.items.length <= 5);
      assert.ok(o.items.every((i) => i.quantity >= 1 && i.quantity <= 5));
      assert.ok(o.usdTotal <= 4000);
      if (o.shipCity !== null) assert.ok(o.shipKm! < 300 && o.shipCountry === reference.customer(o.customerId)!.homeCountry);
      byCustomer.set(o.customerId, [...(byCustomer.get(o.customerId) ?? []), o.orderTs]);
    }
    for (const times of byCustomer.values()) {
      times.sort((a, b) => a - b);
      for (let i = 6; i < times.length; i++) assert.ok(times[i]! - times[i - 6]! >= 3_600_000);
    }
    // Zipf-like: the busiest tenth of the customers place far more than a tenth of the orders.
    const counts = [...byCustomer.values()].map((t) => t.length).sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(counts.length / 10)).reduce((a, b) => a + b, 0);
    assert.ok(top / orders.length > 0.25, String(top / orders.length));
  });

  test('labels are crisp: rules that know only the definitions flag exactly the labelled orders; only the two-signal patterns carry two labels', () => {
    for (const seed of [1, 2]) {
      const messages = run({ seed, count: 40_000, anomalyRate: 0.15 });
      const orders = distinctValid(messages);
      // The brief's value-spike (8× the mean of any history) and config/fraud-rules.json's (5×, 3 orders).
      for (const spike of [{ factor: 8, minPrevious: 1 }, { factor: 5, minPrevious: 3 }]) {
        const flagged = oracle(orders, spike);
        for (const type of FRAUD_TYPES) {
          const labelled = new Set(orders.filter((o) => o.fraud.includes(type)).map((o) => o.orderId));
          assert.ok(labelled.size > 0, `no ${type} in the run`);
          assert.deepEqual([...flagged[type]!].filter((id) => !labelled.has(id)), [], `${type}: flagged but not labelled`);
          assert.deepEqual([...labelled].filter((id) => !flagged[type]!.has(id)), [], `${type}: labelled but not flagged`);
        }
      }
      const twoSignals = new Set(['high-value,value-spike', 'high-value,foreign-shipping']);
      assert.ok(messages.every((m) => (m.truth.fraud.length <= 1 || twoSignals.has(m.truth.fraud.join(','))) && (m.truth.fraud.length === 0 || m.truth.defect === null)));
    }
  });

  test('splits the anomaly share across all sixteen types and lands close to the requested share', () => {
    const simulator = new OrderSimulator(reference, { seed: 4, count: 40_000, anomalyRate: 0.1 });
    while (simulator.next());
    const anomalous = Object.values(simulator.stats.perAnomaly).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(anomalous / 40_000 - 0.1) < 0.015, String(anomalous / 40_000));
    for (const type of ANOMALY_TYPES) assert.ok(simulator.stats.perAnomaly[type] > 100, `${type}: ${simulator.stats.perAnomaly[type]}`);
  });

  test('fraud patterns are whole: bursts of 7–10 orders within 50 minutes, hops of 3–4 methods within 10, travel in pairs', () => {
    const messages = run({ seed: 6, count: 4000, anomalyRate: 0.5, anomalyTypes: ['velocity', 'payment-hopping', 'impossible-travel'] });
    const patterns = new Map<string, TruthRecord[]>();
    for (const m of messages) if (m.truth.patternId) patterns.set(m.truth.patternId, [...(patterns.get(m.truth.patternId) ?? []), m.truth]);
    assert.ok(patterns.size > 20);
    for (const [id, orders] of patterns) {
      const span = Math.max(...orders.map((o) => o.orderTs)) - Math.min(...orders.map((o) => o.orderTs));
      assert.equal(new Set(orders.map((o) => o.customerId)).size, 1, id);
      // (+1 s: v1/v2 dates carry whole seconds.)
      if (id.startsWith('velocity')) assert.ok(orders.length >= 7 && orders.length <= 10 && span <= 50 * 60_000 + 1000, id);
      if (id.startsWith('payment-hopping')) assert.ok(orders.length >= 3 && orders.length <= 4 && span < 10 * 60_000 && new Set(orders.map((o) => o.paymentMethod)).size === orders.length, id);
      if (id.startsWith('impossible-travel')) {
        assert.ok(orders.length === 2 && span < 60 * 60_000, id);
        assert.deepEqual(orders.map((o) => o.fraud), [[], ['impossible-travel']], id);
      }
    }
    // A burst's orders are interleaved with other traffic, not sent back to back.
    const burst = [...patterns].find(([id]) => id.startsWith('velocity'))![1];
    assert.ok(burst.at(-1)!.seq - burst[0]!.seq > 50);
  });

  test('drain() completes the patterns under way when a run ends on a deadline', () => {
    const simulator = new OrderSimulator(reference, { seed: 2, anomalyRate: 0.5, anomalyTypes: ['velocity'] });
    const messages: SimMessage[] = [];
    for (let i = 0; i < 500; i++) messages.push(simulator.next()!);
    assert.ok(simulator.pendingCount > 0);
    messages.push(...simulator.drain());
    const sizes = new Map<string, number>();
    for (const m of messages) if (m.truth.patternId) sizes.set(m.truth.patternId, (sizes.get(m.truth.patternId) ?? 0) + 1);
    for (const [id, n] of sizes) assert.ok(n >= 7 && n <= 10, `${id} has ${n} orders`);
  });

  test('duplicates repeat an earlier message byte for byte; future dates are more than a day ahead of the clock', () => {
    const messages = run({ seed: 7, count: 20_000, anomalyRate: 0.3, anomalyTypes: ['duplicate-order', 'future-date'] });
    let clock = -Infinity;
    let duplicates = 0;
    let futures = 0;
    for (const m of messages) {
      if (m.truth.defect === 'duplicate-order') {
        duplicates++;
        const original = messages[m.truth.duplicateOf!]!;
        assert.ok(original.truth.seq < m.truth.seq);
        assert.deepEqual([m.key, m.value, m.headers], [original.key, original.value, original.headers]);
      } else if (m.truth.defect === 'future-date') {
        futures++;
        assert.ok(m.truth.orderTs > clock + 86_400_000);
      } else {
        clock = Math.max(clock, m.truth.orderTs);
      }
    }
    assert.ok(duplicates > 100 && futures > 100);
  });

  test('rejects a customer count beyond the reference data', () => {
    assert.throws(() => new OrderSimulator(reference, { customers: 1001 }), RangeError);
  });
});

describe('the simulate shell', () => {
  test('ships every message to the sink in batches, writes one truth line per message and summarizes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'simulate-'));
    try {
      const received: SimMessage[][] = [];
      // Generated in this thread, the sink receives whole SimMessages.
      const sink: MessageSink = { send: async (batch) => void received.push([...batch] as SimMessage[]), close: async () => {} };
      const truthFile = path.join(dir, 'truth.jsonl');
      const summary = await simulate({ seed: 11, count: 2345, anomalyRate: 0.1, truthFile, batchSize: 500, topic: 't' }, { sink, reference });
      const sent = received.flat();
      assert.equal(sent.length, 2345);
      assert.ok(received.every((b) => b.length <= 500));
      assert.deepEqual(sent, run({ seed: 11, count: 2345, anomalyRate: 0.1 }));
      const truth = readFileSync(truthFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as TruthRecord);
      assert.deepEqual(truth, sent.map((m) => m.truth));
      assert.equal(summary.sent, 2345);
      assert.equal(summary.valid + summary.invalid, 2345);
      assert.equal(Object.values(summary.perVersion).reduce((a, b) => a + b, 0), 2345);
      assert.equal(summary.topic, 't');
      assert.ok(summary.ratePerSec > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('generating in a worker thread sends the same messages and truth as generating in this thread', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'simulate-'));
    try {
      const received: WireMessage[] = [];
      const sink: MessageSink = { send: async (batch) => void received.push(...batch), close: async () => {} };
      const truthFile = path.join(dir, 'truth.jsonl');
      const summary = await simulate({ seed: 12, count: 3210, anomalyRate: 0.2, truthFile, batchSize: 400 }, { sink, reference, generateInWorker: true });
      const expected = run({ seed: 12, count: 3210, anomalyRate: 0.2 });
      assert.deepEqual(received, expected.map((m) => ({ key: m.key, value: m.value, headers: m.headers })));
      assert.equal(readFileSync(truthFile, 'utf8'), expected.map((m) => `${JSON.stringify(m.truth)}\n`).join(''));
      assert.equal(summary.sent, 3210);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a deadline run in a worker thread completes its patterns too', async () => {
    const received: WireMessage[] = [];
    const sink: MessageSink = { send: async (batch) => void received.push(...batch), close: async () => {} };
    const summary = await simulate({ seed: 4, durationSec: 0.5, rate: 4000, anomalyRate: 0.5, anomalyTypes: ['velocity'] }, { sink, reference, generateInWorker: true });
    assert.equal(received.length, summary.sent);
    // Up to the deadline, the same stream as in this thread; then the drained pattern orders.
    const expected = new OrderSimulator(reference, { seed: 4, anomalyRate: 0.5, anomalyTypes: ['velocity'] });
    let same = 0;
    while (same < received.length && received[same]!.value === expected.next()!.value) same++;
    assert.ok(same >= received.length / 2, `${same} of ${received.length}`);
    assert.ok(summary.fraudInstances.velocity > 0);
    assert.ok(summary.perAnomaly.velocity >= 7 * summary.fraudInstances.velocity);
  });

  test('holds a requested rate', async () => {
    const sink: MessageSink = { send: async () => {}, close: async () => {} };
    // Batches of rate/20 = 100; the first goes at once, so 3,000 messages take 2.9 s: +3.4%.
    const summary = await simulate({ seed: 1, count: 3000, rate: 2000 }, { sink, reference });
    assert.ok(Math.abs(summary.ratePerSec - 2000) / 2000 < 0.1, String(summary.ratePerSec));
  });

  test('stops on a deadline with whole patterns', async () => {
    const sent: SimMessage[] = [];
    const sink: MessageSink = { send: async (batch) => void sent.push(...(batch as SimMessage[])), close: async () => {} };
    await simulate({ seed: 3, durationSec: 0.3, rate: 2000, anomalyRate: 0.5, anomalyTypes: ['velocity'] }, { sink, reference });
    const sizes = new Map<string, number>();
    for (const m of sent) if (m.truth.patternId) sizes.set(m.truth.patternId, (sizes.get(m.truth.patternId) ?? 0) + 1);
    for (const n of sizes.values()) assert.ok(n >= 7);
  });

  test('reports a failing sink instead of hanging', async () => {
    const sink: MessageSink = { send: async () => Promise.reject(new Error('broker gone')), close: async () => {} };
    await assert.rejects(simulate({ seed: 1, count: 3000 }, { sink, reference }), /broker gone/);
  });
});

describe('rate limiting and options', () => {
  test('the token bucket lets a batch through at once, then one batch per batch/rate seconds', async () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 50, () => now, async (ms) => {
      now += ms;
    });
    await bucket.take(50);
    assert.equal(now, 0);
    for (let i = 0; i < 20; i++) await bucket.take(50);
    assert.equal(now, 1000);
    assert.throws(() => new TokenBucket(0, 1), RangeError);
    await assert.rejects(bucket.take(51), RangeError);
  });

  test('a timer that fires late is made up for on the next take, up to the capacity', async () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 100, () => now, async (ms) => {
      now += ms + 30; // every sleep overshoots by 30 ms
    }, 50);
    for (let i = 0; i < 40; i++) await bucket.take(50);
    // 2,000 tokens at 1,000/s after the first 50: 1.95 s, however late each wake-up was.
    assert.ok(now >= 1950 && now <= 2000, String(now));
  });

  test('--versions and --anomaly-types are parsed strictly', () => {
    assert.deepEqual(parseVersionMix('1:0.1,2:0.3,3:0.6'), { 1: 0.1, 2: 0.3, 3: 0.6 });
    assert.deepEqual(parseVersionMix('3:1'), { 1: 0, 2: 0, 3: 1 });
    assert.throws(() => parseVersionMix('4:1'), UsageError);
    assert.throws(() => parseVersionMix('1:-1'), UsageError);
    assert.throws(() => parseVersionMix('1:0'), UsageError);
    assert.deepEqual(parseAnomalyTypes('velocity, high-value'), ['velocity', 'high-value']);
    assert.equal(parseAnomalyTypes('all').length, 16);
    assert.throws(() => parseAnomalyTypes('velocity,teleport'), /unknown type "teleport"/);
  });
});
