// The quality bar of the fraud rules (issue: recall ≥ 0.95 and precision ≥ 0.90 per rule at
// default thresholds), measured without any server: the seeded simulator's messages go through
// the same pure steps as in the pipeline (decode, dedupe, enrich, fraud, checkpoint), in small
// batches per partition so that patterns straddle batches, and the flags are scored against the
// simulator's truth labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findDuplicates } from '../../src/domain/dedupe.ts';
import { enrichOrder } from '../../src/domain/enrich.ts';
import { evaluateFraud, scoreFlags, type OrderFlag } from '../../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES, RULE_IDS } from '../../src/domain/fraud/rules.ts';
import type { BronzeRow, SilverItemRow, SilverOrderRow } from '../../src/domain/rows.ts';
import { parseState, serializeState } from '../../src/domain/state-codec.ts';
import { advanceState, emptyPartitionState } from '../../src/domain/state.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { decodeOrder } from '../../src/schemas/index.ts';
import { OrderSimulator } from '../../src/simulator/generator.ts';

const COUNT = 8000;
/** Four times the default share, for enough patterns of every rule in a short run. */
const ANOMALY_RATE = 0.08;
const PARTITIONS = 4;
const BATCH_RECORDS = 40;
const DEDUP_WINDOW_MS = 24 * 3_600_000;

interface Record_ {
  value: string;
  headers: Record<string, string>;
  offset: number;
  kafkaTs: number;
}

describe('fraud rules against the simulator’s truth file', () => {
  it('reach recall ≥ 0.95 and precision ≥ 0.90 for every rule at default thresholds, and silver stays distinct', (t) => {
    const reference = loadReferenceData({ CUSTOMERS: 1000 });
    const simulator = new OrderSimulator(reference, { seed: 'fraud-truth', count: COUNT, anomalyRate: ANOMALY_RATE });
    const partitions: Record_[][] = Array.from({ length: PARTITIONS }, () => []);
    const truth: { orderId: string; fraud: string[]; valid: boolean }[] = [];
    const keyHash = (key: string): number => [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % PARTITIONS;
    for (let m = simulator.next(); m; m = simulator.next()) {
      const p = partitions[keyHash(m.key)]!;
      p.push({ value: m.value, headers: m.headers, offset: p.length, kafkaTs: simulator.eventClockMs + 1000 });
      truth.push({ orderId: m.truth.orderId, fraud: m.truth.fraud, valid: m.truth.valid });
    }

    const flags: OrderFlag[] = [];
    const silverIds: string[] = [];
    partitions.forEach((records, partition) => {
      let state = emptyPartitionState();
      for (let start = 0; start < records.length; start += BATCH_RECORDS) {
        const bronze: BronzeRow[] = [];
        for (const r of records.slice(start, start + BATCH_RECORDS)) {
          const decoded = decodeOrder(r.value, r.headers);
          if (!decoded.ok) continue;
          const { order, schemaVersion } = decoded;
          bronze.push({ orderId: order.orderId, customerId: order.customerId, orderTs: Date.parse(order.orderDate), orderDate: order.dateOrder, schemaVersion, partition, offset: r.offset, kafkaTs: r.kafkaTs, payload: JSON.stringify(order), duplicate: false });
        }
        for (const i of findDuplicates(bronze, state, DEDUP_WINDOW_MS)) bronze[i]!.duplicate = true;
        const orders: SilverOrderRow[] = [];
        const items: SilverItemRow[] = [];
        for (const row of bronze.filter((b) => !b.duplicate)) {
          const enriched = enrichOrder(JSON.parse(row.payload) as Parameters<typeof enrichOrder>[0], row, reference);
          orders.push(enriched.order);
          items.push(...enriched.items);
        }
        silverIds.push(...orders.map((o) => o.orderId));
        flags.push(...evaluateFraud(DEFAULT_FRAUD_RULES, state, orders, items, `orders-${partition}-${start}`).flags);
        state = parseState(serializeState(advanceState(state, orders, items, { dedupWindowMs: DEDUP_WINDOW_MS })));
      }
    });

    const distinctValid = new Set(truth.filter((r) => r.valid).map((r) => r.orderId));
    assert.equal(silverIds.length, new Set(silverIds).size, 'no order id twice in silver');
    assert.equal(silverIds.length, distinctValid.size, 'every distinct valid order in silver');

    const confusion = scoreFlags(flags, truth, RULE_IDS);
    for (const c of confusion) {
      t.diagnostic(`${c.rule}: tp ${c.truePositives} fp ${c.falsePositives} fn ${c.falseNegatives} precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)}`);
    }
    for (const c of confusion) {
      assert.ok(c.truePositives + c.falseNegatives > 0, `the run holds ${c.rule} patterns`);
      assert.ok(c.recall >= 0.95, `${c.rule} recall ${c.recall.toFixed(3)} < 0.95`);
      assert.ok(c.precision >= 0.9, `${c.rule} precision ${c.precision.toFixed(3)} < 0.90`);
    }
  });
});
