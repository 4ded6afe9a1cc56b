import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dlqIdOption, quarantineFilter, redriveSelection } from '../../src/cli/dlq-options.ts';
import { dlqId, parseDlqId, quarantinedMessagesOf, selectQuarantined, type QuarantinedMessage } from '../../src/dlq/quarantined.ts';
import { decodeRedriveMarker, encodeRedriveMarker, redriveMarkerOf, redriveRecordOf } from '../../src/dlq/redrive-record.ts';
import { oneLine, payloadOf, reasonsOf } from '../../src/dlq/views.ts';
import { UsageError } from '../../src/errors.ts';
import { quarantineKey, redriveMarkerKey } from '../../src/lake/keys.ts';

const message = (partition: number, offset: number, kafkaTs: number, reason = 'totalAmount: must be a number ≥ 0'): QuarantinedMessage => ({
  id: dlqId(partition, offset),
  partition,
  offset,
  kafkaTs,
  reason,
  raw: '{"orderId":"o1"}',
  batchId: `orders-${partition}-0`,
  quarantineKey: quarantineKey(partition, 0, 99),
});

void describe('DLQ ids', () => {
  void it('names a quarantined record by the partition and offset of the original record', () => {
    assert.equal(dlqId(3, 1207), '3-1207');
    assert.deepEqual(parseDlqId('3-1207'), { partition: 3, offset: 1207 });
    assert.deepEqual(parseDlqId(' 0-0 '), { partition: 0, offset: 0 });
  });

  void it('rejects anything that is not two whole numbers joined by a dash', () => {
    for (const text of ['3', '3-', '-5', '3-1207-1', 'a-1', '3_1207', '1.5-2', '99999999999999999999-1']) assert.equal(parseDlqId(text), undefined, text);
  });

  void it('keeps redrive markers under dlq/redriven, one per original record, offsets padded', () => {
    assert.equal(redriveMarkerKey(3, 1207), 'dlq/redriven/partition=3/00000000000000001207.json');
  });
});

void describe('quarantine rows as messages', () => {
  void it('takes the batch id from the quarantine object key and the id from the row', () => {
    const key = quarantineKey(2, 1200, 1699);
    const [m] = quarantinedMessagesOf(key, [{ partition: 2, offset: 1300n, kafkaTs: 1_700_000_000_000, reason: 'value: not valid JSON', raw: '{oops' }], 'shop-orders');
    assert.deepEqual(m, {
      id: '2-1300',
      partition: 2,
      offset: 1300,
      kafkaTs: 1_700_000_000_000,
      reason: 'value: not valid JSON',
      raw: '{oops',
      batchId: 'shop-orders-2-1200',
      quarantineKey: key,
    });
  });
});

void describe('selecting quarantined records', () => {
  const all = [message(0, 5, 1_000), message(1, 7, 3_000, 'value: not valid JSON'), message(0, 9, 2_000), message(0, 5, 1_000)];

  void it('lists newest first, each id once', () => {
    assert.deepEqual(selectQuarantined(all).map((m) => m.id), ['1-7', '0-9', '0-5']);
  });

  void it('filters by arrival time, by reason text ignoring case, and keeps the newest N', () => {
    assert.deepEqual(selectQuarantined(all, { sinceMs: 2_000 }).map((m) => m.id), ['1-7', '0-9']);
    assert.deepEqual(selectQuarantined(all, { reasonText: 'JSON' }).map((m) => m.id), ['1-7']);
    assert.deepEqual(selectQuarantined(all, { limit: 2 }).map((m) => m.id), ['1-7', '0-9']);
    assert.deepEqual(selectQuarantined(all, { limit: 0 }), []);
  });
});

void describe('the redriven record', () => {
  const m = message(4, 51, 1_000);

  void it('is the original from the raw zone, same partition, key, bytes and headers, plus redrive-of', () => {
    const record = redriveRecordOf(m, { offset: 51, key: '745', timestamp: 1_000, headers: { 'schema-version': '3' }, value: 'AAEC', valueEncoding: 'base64' });
    assert.equal(record.partition, 4);
    assert.equal(record.key, '745');
    assert.deepEqual([...record.value!], [0, 1, 2]);
    assert.deepEqual(record.headers, { 'schema-version': '3', 'redrive-of': '4-51' });
  });

  void it('names its latest origin when the original was itself a redriven copy', () => {
    const record = redriveRecordOf(m, { offset: 51, key: null, timestamp: 1_000, headers: { 'redrive-of': '4-2' }, value: '{}' });
    assert.equal(record.headers['redrive-of'], '4-51');
  });

  void it('falls back to the quarantine text, without key or headers, when the raw object is gone', () => {
    const record = redriveRecordOf(m, undefined);
    assert.deepEqual(record, { partition: 4, key: null, value: Buffer.from('{"orderId":"o1"}'), headers: { 'redrive-of': '4-51' } });
  });

  void it('leaves a marker naming where the copy went, that reads back as written', () => {
    const marker = redriveMarkerOf(m, 'orders', { partition: 4, offset: 61 }, new Date('2026-11-28T00:00:00Z'));
    assert.deepEqual(marker, { id: '4-51', topic: 'orders', copyId: '4-61', redrivenAt: '2026-11-28T00:00:00.000Z' });
    assert.deepEqual(decodeRedriveMarker(encodeRedriveMarker(marker)), marker);
    assert.equal(decodeRedriveMarker(new TextEncoder().encode('not json')), undefined);
  });
});

void describe('dlq options', () => {
  void it('turns --since into a time and keeps --reason', () => {
    assert.deepEqual(quarantineFilter({ since: '2h', reason: 'json' }, 10_000_000), { sinceMs: 10_000_000 - 7_200_000, reasonText: 'json' });
  });

  void it('takes either ids or --all, and filters only with --all', () => {
    assert.deepEqual(redriveSelection({ id: ['3-12', '0-1'] }), { ids: [{ partition: 3, offset: 12 }, { partition: 0, offset: 1 }], filter: {} });
    assert.deepEqual(redriveSelection({ all: true, reason: 'schema' }, 5), { filter: { sinceMs: undefined, reasonText: 'schema' } });
    assert.throws(() => redriveSelection({}), UsageError);
    assert.throws(() => redriveSelection({ id: ['1-2'], all: true }), UsageError);
    assert.throws(() => redriveSelection({ id: ['1-2'], since: '1h' }), UsageError);
    assert.throws(() => dlqIdOption('1:2'), /<partition>-<offset>/);
  });
});

void describe('dlq views', () => {
  void it('splits a joined reason, parses JSON payloads and folds long text to one line', () => {
    assert.deepEqual(reasonsOf('items: is required; totalAmount: must be a number ≥ 0'), ['items: is required', 'totalAmount: must be a number ≥ 0']);
    assert.deepEqual(payloadOf('{"a":1}'), { a: 1 });
    assert.equal(payloadOf('{oops'), '{oops');
    assert.equal(oneLine('a\n  b', 10), 'a b');
    assert.equal(oneLine('abcdefghij', 5), 'abcd…');
  });
});
