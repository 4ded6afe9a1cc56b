import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkBySize, headerText, messageBytes, MAX_SEND_BYTES } from '../../src/kafka/chunk.ts';

const message = (valueBytes: number, reason = 'value: not valid JSON') => ({ key: '3-1200', value: 'x'.repeat(valueBytes), headers: { reason } });

describe('DLQ sends the broker accepts', () => {
  it('keeps small batches in one send', () => {
    assert.equal(chunkBySize([message(100), message(100)]).length, 1);
  });

  it('splits a batch of large bad records into sends under the limit, in order', () => {
    // 250 quarantined records of 60 KB: 15 MB, far above the broker's 1 MiB, as a fuzzed batch had
    const messages = Array.from({ length: 250 }, (_, i) => ({ ...message(60_000), key: `3-${i}` }));
    const chunks = chunkBySize(messages);
    assert.ok(chunks.every((c) => c.reduce((n, m) => n + messageBytes(m), 0) <= MAX_SEND_BYTES));
    assert.deepEqual(chunks.flat().map((m) => m.key), messages.map((m) => m.key));
  });

  it('sends a record larger than the chunk size on its own', () => {
    const chunks = chunkBySize([message(10), message(MAX_SEND_BYTES + 1), message(10)]);
    assert.deepEqual(chunks.map((c) => c.length), [1, 1, 1]);
  });

  it('cuts a reason header that lists a thousand issues, and leaves short ones alone', () => {
    const long = Array.from({ length: 1_000 }, (_, i) => `items[${i}].quantity: must be an integer ≥ 1`).join('; ');
    assert.equal(headerText(long).length, 2_000);
    assert.ok(headerText(long).endsWith('…'));
    assert.equal(headerText('value: not valid JSON'), 'value: not valid JSON');
  });
});
