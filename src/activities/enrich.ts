// Stage 2: bronze → silver orders and order items (distinct orders only, joined with reference data).
import { ApplicationFailure } from '@temporalio/activity';
import { enrichBronzeRows } from '../domain/enrich.ts';
import type { BronzeRow } from '../domain/rows.ts';
import { silverItemsKey, silverOrdersKey } from '../lake/keys.ts';
import { TABLES } from '../lake/parquet.ts';
import { metrics } from '../metrics.ts';
import type { BatchRef, EnrichResult } from '../contract/batch.ts';
import type { BatchIo } from './batch-io.ts';
import type { ActivityDeps } from './deps.ts';

export function createEnrichActivities(deps: ActivityDeps, io: BatchIo) {
  return {
    async enrichBatch(ref: BatchRef & { bronzeKeys: string[] }): Promise<EnrichResult> {
      if (faultInjectedFor(deps.config.FAULT_ENRICH_AT, ref)) {
        throw ApplicationFailure.nonRetryable(`fault injected by FAULT_ENRICH_AT=${deps.config.FAULT_ENRICH_AT}`, 'InjectedFault');
      }
      const bronze = await io.readParts<BronzeRow>(ref.bronzeKeys);
      const { orders, items, unresolvedAddressCount } = enrichBronzeRows(bronze, deps.reference);

      const [silverKeys, itemKeys] = await Promise.all([
        io.writeDatedParts(TABLES.silverOrders, orders, (r) => r.orderDate, (date) => silverOrdersKey(date, ref.partition, ref.startOffset, ref.endOffset)),
        io.writeDatedParts(TABLES.silverOrderItems, items, (r) => r.orderDate, (date) => silverItemsKey(date, ref.partition, ref.startOffset, ref.endOffset)),
      ]);

      const now = Date.now();
      for (const order of orders) metrics.latencyToSilver.observe(Math.max(0, now - order.kafkaTs) / 1000);
      metrics.ordersPerStage.inc({ stage: 'silver' }, orders.length);
      return { orderCount: orders.length, itemCount: items.length, unresolvedAddressCount, silverKeys, itemKeys };
    },
  };
}

/** The drill switch `PARTITION:OFFSET` hits the batch of that partition whose range holds the offset. */
function faultInjectedFor(setting: string, ref: BatchRef): boolean {
  if (!setting) return false;
  const [partition, offset] = setting.split(':').map(Number);
  return partition === ref.partition && offset! >= ref.startOffset && offset! <= ref.endOffset;
}
