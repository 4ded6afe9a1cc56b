import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  lakeAreaOf,
  alertSentKey,
  assertValidKey,
  atOffsetOf,
  batchRangeOf,
  bronzeKey,
  categoryTotalsKey,
  customerTotalsKey,
  dqMetricsKey,
  fraudAlertsKey,
  goldKey,
  OFFSET_DIGITS,
  padOffset,
  quarantineKey,
  rawKey,
  rewriteOf,
  salesByCategoryMinuteKey,
  silverItemsKey,
  silverOrdersKey,
  stateKey,
  statePrefix,
} from '../../src/lake/keys.ts';

const z = (n: number): string => String(n).padStart(20, '0');

void describe('lake keys', () => {
  void it('names the lake area of a key for the request counter: a table log, else the first folder', () => {
    assert.equal(lakeAreaOf('silver/orders/_delta_log/00000000000000000007.json'), 'delta-log');
    assert.equal(lakeAreaOf('gold/customer_totals/_delta_log/_last_checkpoint'), 'delta-log');
    assert.equal(lakeAreaOf('gold/customer_totals/partition=0/x.parquet'), 'gold');
    assert.equal(lakeAreaOf('raw/orders/batch_date=2026-11-28/partition=0/0-9.jsonl.gz'), 'raw');
    assert.equal(lakeAreaOf('toplevel.json'), '(top)');
  });

  void it('lays out every zone as docs/design.md §5 says, with offsets padded to 20 digits', () => {
    assert.equal(OFFSET_DIGITS, 20);
    assert.equal(rawKey('2026-11-25', 3, 1200, 1699), `raw/orders/batch_date=2026-11-25/partition=3/${z(1200)}-${z(1699)}.jsonl.gz`);
    assert.equal(bronzeKey('2025-03-01', 3, 1200, 1699), `bronze/orders/order_date=2025-03-01/part-3-${z(1200)}-${z(1699)}.parquet`);
    assert.equal(silverOrdersKey('2025-03-01', 3, 1200, 1699), `silver/orders/order_date=2025-03-01/part-3-${z(1200)}-${z(1699)}.parquet`);
    assert.equal(silverItemsKey('2025-03-01', 3, 1200, 1699), `silver/order_items/order_date=2025-03-01/part-3-${z(1200)}-${z(1699)}.parquet`);
    assert.equal(quarantineKey(3, 1200, 1699), `quarantine/orders/partition=3/${z(1200)}-${z(1699)}.parquet`);
    assert.equal(stateKey(3, 1700), `state/partition=3/at=${z(1700)}.json`);
    assert.equal(alertSentKey('2026-12-07', 'fraud-3-1200-cust-7'), 'alerts/sent/day=2026-12-07/fraud-3-1200-cust-7');
  });

  void it('puts gold tables under gold/<table> with one part per batch and date, or one snapshot per batch', () => {
    assert.equal(salesByCategoryMinuteKey('2025-03-01', 0, 0, 9), `gold/sales_by_category_minute/order_date=2025-03-01/part-0-${z(0)}-${z(9)}.parquet`);
    assert.equal(fraudAlertsKey('2025-03-01', 0, 0, 9), `gold/fraud_alerts/order_date=2025-03-01/part-0-${z(0)}-${z(9)}.parquet`);
    assert.equal(goldKey('city_orders', '2025-03-01', 0, 0, 9), `gold/city_orders/order_date=2025-03-01/part-0-${z(0)}-${z(9)}.parquet`);
    assert.equal(dqMetricsKey('2025-03-01', 0, 0, 9), `gold/dq_metrics/batch_date=2025-03-01/part-0-${z(0)}-${z(9)}.parquet`);
    // A snapshot is named after the offset the next batch starts at, like checkpoints.
    assert.equal(customerTotalsKey(2, 499), `gold/customer_totals/partition=2/at=${z(500)}.parquet`);
    assert.equal(categoryTotalsKey(2, 499), `gold/category_totals/partition=2/at=${z(500)}.parquet`);
  });

  void it('gives a batch that spans two dates one key per date, and the same keys on every retry', () => {
    const first = silverOrdersKey('2025-03-01', 1, 10, 20);
    const second = silverOrdersKey('2025-03-02', 1, 10, 20);
    assert.notEqual(first, second);
    assert.equal(silverOrdersKey('2025-03-01', 1, 10, 20), first);
  });

  void it('sorts keys lexically in the same order as their offsets', () => {
    const offsets = [0, 9, 10, 99, 100, 1_000_000, 2 ** 40, Number.MAX_SAFE_INTEGER];
    const keys = offsets.map((o) => stateKey(0, o));
    assert.deepEqual([...keys].sort(), keys);
    assert.ok(keys.every((k) => k.startsWith(statePrefix(0))));
  });

  void it('reads the batch range and checkpoint offset back out of a key', () => {
    assert.deepEqual(batchRangeOf(silverItemsKey('2025-03-01', 4, 7, 70)), { partition: 4, start: 7, end: 70 });
    assert.deepEqual(batchRangeOf(rawKey('2026-11-25', 4, 7, 70)), { partition: 4, start: 7, end: 70 });
    assert.deepEqual(batchRangeOf(quarantineKey(4, 7, 70)), { partition: 4, start: 7, end: 70 });
    assert.equal(batchRangeOf('state/partition=1/at=5.json'), undefined);
    assert.deepEqual(atOffsetOf(stateKey(5, 1234)), { partition: 5, offset: 1234 });
    assert.deepEqual(atOffsetOf(customerTotalsKey(5, 1233)), { partition: 5, offset: 1234 });
  });

  void it('names a backfill\'s parts with its tag before the extension, and reads batch, offset and tag back out of them', () => {
    const tag = '0123456789abcdef';
    assert.equal(silverOrdersKey('2025-03-01', 3, 1200, 1699, tag), `silver/orders/order_date=2025-03-01/part-3-${z(1200)}-${z(1699)}.backfill-${tag}.parquet`);
    assert.equal(dqMetricsKey('2025-03-01', 0, 0, 9, tag), `gold/dq_metrics/batch_date=2025-03-01/part-0-${z(0)}-${z(9)}.backfill-${tag}.parquet`);
    assert.equal(quarantineKey(3, 1200, 1699, tag), `quarantine/orders/partition=3/${z(1200)}-${z(1699)}.backfill-${tag}.parquet`);
    assert.equal(customerTotalsKey(2, 499, tag), `gold/customer_totals/partition=2/at=${z(500)}.backfill-${tag}.parquet`);
    assert.deepEqual(batchRangeOf(bronzeKey('2025-03-01', 4, 7, 70, tag)), { partition: 4, start: 7, end: 70, rewrite: tag });
    assert.deepEqual(batchRangeOf(goldKey('city_orders', '2025-03-01', 4, 7, 70, tag)), { partition: 4, start: 7, end: 70, rewrite: tag });
    assert.deepEqual(batchRangeOf(quarantineKey(4, 7, 70, tag)), { partition: 4, start: 7, end: 70, rewrite: tag });
    assert.deepEqual(atOffsetOf(categoryTotalsKey(5, 1233, tag)), { partition: 5, offset: 1234, rewrite: tag });
    assert.equal(rewriteOf(fraudAlertsKey('2025-03-01', 0, 0, 9, tag)), tag);
    assert.equal(rewriteOf(customerTotalsKey(5, 1233, tag)), tag);
    assert.equal(rewriteOf(fraudAlertsKey('2025-03-01', 0, 0, 9)), undefined, 'a stream part has none');
    assert.equal(batchRangeOf(`raw/orders/batch_date=2026-11-25/partition=4/${z(7)}-${z(70)}.backfill-${tag}.jsonl.gz`), undefined, 'the raw zone is never tagged');
    assert.throws(() => silverOrdersKey('2025-03-01', 3, 0, 9, 'Not/A-Tag'), /backfill tag/);
  });

  void it('rejects offsets, partitions, dates and names that would make a wrong or ambiguous key', () => {
    assert.throws(() => padOffset(-1), RangeError);
    assert.throws(() => padOffset(1.5), RangeError);
    assert.throws(() => rawKey('2026-11-25', 0, 10, 9), /before start/);
    assert.throws(() => rawKey('2026-11-25', -1, 0, 0), RangeError);
    assert.throws(() => rawKey('25/11/2026', 0, 0, 0), /YYYY-MM-DD/);
    assert.throws(() => bronzeKey('2025-3-1', 0, 0, 0), /YYYY-MM-DD/);
    assert.throws(() => bronzeKey('2025-13-01', 0, 0, 0), /YYYY-MM-DD/);
    assert.throws(() => goldKey('Sales/../x', '2025-03-01', 0, 0, 0), /snake_case/);
    assert.throws(() => alertSentKey('2026-12-07', ''), RangeError);
    assert.equal(alertSentKey('2026-12-07', 'a/b c'), 'alerts/sent/day=2026-12-07/a%2Fb%20c');
    // A long id (a 300-character customer id gave ENAMETOOLONG on disk) becomes a digest of fixed length.
    const long = alertSentKey('2026-12-07', `orders-0-0:${'9'.repeat(300)}`);
    assert.match(long, /^alerts\/sent\/day=2026-12-07\/sha256-[0-9a-f]{64}$/);
    assert.notEqual(long, alertSentKey('2026-12-07', `orders-0-0:${'9'.repeat(301)}`));
  });

  void it('refuses keys that could leave the lake root', () => {
    for (const bad of ['../x', 'a/../b', '/abs', 'a//b', 'a/', 'a\\b', 'a/./b', '']) {
      assert.throws(() => assertValidKey(bad), RangeError, bad);
    }
    assertValidKey('silver/orders/order_date=2025-03-01/part-0-1-2.parquet');
  });
});
