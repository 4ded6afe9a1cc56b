// The adaptive cut of the bridge (src/bridge/cut-decision.ts, docs/design.md §3): by size under
// backlog, after a short quiet gap on a light stream, on time otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCut, type CutLimits } from '../../src/bridge/cut-decision.ts';
import { PartitionBuffer } from '../../src/bridge/partition-buffer.ts';
import type { KafkaRecord } from '../../src/kafka/record.ts';

const limits: CutLimits = { maxOrders: 100, maxBytes: 1_000_000, maxWaitMs: 1000, idleMs: 50, backlogWaitMs: 5000 };
const open = (records: number, firstArrivalMs: number, lastArrivalMs = firstArrivalMs) => ({ records, bytes: records * 100, firstArrivalMs, lastArrivalMs });

describe('decideCut', () => {
  it('keeps an empty buffer open whatever the time', () => {
    assert.equal(decideCut({ records: 0, bytes: 0 }, 1_000_000, limits), undefined);
  });

  it('cuts a full batch at once, by records or by bytes', () => {
    assert.equal(decideCut(open(100, 0, 0), 1, limits, { pendingInKafka: 10_000 }), 'full');
    assert.equal(decideCut({ records: 3, bytes: 1_000_000, firstArrivalMs: 0, lastArrivalMs: 0 }, 1, limits), 'full');
  });

  it('cuts a light stream\'s batch once the partition has been quiet for the idle gap and Kafka holds nothing more', () => {
    assert.equal(decideCut(open(3, 1000, 1010), 1059, limits, { pendingInKafka: 0 }), undefined, '49 ms quiet');
    assert.equal(decideCut(open(3, 1000, 1010), 1060, limits, { pendingInKafka: 0 }), 'idle', '50 ms quiet: 60 ms after the first record, not 1 s');
  });

  it('does not cut on idle while the partition\'s previous batch still runs: the workflows are behind, and tiny batches would put them further behind', () => {
    assert.equal(decideCut(open(3, 1000), 1050, limits, { pendingInKafka: 0, predecessorOpen: true }), undefined);
    assert.equal(decideCut(open(3, 1000), 1050, limits, { pendingInKafka: 0, predecessorOpen: false }), 'idle');
  });

  it('keeps filling while Kafka holds more records for the partition, however quiet the last fetch was', () => {
    assert.equal(decideCut(open(3, 1000), 1500, limits, { pendingInKafka: 20 }), undefined, 'backlog: no idle cut');
    assert.equal(decideCut(open(3, 1000), 2000, limits, { pendingInKafka: 20 }), 'max-wait', 'a backlog too small to fill it: the maximum wait');
    assert.equal(decideCut(open(3, 1000), 2000, limits, { pendingInKafka: 500 }), undefined, 'enough in Kafka to fill it: stretched');
    assert.equal(decideCut(open(3, 1000), 6000, limits, { pendingInKafka: 500 }), 'backlog-wait');
  });

  it('cuts a steady stream that never leaves an idle gap after the maximum wait, or the stretched wait while its predecessor runs', () => {
    // A record every 10 ms: never 50 ms quiet.
    assert.equal(decideCut(open(50, 1000, 1990), 1999, limits), undefined);
    assert.equal(decideCut(open(50, 1000, 1990), 2000, limits), 'max-wait');
    assert.equal(decideCut(open(50, 1000, 1990), 2000, limits, { predecessorOpen: true }), undefined);
    assert.equal(decideCut(open(50, 1000, 5990), 6000, limits, { predecessorOpen: true }), 'backlog-wait');
  });

  it('never cuts on idle when the gap is 0 (off)', () => {
    assert.equal(decideCut(open(3, 1000), 1999, { ...limits, idleMs: 0 }), undefined);
    assert.equal(decideCut(open(3, 1000), 2000, { ...limits, idleMs: 0 }), 'max-wait');
  });

  it('retries a batch whose start failed on the maximum-wait rhythm, not every idle gap', () => {
    const restored = { ...open(3, 5000, 1000), restoredAtMs: 5000 };
    assert.equal(decideCut(restored, 5100, limits), undefined, 'quiet, but restored 100 ms ago');
    assert.equal(decideCut(restored, 5999, limits), undefined);
    assert.notEqual(decideCut(restored, 6000, limits), undefined, 'cut again once the maximum wait has passed');
  });
});

describe('PartitionBuffer.cutReason', () => {
  const records = (from: number, count: number): KafkaRecord[] => Array.from({ length: count }, (_, i) => ({ offset: from + i, key: 'c', timestamp: 0, headers: {}, value: '{}' }));

  it('measures the quiet gap from the last record added, and starts again after a cut', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add(records(0, 2), 1000);
    buffer.add(records(2, 2), 1040);
    assert.equal(buffer.cutReason(1080, limits), undefined, '40 ms after the last record');
    assert.equal(buffer.cutReason(1090, limits), 'idle');
    buffer.cut(limits.maxOrders, 1090);
    assert.equal(buffer.cutReason(5000, limits), undefined, 'empty after the cut');
    buffer.add(records(4, 1), 5000);
    assert.equal(buffer.cutReason(5049, limits), undefined);
    assert.equal(buffer.cutReason(5050, limits), 'idle');
  });

  it('does not count a re-delivered record as activity', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add(records(0, 2), 1000);
    buffer.add(records(0, 2), 1040);
    assert.equal(buffer.cutReason(1050, limits), 'idle');
  });

  it('holds a restored batch for the maximum wait before retrying it', () => {
    const buffer = new PartitionBuffer(0, true);
    buffer.add(records(0, 3), 1000);
    const batch = buffer.cut(limits.maxOrders, 1050)!;
    buffer.restore(batch, 1100);
    assert.equal(buffer.cutReason(1200, limits), undefined);
    assert.notEqual(buffer.cutReason(2100, limits), undefined);
  });
});
