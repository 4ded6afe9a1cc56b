import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { CorruptLakeObjectError } from '../../src/lake/errors.ts';
import { decodeRawBatch, encodeRawBatch, rawValueBytes, type RawRecordInput } from '../../src/lake/raw.ts';

const records: RawRecordInput[] = [
  { offset: 41, key: 'cust-7', timestamp: 1_740_000_000_123, headers: { 'schema-version': '2', 'content-type': 'application/json' }, value: '{"orderId":"o-1","note":"café ☕"}' },
  { offset: 42, key: null, timestamp: 1_740_000_000_456, headers: {}, value: null },
  { offset: 45, key: 'cust-8', timestamp: 1_740_000_000_789, headers: { 'schema-version': '1' }, value: new TextEncoder().encode('{"orderId":"o-2"}') },
  { offset: 46, key: 'cust-9', timestamp: 1_740_000_001_000, headers: {}, value: new Uint8Array([0xff, 0xfe, 0x00, 0x41]) },
];

void describe('raw zone codec', () => {
  void it('round-trips offsets, keys, timestamps, headers and values, including tombstones', () => {
    const decoded = decodeRawBatch(encodeRawBatch(records));
    assert.equal(decoded.length, 4);
    assert.deepEqual(decoded[0], { offset: 41, key: 'cust-7', timestamp: 1_740_000_000_123, headers: { 'content-type': 'application/json', 'schema-version': '2' }, value: '{"orderId":"o-1","note":"café ☕"}' });
    assert.deepEqual(decoded[1], { offset: 42, key: null, timestamp: 1_740_000_000_456, headers: {}, value: null });
    assert.equal(decoded[2]!.value, '{"orderId":"o-2"}', 'UTF-8 bytes are kept as text');
    assert.equal(decoded[2]!.valueEncoding, undefined);
  });

  void it('keeps a value that is not valid UTF-8 as base64 with a flag, and gives back its exact bytes', () => {
    const [, , , binary] = decodeRawBatch(encodeRawBatch(records));
    assert.equal(binary!.valueEncoding, 'base64');
    assert.deepEqual(rawValueBytes(binary!), new Uint8Array([0xff, 0xfe, 0x00, 0x41]));
    assert.equal(rawValueBytes({ offset: 0, key: null, timestamp: 0, headers: {}, value: null }), undefined);
  });

  void it('writes gzip JSON lines, one record a line, that any gunzip can read', () => {
    const lines = gunzipSync(encodeRawBatch(records)).toString('utf8').trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.equal((JSON.parse(lines[0]!) as { offset: number }).offset, 41);
  });

  void it('gives the same bytes for the same records, whatever the order of their headers', () => {
    const again = records.map((r) => ({ ...r, headers: Object.fromEntries(Object.entries(r.headers).reverse()) }));
    assert.deepEqual(encodeRawBatch(again), encodeRawBatch(records));
    // No modification time in the gzip header (bytes 4..7).
    assert.deepEqual([...encodeRawBatch(records).subarray(4, 8)], [0, 0, 0, 0]);
  });

  void it('encodes an empty batch as an object that decodes to no records', () => {
    assert.deepEqual(decodeRawBatch(encodeRawBatch([])), []);
  });

  void it('refuses bytes that are not a raw batch with a non-retryable error naming the key', () => {
    const key = 'raw/orders/partition=0/x.jsonl.gz';
    assert.throws(() => decodeRawBatch(new TextEncoder().encode('not gzip'), key), (e: unknown) => e instanceof CorruptLakeObjectError && !e.retryable && e.message.includes(key));
    assert.throws(() => decodeRawBatch(new Uint8Array(gzipSync('{"offset":1}\n')), key), /line 1 is not a raw record/);
    assert.throws(() => decodeRawBatch(new Uint8Array(gzipSync('{oops\n')), key), /line 1 is not JSON/);
  });
});
