import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionBuffer, type BufferedRecord } from '../../src/bridge/partition-buffer.ts';

const records = (from: number, count: number): BufferedRecord[] =>
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
