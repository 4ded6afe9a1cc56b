import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { recordOf } from '../../src/kafka/record.ts';
import { decodeRawBatch, encodeRawBatch, rawValueBytes } from '../../src/lake/raw.ts';
import { decodeOrder } from '../../src/schemas/index.ts';

const message = (value: Buffer): KafkaMessage => ({ key: Buffer.from('7'), value, timestamp: '1795478421051', attributes: 0, offset: '42', headers: { 'schema-version': Buffer.from('3') } });

// A valid v3 order whose free-text message holds one Latin-1 byte (0xE9, "é"): not UTF-8.
const order = { orderId: 'o-1', orderDate: '2026-11-24T10:00:00Z', dateOrder: '2026-11-24', customerId: '7', shippingAddress: '1 Main St, Springfield, US', totalAmount: 10, items: [{ productId: 'P001', quantity: 1 }], paymentMethod: 'CASH', paymentStatus: 'PAID', orderStatus: 'PLACED', message: 'caf_' };
const latin1 = Buffer.from(JSON.stringify(order), 'utf8');
latin1[latin1.indexOf('caf_') + 3] = 0xe9;

describe('a Kafka message on its way to the raw zone', () => {
  it('keeps UTF-8 values as text', () => {
    assert.equal(recordOf(message(Buffer.from('{"a":"é"}'))).value, '{"a":"é"}');
  });

  it('keeps a value that is not UTF-8 byte for byte, through the raw codec', () => {
    const record = recordOf(message(latin1));
    assert.ok(record.value instanceof Uint8Array);
    const [stored] = decodeRawBatch(encodeRawBatch([record]));
    assert.equal(stored!.valueEncoding, 'base64');
    assert.deepEqual(Buffer.from(rawValueBytes(stored!)!), latin1);
  });

  it('lets the contract check reject a non-UTF-8 order instead of accepting a U+FFFD copy of it', () => {
    // Decoded leniently, the same bytes pass the schema: the bug this guards against.
    assert.equal(decodeOrder(latin1.toString('utf8'), { 'schema-version': '3' }).ok, true);
    const [stored] = decodeRawBatch(encodeRawBatch([recordOf(message(latin1))]));
    const decoded = decodeOrder(rawValueBytes(stored!)!, stored!.headers);
    assert.deepEqual(decoded.ok ? 'accepted' : decoded.reason, 'value: not valid UTF-8');
  });
});
