// The s3:// lake store against the local stack's S3 server. A server that is down fails every
// test with a message naming it (withService); nothing here skips. Each test run works under its
// own prefix of the lake bucket and removes what it wrote.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { customerTotalsKey, silverItemsKey, stateKey } from '../../src/lake/keys.ts';
import { readParquet, TABLES, writeParquet } from '../../src/lake/parquet.ts';
import { S3LakeStore, type S3Settings } from '../../src/lake/s3-store.ts';
import { openLake, parseLakeUri, s3SettingsOf } from '../../src/lake/store.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { withService } from '../helpers/services.ts';
import { uniqueName } from '../helpers/wait.ts';

const base = loadConfig();
const configured = parseLakeUri(base.LAKE_URI);
const bucket = configured.kind === 's3' ? configured.bucket : 'orders-lake';
const prefix = uniqueName('lake-s3-test');
const config = { ...base, LAKE_URI: `s3://${bucket}/${prefix}` };
const settings: S3Settings = s3SettingsOf(base);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined): string | undefined => (data ? new TextDecoder().decode(data) : undefined);

void describe('the s3:// lake store on the local S3 server', () => {
  const lake = openLake(config);

  after(async () => {
    for (const key of await lake.list('').catch(() => [])) await lake.delete(key);
  });

  void it('puts, gets, tells existence of and deletes an object', { timeout: 60_000 }, async () => {
    await withService('s3', async () => {
      const key = stateKey(0, 1200);
      assert.equal(await lake.get(key), undefined);
      assert.equal(await lake.exists(key), false);
      await lake.put(key, bytes('{"orders":1}'), 'application/json');
      assert.equal(text(await lake.get(key)), '{"orders":1}');
      assert.equal(await lake.exists(key), true);
      await lake.put(key, bytes('{"orders":2}'), 'application/json');
      assert.equal(text(await lake.get(key)), '{"orders":2}');
      await lake.delete(key);
      assert.equal(await lake.exists(key), false);
      await lake.delete(key); // deleting a missing object is fine
    }, base);
  });

  void it('lists every key under a prefix across pages, relative to the lake prefix and in lexical order', { timeout: 60_000 }, async () => {
    await withService('s3', async () => {
      const keys = [5, 10, 1, 100, 7].map((offset) => stateKey(3, offset));
      for (const key of keys) await lake.put(key, bytes(key));
      await lake.put(stateKey(30, 1), bytes('other partition'));
      const paged = new S3LakeStore(settings, bucket, `${prefix}/`, 2);
      assert.deepEqual(await paged.list('state/partition=3/'), [...keys].sort());
      assert.deepEqual(await paged.list('state/partition=3'), [...keys, stateKey(30, 1)].sort());
      assert.deepEqual(await lake.list('state/partition=3/at=0000000000000000000'), [1, 5, 7].map((o) => stateKey(3, o)));
      assert.deepEqual(await lake.list('nothing/'), []);
    }, base);
  });

  void it('keeps lakes with different prefixes in the same bucket apart', { timeout: 60_000 }, async () => {
    await withService('s3', async () => {
      const other = openLake({ ...config, LAKE_URI: `s3://${bucket}/${prefix}-other` });
      await other.put('alerts/sent/a-1', bytes('sent'));
      try {
        assert.equal(await lake.exists('alerts/sent/a-1'), false);
        assert.deepEqual(await other.list('alerts/'), ['alerts/sent/a-1']);
      } finally {
        await other.delete('alerts/sent/a-1');
      }
    }, base);
  });

  void it('stores Parquet parts that read back unchanged and that DuckDB reads from a copy of the lake', { timeout: 60_000 }, async () => {
    await withService('s3', async () => {
      const row = {
        customerId: 'cust-1', orders: 2, items: 3, spendUsd: 99.5, firstOrderTs: 1_740_000_000_000, lastOrderTs: 1_740_000_360_000, segment: 'vip', partition: 0, asOfOffset: 41,
      };
      const items = [{ orderId: 'o-1', customerId: 'cust-1', orderTs: 1_740_000_360_000, orderDate: '2025-02-19', productId: 'p-1', productName: 'Kettle', category: 'kitchen', quantity: 2, unitPriceUsd: 20, lineAmountUsd: 40 }];
      const itemsKey = silverItemsKey('2025-02-19', 0, 0, 41);
      await lake.put(itemsKey, writeParquet(TABLES.silverOrderItems, items), 'application/vnd.apache.parquet');
      await lake.put(customerTotalsKey(0, 41), writeParquet(TABLES.customerTotals, [row]));
      assert.deepEqual(await readParquet((await lake.get(itemsKey))!), items);
      const got = await queryLake(config, 'SELECT orderId, epoch_ms(orderTs) AS ts, lineAmountUsd, CAST(order_date AS VARCHAR) AS d FROM {silver/order_items}');
      assert.deepEqual(got, [{ orderId: 'o-1', ts: 1_740_000_360_000, lineAmountUsd: 40, d: '2025-02-19' }]);
    }, base);
  });
});
