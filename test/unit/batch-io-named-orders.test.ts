import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BatchIo } from '../../src/activities/batch-io.ts';
import type { FraudAlertRow } from '../../src/domain/rows.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { TABLES } from '../../src/lake/parquet.ts';
import type { PartitionStates } from '../../src/state-store/partition-states.ts';
import { silverOrder } from './domain-fixtures.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'batch-io-named-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Only the alerts' order ids matter here.
const alertNaming = (...ids: string[]): FraudAlertRow => ({ orderIds: ids.join(',') }) as FraudAlertRow;

describe('the silver orders a batch keeps for its alert activity', () => {
  const lake = new FileLakeStore(dir);
  const orders = Array.from({ length: 50 }, (_, i) => silverOrder({ orderId: `o-${i}`, customerId: `c-${i % 7}` }));
  const keys = ['silver/orders/order_date=2026-12-08/p0-a.parquet', 'silver/orders/order_date=2026-12-09/p0-b.parquet'];

  it('the worker that derived the batch answers from the named orders it kept, and the other orders are not kept', async () => {
    const io = new BatchIo(lake, undefined as unknown as PartitionStates);
    await io.writePart(keys[0]!, TABLES.silverOrders, orders.slice(0, 25));
    await io.writePart(keys[1]!, TABLES.silverOrders, orders.slice(25));
    io.keepNamedOrders(keys, [alertNaming('o-3', 'o-40'), alertNaming('o-40', 'o-earlier-batch')], orders);
    // Gone from the lake: what it answers now can only come from what it kept.
    rmSync(path.join(dir, 'silver'), { recursive: true, force: true });
    const named = await io.ordersNamed(keys, new Set(['o-3', 'o-40', 'o-earlier-batch']));
    assert.deepEqual([...named.keys()].sort(), ['o-3', 'o-40']);
    assert.equal(named.get('o-40')?.customerId, 'c-5');
    assert.equal((await io.ordersNamed(keys, new Set(['o-7']))).size, 0, 'an order no alert named was not kept');
  });

  it('another worker (or one whose cache let it go) reads the same orders from the parts', async () => {
    const writer = new BatchIo(lake, undefined as unknown as PartitionStates);
    await writer.writePart(keys[0]!, TABLES.silverOrders, orders.slice(0, 25));
    await writer.writePart(keys[1]!, TABLES.silverOrders, orders.slice(25));
    const other = new BatchIo(lake, undefined as unknown as PartitionStates);
    const named = await other.ordersNamed(keys, new Set(['o-3', 'o-40', 'o-earlier-batch']));
    assert.deepEqual([...named.keys()].sort(), ['o-3', 'o-40']);
    assert.equal(named.get('o-3')?.customerId, 'c-3');
  });
});
