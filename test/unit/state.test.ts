import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyDuplicates, findDuplicates } from '../../src/domain/dedupe.ts';
import { advanceState, nextWatermark } from '../../src/domain/partition-walk.ts';
import { CorruptStateError, emptyPartitionState, WATERMARK_SLACK_MS, type PartitionState } from '../../src/domain/state.ts';
import { parseState, serializeState } from '../../src/domain/state-codec.ts';
import { HOUR_MS, itemOf, linesOf, MINUTE_MS, shippedTo, silverOrder, PLACES, T0 } from './domain-fixtures.ts';

const DAY_MS = 24 * HOUR_MS;
const config = { dedupWindowMs: DAY_MS };

function afterBatches(...batches: ReturnType<typeof silverOrder>[][]): PartitionState {
  return batches.reduce((state, orders) => advanceState(state, orders, linesOf(orders), config), emptyPartitionState());
}

describe('partition state', () => {
  it('starts empty and round-trips through its JSON text unchanged', () => {
    const empty = emptyPartitionState();
    assert.deepEqual(parseState(serializeState(empty)), empty);
    const state = afterBatches(
      [silverOrder({ orderId: 'a', paymentMethod: 'PAYPAL' }), shippedTo(PLACES.paris!, { orderId: 'b', customerId: '2', orderTs: T0 + MINUTE_MS })],
      [silverOrder({ orderId: 'c', orderTs: T0 + 5 * MINUTE_MS, totalAmountUsd: 12.34 })],
    );
    const text = serializeState(state);
    assert.deepEqual(parseState(text), state);
    assert.equal(serializeState(parseState(text)), text);
  });

  it('serializes the same state to the same bytes whatever order it was built in', () => {
    const a = silverOrder({ orderId: 'a', customerId: '7', orderTs: T0 });
    const b = silverOrder({ orderId: 'b', customerId: '3', orderTs: T0 + MINUTE_MS });
    const one = advanceState(emptyPartitionState(), [a, b], [itemOf(a), itemOf(b, { productId: 'P002', category: 'Books' })], config);
    const two = advanceState(emptyPartitionState(), [b, a], [itemOf(b, { productId: 'P002', category: 'Books' }), itemOf(a)], config);
    assert.equal(serializeState(one), serializeState(two));
    const text = serializeState(one);
    assert.ok(text.indexOf('"arrivalWatermarkTs"') < text.indexOf('"categories"') && text.indexOf('"customers"') < text.indexOf('"seen"'), 'top-level keys are sorted');
    assert.ok(text.indexOf('["3",') < text.indexOf('["7",'), 'customers are sorted by id');
  });

  it('gives a re-run batch exactly the same checkpoint', () => {
    const prev = afterBatches([silverOrder({ orderId: 'a' })]);
    const batch = [silverOrder({ orderId: 'b', orderTs: T0 + MINUTE_MS }), shippedTo(PLACES.tokyo!, { orderId: 'c', orderTs: T0 + 2 * MINUTE_MS })];
    const first = serializeState(advanceState(prev, batch, linesOf(batch), config));
    const again = serializeState(advanceState(parseState(serializeState(prev)), batch, linesOf(batch), config));
    assert.equal(again, first);
  });

  it('never modifies the previous state', () => {
    const prev = afterBatches([silverOrder({ orderId: 'a' }), silverOrder({ orderId: 'b', orderTs: T0 + MINUTE_MS })]);
    const before = serializeState(prev);
    const batch = [silverOrder({ orderId: 'c', orderTs: T0 + 2 * HOUR_MS, totalAmountUsd: 5000 })];
    advanceState(prev, batch, linesOf(batch), config);
    assert.equal(serializeState(prev), before);
  });

  it('keeps running totals per customer and per category across batches', () => {
    const state = afterBatches(
      [silverOrder({ orderId: 'a', totalAmountUsd: 10.1, itemCount: 2 }), silverOrder({ orderId: 'b', customerId: '2', orderTs: T0 + MINUTE_MS, totalAmountUsd: 1 })],
      [silverOrder({ orderId: 'c', orderTs: T0 - HOUR_MS, totalAmountUsd: 0.2, itemCount: 1 })],
    );
    assert.deepEqual(
      { ...state.customers.get('1')!, recent: undefined, place: undefined },
      { orders: 2, items: 3, spendUsd: 10.3, firstOrderTs: T0 - HOUR_MS, lastOrderTs: T0, recent: undefined, place: undefined },
    );
    assert.deepEqual(state.categories.get('Electronics'), { orders: 3, items: 3, revenueUsd: 11.3 });
  });

  it('accepts customer and order ids that are also names of object properties', () => {
    const odd = silverOrder({ orderId: '__proto__', customerId: 'constructor' });
    const state = afterBatches([odd]);
    const back = parseState(serializeState(state));
    assert.equal(back.customers.get('constructor')?.orders, 1);
    assert.ok(back.seen.has('__proto__'));
    assert.deepEqual(findDuplicates([{ orderId: '__proto__', kafkaTs: odd.kafkaTs + 1 }, { orderId: 'toString', kafkaTs: odd.kafkaTs + 1 }], back, DAY_MS), [0]);
  });

  it('rejects a corrupt checkpoint, naming the bad field', () => {
    assert.throws(() => parseState('{'), CorruptStateError);
    assert.throws(() => parseState('{"version":2}'), /version: expected 1, got 2/);
    const good = JSON.parse(serializeState(afterBatches([silverOrder({ orderId: 'a' })]))) as { customers: [string, { orders: unknown }][] };
    good.customers[0]![1].orders = -1;
    assert.throws(() => parseState(JSON.stringify(good)), /customers\.0\.1\.orders: expected an integer ≥ 0/);
  });

  it('forgets recent orders older than the longest fraud window and the slack before the event watermark', () => {
    const later = [0, 1, 2].map((i) => silverOrder({ orderId: `b${i}`, orderTs: T0 + 3 * HOUR_MS + i * MINUTE_MS }));
    const state = afterBatches([silverOrder({ orderId: 'a' })], later);
    assert.deepEqual(state.customers.get('1')!.recent.map((r) => r.id), ['b0', 'b1', 'b2']);
    assert.equal(state.customers.get('1')!.orders, 4, 'totals are kept forever');
    const close = afterBatches([silverOrder({ orderId: 'a' })], [silverOrder({ orderId: 'c', orderTs: T0 + 2 * HOUR_MS })]);
    assert.deepEqual(close.customers.get('1')!.recent.map((r) => r.id), ['a', 'c'], 'a 60-minute window plus the 60-minute slack');
  });

  it('lets a batch of one or two orders move the event watermark by the slack at most', () => {
    const first = afterBatches([0, 1, 2].map((i) => silverOrder({ orderId: `n${i}`, orderTs: T0 + i * MINUTE_MS })));
    assert.equal(first.eventWatermarkTs, T0 + 2 * MINUTE_MS);
    const future = silverOrder({ orderId: 'f', customerId: '9', orderTs: T0 + 20 * DAY_MS });
    const after = advanceState(first, [future], linesOf([future]), config);
    assert.equal(after.eventWatermarkTs, T0 + 2 * MINUTE_MS + WATERMARK_SLACK_MS);
    assert.deepEqual(after.customers.get('1')!.recent.map((r) => r.id), ['n0', 'n1', 'n2'], 'the recent orders survive the lone future-dated order');
  });

  it('does not let one future-dated order among many push the watermarks forward', () => {
    const normal = Array.from({ length: 5 }, (_, i) => silverOrder({ orderId: `n${i}`, customerId: String(10 + i), orderTs: T0 + i * MINUTE_MS }));
    const future = silverOrder({ orderId: 'f', customerId: '99', orderTs: T0 + 20 * DAY_MS, kafkaTs: T0 + 5 * MINUTE_MS });
    const state = afterBatches([...normal, future]);
    assert.ok(state.eventWatermarkTs! <= T0 + 4 * MINUTE_MS + WATERMARK_SLACK_MS);
    assert.equal(nextWatermark(null, [1, 2, 3]), 3);
    assert.equal(nextWatermark(10, [1, 2, 3]), 10, 'a watermark never goes back');
  });
});

describe('duplicate order ids', () => {
  it('flags a repeat within the same batch, keeping the first copy', () => {
    const records = [
      { orderId: 'a', kafkaTs: T0 },
      { orderId: 'b', kafkaTs: T0 },
      { orderId: 'a', kafkaTs: T0 + 1 },
      { orderId: 'a', kafkaTs: T0 + 2 },
    ];
    assert.deepEqual(findDuplicates(records, emptyPartitionState(), DAY_MS), [2, 3]);
    assert.deepEqual(classifyDuplicates(records, emptyPartitionState(), DAY_MS).map((d) => d.kind), ['batch', 'batch']);
  });

  it('flags an id seen by an earlier batch within the window, and forgets it after', () => {
    const first = silverOrder({ orderId: 'a', kafkaTs: T0 });
    const state = afterBatches([first]);
    assert.deepEqual(findDuplicates([{ orderId: 'a', kafkaTs: T0 + 23 * HOUR_MS }], state, DAY_MS), [0]);
    assert.deepEqual(classifyDuplicates([{ orderId: 'a', kafkaTs: T0 + 23 * HOUR_MS }, { orderId: 'a', kafkaTs: T0 + 23 * HOUR_MS }], state, DAY_MS).map((d) => d.kind), ['window', 'window']);
    assert.deepEqual(findDuplicates([{ orderId: 'a', kafkaTs: T0 + 25 * HOUR_MS }], state, DAY_MS), [], 'older than the window');

    const later = [0, 1, 2].map((i) => silverOrder({ orderId: `z${i}`, orderTs: T0 + 25 * HOUR_MS, kafkaTs: T0 + 25 * HOUR_MS + i }));
    const pruned = advanceState(state, later, linesOf(later), config);
    assert.equal(pruned.seen.has('a'), false, 'pruned once the arrival watermark moved a window past it');
    assert.equal(pruned.seen.has('z0'), true);
  });

  it('keeps the dedup window by arrival time, so a future-dated order cannot empty it', () => {
    const a = silverOrder({ orderId: 'a', kafkaTs: T0 });
    const future = silverOrder({ orderId: 'f', orderTs: T0 + 30 * DAY_MS, kafkaTs: T0 + 1000 });
    const state = afterBatches([a], [future]);
    assert.deepEqual(findDuplicates([{ orderId: 'a', kafkaTs: T0 + 2000 }], state, DAY_MS), [0]);
  });
});
