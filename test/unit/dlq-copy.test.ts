// The DLQ copy of a quarantined record: the pipeline's headers win, the producer's are kept, and
// a copy too large for the broker goes as a claim check on the raw object.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dlqCopy, DLQ_MAX_COPY_BYTES, producerHeaders } from '../../src/dlq/dlq-copy.ts';
import { messageBytes } from '../../src/kafka/chunk.ts';

const source = (overrides: Partial<Parameters<typeof dlqCopy>[0]> = {}): Parameters<typeof dlqCopy>[0] => ({
  partition: 4,
  offset: 51,
  value: '{"orderId":"x","totalAmount":-5}',
  headers: { 'schema-version': '3' },
  reason: 'totalAmount: must be a number ≥ 0',
  batchId: 'orders-4-35',
  rawKey: 'raw/orders/batch_date=2026-11-28/partition=4/00000000000000000035-00000000000000000060.jsonl.gz',
  ...overrides,
});

describe('dlqCopy', () => {
  test('carries the bytes, the producer headers and the pipeline headers', () => {
    const copy = dlqCopy(source());
    assert.equal(copy.key, '4-51');
    assert.equal(copy.value, '{"orderId":"x","totalAmount":-5}');
    assert.deepEqual(copy.headers, {
      'schema-version': '3',
      reason: 'totalAmount: must be a number ≥ 0',
      'source-partition': '4',
      'source-offset': '51',
      'batch-id': 'orders-4-35',
    });
  });

  test("a producer's reason, source-offset or batch-id cannot overwrite the pipeline's: kept as original-<name>", () => {
    const copy = dlqCopy(source({ headers: { reason: 'all good', 'source-offset': '0', 'Batch-Id': 'mine', 'original-reason': 'x', 'claim-check': 'no' } }));
    assert.equal(copy.headers.reason, 'totalAmount: must be a number ≥ 0');
    assert.equal(copy.headers['source-offset'], '51');
    assert.equal(copy.headers['batch-id'], 'orders-4-35');
    assert.equal(copy.headers['original-reason'], 'all good');
    assert.equal(copy.headers['original-source-offset'], '0');
    assert.equal(copy.headers['original-Batch-Id'], 'mine');
    assert.equal(copy.headers['original-original-reason'], 'x');
    assert.equal(copy.headers['original-claim-check'], 'no');
    assert.equal(copy.headers['claim-check'], undefined);
  });

  test('a record near the broker limit goes as a claim check on its raw object, with its reason', () => {
    const big = Buffer.alloc(1_000_000, 0x61);
    const copy = dlqCopy(source({ value: big, headers: { 'schema-version': '3', huge: 'h'.repeat(10_000) } }));
    assert.ok(messageBytes(copy) < DLQ_MAX_COPY_BYTES);
    assert.equal(copy.key, '4-51');
    assert.equal(copy.headers['claim-check'], 'raw');
    assert.equal(copy.headers.reason, 'totalAmount: must be a number ≥ 0');
    assert.equal(copy.headers.huge, undefined, 'producer headers stay in the raw object');
    assert.deepEqual(JSON.parse(copy.value as string), {
      claimCheck: { rawKey: source().rawKey, partition: 4, offset: 51, valueBytes: 1_000_000 },
      reason: 'totalAmount: must be a number ≥ 0',
    });
  });

  test('headers alone can make a copy too large: it goes as a claim check as well', () => {
    const copy = dlqCopy(source({ headers: { a: 'x'.repeat(DLQ_MAX_COPY_BYTES) } }));
    assert.equal(copy.headers['claim-check'], 'raw');
  });

  test('producerHeaders leaves ordinary names alone', () => {
    assert.deepEqual(producerHeaders({ 'schema-version': '3', trace: 't' }), { 'schema-version': '3', trace: 't' });
  });
});
