// A seeded simulator stream taken through the pipeline's pure steps (decode, dedupe, enrich, fraud,
// checkpoint) without any server: partitioned by customer as Kafka would, cut into batches of a
// chosen size, each batch evaluated against the state the previous ones left. Unit tests measure
// the fraud rules and the alerts on it.
import { findDuplicates } from '../../src/domain/dedupe.ts';
import { enrichOrder } from '../../src/domain/enrich.ts';
import type { AlertPolicy } from '../../src/domain/fraud/alerting.ts';
import { evaluateFraud, type FraudEvaluation } from '../../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES, type FraudRule } from '../../src/domain/fraud/rules.ts';
import type { BronzeRow, SilverItemRow, SilverOrderRow } from '../../src/domain/rows.ts';
import { parseState, serializeState } from '../../src/domain/state-codec.ts';
import { advanceState } from '../../src/domain/partition-walk.ts';
import { emptyPartitionState } from '../../src/domain/state.ts';
import type { ShopReferenceData } from '../../src/reference/index.ts';
import { decodeOrder } from '../../src/schemas/index.ts';
import type { GeneratorOptions } from '../../src/simulator/generator-settings.ts';
import { OrderSimulator } from '../../src/simulator/generator.ts';
import type { TruthRecord } from '../../src/simulator/types.ts';

const DEDUP_WINDOW_MS = 24 * 3_600_000;

export interface StreamRecord {
  value: string;
  headers: Record<string, string>;
  offset: number;
  kafkaTs: number;
}

export interface SimulatedStream {
  partitions: StreamRecord[][];
  truth: TruthRecord[];
}

/** The simulator's messages, spread over partitions by key (the customer), with their truth records. */
export function simulateStream(reference: ShopReferenceData, options: GeneratorOptions, partitionCount: number): SimulatedStream {
  const simulator = new OrderSimulator(reference, options);
  const partitions: StreamRecord[][] = Array.from({ length: partitionCount }, () => []);
  const truth: TruthRecord[] = [];
  const keyHash = (key: string): number => [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % partitionCount;
  for (let m = simulator.next(); m; m = simulator.next()) {
    const p = partitions[keyHash(m.key)]!;
    p.push({ value: m.value, headers: m.headers, offset: p.length, kafkaTs: simulator.eventClockMs + 1000 });
    truth.push(m.truth);
  }
  return { partitions, truth };
}

export interface EvaluatedBatch extends FraudEvaluation {
  partition: number;
  start: number;
  orders: SilverOrderRow[];
}

/**
 * Every partition cut into batches of `batchRecords` records, each batch deduplicated, enriched
 * and evaluated as the pipeline's activities do, the state carried through its serialised form.
 */
export function evaluateStream(
  stream: SimulatedStream,
  reference: ShopReferenceData,
  batchRecords: number,
  options: { rules?: readonly FraudRule[]; policy?: AlertPolicy; topic?: string } = {},
): EvaluatedBatch[] {
  const rules = options.rules ?? DEFAULT_FRAUD_RULES;
  const out: EvaluatedBatch[] = [];
  stream.partitions.forEach((records, partition) => {
    let state = emptyPartitionState();
    for (let start = 0; start < records.length; start += batchRecords) {
      const batch = records.slice(start, start + batchRecords);
      const bronze: BronzeRow[] = [];
      for (const r of batch) {
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
      const batchId = `${options.topic ?? 'orders'}-${partition}-${start}`;
      const end = start + batch.length - 1;
      const evaluation = evaluateFraud(rules, state, orders, items, { batchId, ...(options.topic ? { topic: options.topic } : {}), ...(options.policy ? { policy: options.policy } : {}), asOfOffset: end + 1 });
      out.push({ ...evaluation, partition, start, orders });
      state = parseState(serializeState(advanceState(state, orders, items, { dedupWindowMs: DEDUP_WINDOW_MS, rules, ...(options.policy ? { alertPolicy: options.policy } : {}) })));
    }
  });
  return out;
}
