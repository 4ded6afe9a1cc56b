import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findDuplicates } from '../../src/domain/dedupe.ts';
import { evaluateFraud } from '../../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES } from '../../src/domain/fraud/rules.ts';
import type { SilverOrderRow } from '../../src/domain/rows.ts';
import { advanceState } from '../../src/domain/partition-walk.ts';
import { stateDelta } from '../../src/domain/state-delta.ts';
import { CorruptStateError, emptyPartitionState, stateKeysOf, type PartitionState } from '../../src/domain/state.ts';
import { decodeDelta, encodeDelta } from '../../src/domain/state-codec.ts';
import { goldRows } from '../../src/domain/aggregate.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { parseStateObjectKey, stateDeltaKey } from '../../src/lake/keys.ts';
import { PartitionStates } from '../../src/state-store/partition-states.ts';
import { collectableStateObjects } from '../../src/state-store/retention.ts';
import { StateListing } from '../../src/state-store/state-log.ts';
import { HOUR_MS, linesOf, MINUTE_MS, PLACES, shippedTo, silverOrder, T0 } from './domain-fixtures.ts';

const DAY_MS = 24 * HOUR_MS;
const slice = { dedupWindowMs: DAY_MS, rules: DEFAULT_FRAUD_RULES };
const temp = mkdtempSync(path.join(os.tmpdir(), 'state-store-test-'));
after(() => rmSync(temp, { recursive: true, force: true }));

let lakes = 0;
function newStates(options: { snapshotEveryBatches?: number } = {}) {
  const lake = new FileLakeStore(path.join(temp, `lake-${++lakes}`));
  const states = new PartitionStates({
    lake,
    dir: path.join(temp, `stores-${lakes}`),
    memoryMb: 16,
    slice,
    snapshotEveryBatches: options.snapshotEveryBatches ?? 1000,
    snapshotEveryBytes: 1 << 30,
  });
  return { lake, states };
}

/** A stream of batches that exercises every piece of state: repeats, bursts, travel, many customers. */
function batchesOfStream(count: number, size: number): SilverOrderRow[][] {
  const batches: SilverOrderRow[][] = [];
  let n = 0;
  for (let b = 0; b < count; b++) {
    const batch: SilverOrderRow[] = [];
    for (let i = 0; i < size; i++, n++) {
      const ts = T0 + n * 7 * MINUTE_MS;
      const customerId = String(1 + ((n * 7) % 13));
      const order = n % 11 === 5 ? shippedTo(PLACES.tokyo!, { orderId: `o${n}`, customerId, orderTs: ts, kafkaTs: ts }) : silverOrder({ orderId: `o${n}`, customerId, orderTs: ts, kafkaTs: ts, totalAmountUsd: 10 + (n % 50) * 97 });
      batch.push(order);
    }
    batches.push(batch);
  }
  return batches;
}

/** One batch through the store, as the activities run it: slice, dedup, step, delta, apply. */
async function runBatch(states: PartitionStates, partition: number, from: number, orders: SilverOrderRow[], first: boolean) {
  const items = linesOf(orders);
  const before = await states.slice(partition, from, first, stateKeysOf(orders, items));
  const duplicates = findDuplicates(orders, before, DAY_MS);
  const distinct = orders.filter((_, i) => !duplicates.includes(i));
  const distinctItems = linesOf(distinct);
  const fraud = evaluateFraud(DEFAULT_FRAUD_RULES, before, distinct, distinctItems, `b-${from}`);
  const gold = goldRows(before, distinct, distinctItems, { partition, endOffset: from + orders.length - 1, batchId: `b-${from}` });
  const next = advanceState(before, distinct, distinctItems, slice);
  const delta = stateDelta(before, next, { partition, fromOffset: from, toOffset: from + orders.length, first }, distinct, distinctItems);
  const result = await states.advance(delta);
  return { duplicates, fraud, gold, result };
}

describe('partition state store', () => {
  it('gives every batch the same duplicates, alerts and totals as the whole-state walk', async () => {
    const { states } = newStates();
    let whole: PartitionState = emptyPartitionState();
    let offset = 0;
    const stream = batchesOfStream(12, 9);
    stream[6]!.push({ ...stream[2]![0]!, kafkaTs: stream[6]![0]!.kafkaTs }); // a repeat a few batches later
    for (const [b, orders] of stream.entries()) {
      const viaStore = await runBatch(states, 0, offset, orders, b === 0);
      const duplicates = findDuplicates(orders, whole, DAY_MS);
      const distinct = orders.filter((_, i) => !duplicates.includes(i));
      assert.deepEqual(viaStore.duplicates, duplicates, `duplicates of batch ${b}`);
      assert.deepEqual(viaStore.fraud, evaluateFraud(DEFAULT_FRAUD_RULES, whole, distinct, linesOf(distinct), `b-${offset}`), `fraud of batch ${b}`);
      assert.deepEqual(viaStore.gold, goldRows(whole, distinct, linesOf(distinct), { partition: 0, endOffset: offset + orders.length - 1, batchId: `b-${offset}` }), `gold of batch ${b}`);
      whole = advanceState(whole, distinct, linesOf(distinct), slice);
      offset += orders.length;
    }
    assert.ok(stream.flat().length > 100);
    states.close();
  });

  it('writes a delta with only what the batch touched, the same bytes on a retry', async () => {
    const { lake, states } = newStates();
    const [one, two] = batchesOfStream(2, 5);
    await runBatch(states, 2, 0, one!, true);
    const { result } = await runBatch(states, 2, 5, two!, false);
    const bytes = await lake.get(result.deltaKey);
    const delta = decodeDelta(bytes!);
    assert.deepEqual([...delta.seen.keys()], two!.map((o) => o.orderId).sort());
    assert.deepEqual([...delta.customers.keys()], [...new Set(two!.map((o) => o.customerId))].sort());
    assert.deepEqual(Buffer.from(encodeDelta(delta)), Buffer.from(bytes!), 'encoding is deterministic');
    states.close();
  });

  it('drops an id sent again 23 hours later and accepts one sent again after the 24-hour window', async () => {
    const { states } = newStates();
    const at = (hours: number, id: string, extra = 0) => silverOrder({ orderId: id, customerId: '5', kafkaTs: T0 + hours * HOUR_MS + extra, orderTs: T0 + hours * HOUR_MS + extra });
    await runBatch(states, 1, 0, [at(0, 'x'), at(0, 'y', 1)], true);
    let offset = 2;
    // Hourly traffic moves the arrival watermark (and expires whole hours of the window).
    for (let h = 1; h <= 22; h++) offset += (await runBatch(states, 1, offset, [at(h, `h${h}`)], false)).duplicates.length + 1;
    const repeat = await runBatch(states, 1, offset, [at(23, 'x')], false);
    assert.deepEqual(repeat.duplicates, [0], 'x again after 23 h is a duplicate');
    offset += 1;
    for (let h = 24; h <= 25; h++) offset += (await runBatch(states, 1, offset, [at(h, `h${h}`)], false)).duplicates.length + 1;
    const late = await runBatch(states, 1, offset, [at(25, 'y', 2 * MINUTE_MS)], false);
    assert.deepEqual(late.duplicates, [], 'y again after 25 h is a new order');
    states.close();
  });

  it('rebuilds the state on another worker from a snapshot plus deltas, identical to the hot one', async () => {
    const { lake, states } = newStates();
    const stream = batchesOfStream(8, 6);
    let offset = 0;
    for (const [b, orders] of stream.entries()) {
      await runBatch(states, 3, offset, orders, b === 0);
      offset += orders.length;
      if (b === 3) await states.writeSnapshot(3, offset);
    }
    const probe = batchesOfStream(9, 6)[8]!;
    const keys = stateKeysOf(probe, linesOf(probe));
    const hot = await states.slice(3, offset, false, keys);
    const other = new PartitionStates({ lake, dir: path.join(temp, 'other-worker'), memoryMb: 8, slice, snapshotEveryBatches: 1000, snapshotEveryBytes: 1 << 30 });
    const rebuilt = await other.slice(3, offset, false, keys);
    assert.deepEqual(rebuilt, hot);
    const listing = await StateListing.read(lake, 3);
    assert.equal(listing.plan(offset).base?.kind, 'snapshot', 'the rebuild starts from the snapshot, not from the first delta');
    assert.equal(listing.plan(offset).deltas.length, 4);
    // A past offset (a replay, a backfill) is served by a cold store; the hot one stays where it is.
    const past = await other.slice(3, 12, false, keys);
    assert.ok(past.arrivalWatermarkTs! < hot.arrivalWatermarkTs!);
    assert.deepEqual(await other.slice(3, offset, false, keys), hot);
    states.close();
    other.close();
  });

  it('fails loudly, naming the object, when a delta is corrupt or the chain is broken', async () => {
    const { lake, states } = newStates();
    const [one, two] = batchesOfStream(2, 4);
    await runBatch(states, 4, 0, one!, true);
    await runBatch(states, 4, 4, two!, false);
    const key = stateDeltaKey(4, 4, 8, false);
    await lake.put(key, new TextEncoder().encode('{"not":"gzip"}'));
    const fresh = new PartitionStates({ lake, dir: path.join(temp, 'fresh-worker'), memoryMb: 8, slice, snapshotEveryBatches: 1000, snapshotEveryBytes: 1 << 30 });
    await assert.rejects(fresh.slice(4, 8, false, stateKeysOf(two!)), (error: unknown) => error instanceof CorruptStateError && error.message.includes(key));
    await lake.delete(stateDeltaKey(4, 0, 4, true));
    await assert.rejects(fresh.slice(4, 8, false, stateKeysOf(two!)), /state before offset 4 \(needed to rebuild offset 8\) of partition 4 is missing/);
    await assert.rejects(fresh.slice(4, 100, false, stateKeysOf(two!)), /state before offset 100 of partition 4 is missing/);
    states.close();
    fresh.close();
  });

  it('asks for a snapshot every N deltas', async () => {
    const { states } = newStates({ snapshotEveryBatches: 3 });
    const due: boolean[] = [];
    let offset = 0;
    for (const [b, orders] of batchesOfStream(6, 2).entries()) {
      due.push((await runBatch(states, 5, offset, orders, b === 0)).result.snapshotDue);
      offset += orders.length;
    }
    assert.deepEqual(due, [false, false, true, false, false, true]);
    states.close();
  });
});

describe('state retention', () => {
  const snapshot = (offset: number, hours: number) => `state/partition=0/snapshot/at=${String(offset).padStart(19, '0')}-ts=${T0 + hours * HOUR_MS}.sqlite`;
  const delta = (from: number, to: number) => stateDeltaKey(0, from, to, from === 0);

  it('keeps the retention behind the newest snapshot, and the snapshot at its edge', () => {
    const keys = [snapshot(100, 0), snapshot(200, 100), snapshot(300, 200), delta(0, 100), delta(100, 200), delta(200, 300), delta(300, 400)];
    assert.ok(keys.every((k) => parseStateObjectKey(k)));
    const listing = new StateListing(0, keys);
    assert.deepEqual(collectableStateObjects(listing, 150 * HOUR_MS, undefined), [delta(0, 100)]);
    assert.deepEqual(collectableStateObjects(listing, 10 * HOUR_MS, undefined), [delta(0, 100), delta(100, 200), snapshot(100, 0)].sort());
  });

  it('never deletes what a failed or running batch needs to be replayed', () => {
    const keys = [snapshot(100, 0), snapshot(200, 100), snapshot(300, 200), delta(100, 200), delta(200, 300)];
    const listing = new StateListing(0, keys);
    assert.deepEqual(collectableStateObjects(listing, 10 * HOUR_MS, 150), []);
    assert.deepEqual(collectableStateObjects(listing, 10 * HOUR_MS, 250), [delta(100, 200), snapshot(100, 0)].sort());
  });
});
