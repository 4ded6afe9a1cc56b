// Stage 2: bronze → silver orders and order items (distinct orders only, joined with reference data).
import { ApplicationFailure } from '@temporalio/activity';
import { enrichBronzeRows } from '../domain/enrich.ts';
import type { BronzeRow, SilverItemRow, SilverOrderRow } from '../domain/rows.ts';
import { silverItemsKey, silverOrdersKey } from '../lake/keys.ts';
import { TABLES } from '../lake/parquet.ts';
import { metrics } from '../metrics.ts';
import type { BatchRef, EnrichResult } from '../contract/batch.ts';
import type { BatchIo } from './batch-io.ts';
import type { ActivityDeps } from './deps.ts';

/** What the enrich stage hands the stages after it in the same attempt. */
export interface EnrichOutput {
  result: EnrichResult;
  /** The silver rows, as `readParts(result.silverKeys)` and `readParts(result.itemKeys)` would return them. */
  orders: SilverOrderRow[];
  items: SilverItemRow[];
}

/** The enrich stage over the batch's bronze rows, shared by the enrichBatch activity and derive.ts. */
export async function enrichStage(deps: ActivityDeps, io: BatchIo, ref: BatchRef, bronze: BronzeRow[]): Promise<EnrichOutput> {
  if (faultInjectedFor(deps.config.FAULT_ENRICH_AT, ref)) {
    throw ApplicationFailure.nonRetryable(`fault injected by FAULT_ENRICH_AT=${deps.config.FAULT_ENRICH_AT}`, 'InjectedFault');
  }
  const { orders, items, unresolvedAddressCount } = enrichBronzeRows(bronze, deps.reference);

  const [silver, silverItems] = await Promise.all([
    io.writeDated(TABLES.silverOrders, orders, (r) => r.orderDate, (date) => silverOrdersKey(date, ref.partition, ref.startOffset, ref.endOffset, ref.rewrite)),
    io.writeDated(TABLES.silverOrderItems, items, (r) => r.orderDate, (date) => silverItemsKey(date, ref.partition, ref.startOffset, ref.endOffset, ref.rewrite)),
  ]);

  const now = Date.now();
  for (const order of orders) metrics.latencyToSilver.observe(Math.max(0, now - order.kafkaTs) / 1000);
  metrics.ordersPerStage.inc({ stage: 'silver' }, orders.length);
  const result: EnrichResult = { orderCount: orders.length, itemCount: items.length, unresolvedAddressCount, silverKeys: silver.keys, itemKeys: silverItems.keys };
  return { result, orders: silver.rows, items: silverItems.rows };
}

export function createEnrichActivities(deps: ActivityDeps, io: BatchIo) {
  return {
    async enrichBatch(ref: BatchRef & { bronzeKeys: string[] }): Promise<EnrichResult> {
      return (await enrichStage(deps, io, ref, await io.readParts<BronzeRow>(ref.bronzeKeys))).result;
    },
  };
}

/** The drill switch `PARTITION:OFFSET` hits the batch of that partition whose range holds the offset. */
function faultInjectedFor(setting: string, ref: BatchRef): boolean {
  if (!setting) return false;
  const [partition, offset] = setting.split(':').map(Number);
  return partition === ref.partition && offset! >= ref.startOffset && offset! <= ref.endOffset;
}
