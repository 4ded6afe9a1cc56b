import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchDateOf, PartitionBuffer } from '../../src/bridge/partition-buffer.ts';
import type { KafkaRecord } from '../../src/kafka/record.ts';

const records = (from: number, count: number): KafkaRecord[] =>
  Array.from({ length: count }, (_, i) => ({ offset: from + i, key: 'c', timestamp: 0, headers: {}, value: '{}' }));

describe('PartitionBuffer.due', () => {
  it('cuts a full batch at once and a partial one after the maximum wait', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add(records(0, 10), 1000);
    assert.equal(buffer.due(1500, 10, 1000), true, 'full');
    const partial = new PartitionBuffer(0, true);
    partial.add(records(0, 3), 1000);
    assert.equal(partial.due(1999, 10, 1000), false);
    assert.equal(partial.due(2000, 10, 1000), true);
  });

  it('waits longer for a partial batch while Kafka holds enough records to fill it', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add(records(0, 3), 1000);
    const backlog = { pendingInKafka: 7, backlogWaitMs: 5000 };
    assert.equal(buffer.due(2000, 10, 1000, backlog), false, 'the next fetch fills it');
    assert.equal(buffer.due(6000, 10, 1000, backlog), true, 'but not forever');
  });

  it('keeps the normal wait when what Kafka holds cannot fill the batch (a live stream)', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add(records(0, 3), 1000);
    assert.equal(buffer.due(2000, 10, 1000, { pendingInKafka: 6, backlogWaitMs: 5000 }), true);
  });
});

describe('PartitionBuffer.due while the previous batch runs', () => {
  it('lets a partial batch grow while the partition\'s previous batch is still open, up to the longer wait', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add(records(0, 3), 1000);
    const running = { pendingInKafka: 0, predecessorOpen: true, backlogWaitMs: 5000 };
    assert.equal(buffer.due(2000, 10, 1000, running), false);
    assert.equal(buffer.due(6000, 10, 1000, running), true);
    assert.equal(buffer.due(2000, 10, 1000, { ...running, predecessorOpen: false }), true);
  });
});

describe('PartitionBuffer by bytes (BATCH_MAX_BYTES)', () => {
  const big = (from: number, count: number, bytes: number): KafkaRecord[] =>
    Array.from({ length: count }, (_, i) => ({ offset: from + i, key: null, timestamp: 0, headers: {}, value: 'x'.repeat(bytes) }));

  it('is due and cuts once the bytes reach the cap, long before the record count', () => {
    // The 600 records of 1 MiB, scaled down by 10.
    const buffer = new PartitionBuffer(0, true);
    buffer.add(big(0, 600, 100_000), 1000);
    assert.equal(buffer.bytes, 60_000_000);
    assert.equal(buffer.isFull(5000, 3_200_000), true);
    assert.equal(buffer.due(1000, 5000, 1000, {}, 3_200_000), true);
    const batch = buffer.cut(5000, 1000, 3_200_000)!;
    assert.deepEqual([batch.startOffset, batch.endOffset, batch.records.length], [0, 31, 32]);
    assert.equal(buffer.bytes, 56_800_000);
    buffer.advanceTo(batch.endOffset);
    assert.equal(buffer.cut(5000, 1000, 3_200_000)!.startOffset, 32);
  });

  it('cuts a record larger than the cap alone, and keeps its bytes right across restore and advance', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add([...big(0, 1, 100), ...big(1, 1, 5_000), ...big(2, 2, 100)], 1000);
    const first = buffer.cut(10, 1000, 1_000)!;
    assert.deepEqual(first.records.map((r) => r.offset), [0]);
    const second = buffer.cut(10, 1000, 1_000)!;
    assert.deepEqual(second.records.map((r) => r.offset), [1]);
    buffer.restore(second, 1000);
    assert.equal(buffer.bytes, 5_200);
    buffer.advanceTo(1);
    assert.equal(buffer.bytes, 200);
  });
});

describe('batchDateOf', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  it('takes the first record with a four-digit-year timestamp, else the clock', () => {
    assert.equal(batchDateOf([{ timestamp: 8.64e15 + 1 }, { timestamp: Date.parse('2026-11-28T01:00:00Z') }], now), '2026-11-28');
    assert.equal(batchDateOf([{ timestamp: Number.MAX_SAFE_INTEGER }, { timestamp: -9e15 }], now), '2026-11-30');
    assert.equal(batchDateOf([{ timestamp: Date.parse('+010000-01-01T00:00:00Z') }], now), '2026-11-30');
    assert.equal(batchDateOf([{ timestamp: -1 }], now), '1969-12-31');
  });
});
