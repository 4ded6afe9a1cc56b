import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseOrder, FUZZ_KINDS, FUZZ_MARKER, fuzzMessages } from '../../chaos/fuzz.ts';
import { seededRandom } from '../../chaos/random.ts';
import { decodeOrder } from '../../src/schemas/index.ts';

describe('the chaos fuzzer', () => {
  const corpus = fuzzMessages(7, 2_000);

  it('starts every case from an order the contract accepts', () => {
    const decoded = decodeOrder(JSON.stringify(baseOrder(1, seededRandom(1))), { 'schema-version': '3' });
    assert.equal(decoded.ok, true, decoded.ok ? '' : decoded.reason);
  });

  it('makes only messages the registry rejects, each with the reason the check expects', () => {
    for (const message of corpus) {
      const decoded = decodeOrder(message.value, message.headers);
      assert.equal(decoded.ok, false, `fuzz-${message.id} (${message.kind}) was accepted`);
      if (!decoded.ok) assert.match(decoded.reason, message.expectedReason, `fuzz-${message.id} (${message.kind})`);
    }
  });

  it('marks every message with its own id and covers every kind', () => {
    for (const message of corpus) assert.equal(FUZZ_MARKER.exec(message.value.toString('latin1'))?.[1], String(message.id));
    assert.deepEqual(new Set(corpus.map((m) => m.kind)), new Set(FUZZ_KINDS));
  });

  it('gives the same bytes for the same seed and others for another seed', () => {
    const again = fuzzMessages(7, 2_000);
    assert.ok(corpus.every((m, i) => m.value.equals(again[i]!.value) && m.headers['schema-version'] === again[i]!.headers['schema-version']));
    assert.ok(fuzzMessages(8, 2_000).some((m, i) => !m.value.equals(corpus[i]!.value)));
  });

  it('stays under Kafka’s default 1 MB message limit', () => {
    assert.ok(corpus.every((m) => m.value.length < 900_000));
  });
});
