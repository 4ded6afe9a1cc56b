// Stage 3: silver → gold. Aggregates, fraud rules and quality checks read the same inputs (the
// batch's silver parts and the partition state before it) and write disjoint keys, so the
// workflow runs them in parallel (or derive.ts runs them in one attempt, from memory).
import { goldRows } from '../domain/aggregate.ts';
import { evaluateFraud } from '../domain/fraud/evaluate.ts';
import { checkQuality, type QualityThresholds } from '../domain/quality.ts';
import { kafkaTsSpanOf } from '../domain/quality-episodes.ts';
import type { BronzeRow, QuarantineRow, SilverItemRow, SilverOrderRow } from '../domain/rows.ts';
import { categoryTotalsKey, customerTotalsKey, dqMetricsKey, fraudAlertsKey, goldKey, salesByCategoryMinuteKey } from '../lake/keys.ts';
import { TABLES } from '../lake/parquet.ts';
import type { FraudResult, GoldResult, QualityInput, QualityResult, SilverInput } from '../contract/batch.ts';
import type { BatchIo, SilverRows } from './batch-io.ts';
import { alertPolicyOf, type ActivityDeps } from './deps.ts';

const dateOfMs = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The rows the quality checks look at: of the bronze rows, only what the checks read (derive.ts lets the payloads go). */
export interface QualityRows {
  records: Pick<BronzeRow, 'orderId' | 'duplicate' | 'kafkaTs'>[];
  quarantined: QuarantineRow[];
  orders: SilverOrderRow[];
  items: SilverItemRow[];
}

/** The three gold stages over rows in memory, shared by their activities (below) and derive.ts. */
export function createGoldStages(deps: ActivityDeps, io: BatchIo, qualityThresholds: QualityThresholds) {
  const { config } = deps;
  return {
    async aggregate(input: SilverInput, { state, orders, items, step }: SilverRows): Promise<GoldResult> {
      const { partition, startOffset: start, endOffset: end, batchId, rewrite } = input;
      const gold = goldRows(state, orders, items, {
        partition,
        endOffset: end,
        batchId,
        segmentThresholds: { vipMinSpendUsd: config.SEGMENT_VIP_MIN_USD, regularMinSpendUsd: config.SEGMENT_REGULAR_MIN_USD },
        highValueUsd: config.HIGH_VALUE_USD,
        step,
      });
      const keys: string[] = [];
      if (gold.customerTotals.length > 0) {
        keys.push(customerTotalsKey(partition, end, rewrite));
        await io.writePart(keys.at(-1)!, TABLES.customerTotals, gold.customerTotals);
      }
      if (gold.categoryTotals.length > 0) {
        keys.push(categoryTotalsKey(partition, end, rewrite));
        await io.writePart(keys.at(-1)!, TABLES.categoryTotals, gold.categoryTotals);
      }
      const part = (table: string) => (date: string) => goldKey(table, date, partition, start, end, rewrite);
      const dated = await Promise.all([
        io.writeDatedParts(TABLES.salesByCategoryMinute, gold.salesByCategoryMinute, (r) => dateOfMs(r.minute), (d) => salesByCategoryMinuteKey(d, partition, start, end, rewrite)),
        io.writeDatedParts(TABLES.paymentMethodDaily, gold.paymentMethodDaily, (r) => r.orderDate, part('payment_method_daily')),
        io.writeDatedParts(TABLES.highValueOrdersDaily, gold.highValueDaily, (r) => r.orderDate, part('high_value_orders_daily')),
        io.writeDatedParts(TABLES.cityOrders, gold.cityOrders, () => input.batchDate, part('city_orders')),
        io.writeDatedParts(TABLES.countryRevenue, gold.countryRevenue, () => input.batchDate, part('country_revenue')),
      ]);
      keys.push(...dated.flat());
      return { keys };
    },

    async fraud(input: SilverInput, { state, orders, items, step }: SilverRows): Promise<FraudResult> {
      const { alerts } = evaluateFraud(deps.rules, state, orders, items, { batchId: input.batchId, topic: input.topic, policy: alertPolicyOf(config), asOfOffset: input.endOffset + 1, step });
      const keys = await io.writeDatedParts(TABLES.fraudAlerts, alerts, (a) => dateOfMs(a.windowEnd), (d) => fraudAlertsKey(d, input.partition, input.startOffset, input.endOffset, input.rewrite));
      if (alerts.length > 0) io.keepNamedOrders(input.silverKeys, alerts, orders);
      return { alertIds: alerts.map((a) => a.alertId), keys };
    },

    async quality(input: SilverInput, rows: QualityRows): Promise<QualityResult> {
      const metrics = checkQuality({ batchId: input.batchId, ...rows }, qualityThresholds);
      const key = dqMetricsKey(input.batchDate, input.partition, input.startOffset, input.endOffset, input.rewrite);
      await io.writePart(key, TABLES.dqMetrics, metrics);
      const kafkaTs = kafkaTsSpanOf([...rows.records, ...rows.quarantined]);
      return { breachedChecks: metrics.filter((m) => m.breached).map((m) => `${m.check}:${m.field}`), keys: [key], ...(kafkaTs ? { kafkaTs } : {}) };
    },
  };
}

export type GoldStages = ReturnType<typeof createGoldStages>;

/** The gold stages as activities: each reads its inputs back from the lake (histories from before derive.ts, and tools). */
export function createGoldActivities(io: BatchIo, stages: GoldStages) {
  return {
    async aggregateBatch(input: SilverInput): Promise<GoldResult> {
      return stages.aggregate(input, await io.readSilver(input));
    },

    async detectFraud(input: SilverInput): Promise<FraudResult> {
      return stages.fraud(input, await io.readSilver(input));
    },

    async checkBatchQuality(input: QualityInput): Promise<QualityResult> {
      const records = await io.readParts<BronzeRow>(input.bronzeKeys);
      const quarantined = input.quarantineKey ? await io.readPart<QuarantineRow>(input.quarantineKey) : [];
      const orders = await io.readParts<SilverOrderRow>(input.silverKeys);
      const items = await io.readParts<SilverItemRow>(input.itemKeys);
      return stages.quality(input, { records, quarantined, orders, items });
    },
  };
}
