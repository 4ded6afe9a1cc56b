// `npm run bench -- --only state`: what a 5,000-order batch costs the partition state as the
// partition grows (docs/benchmarks.md, State). For each size the partition's store is filled to that
// many remembered order ids and customers, written to a lake folder as a snapshot, and then:
//   - takeover: a fresh worker's first read rebuilds the state from that snapshot (what a worker
//     that inherits the partition pays once);
//   - batch: slice by the batch's keys + dedup + the fraud/totals walk + the delta (encode, write to
//     the lake, apply locally), as the stages do, median of several batches;
//   - RSS of the process against the configured state memory budget.
// The cost at the largest size over the smallest is the figure the design promises to keep near 1.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findDuplicates } from '../src/domain/dedupe.ts';
import { evaluateFraud } from '../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES } from '../src/domain/fraud/rules.ts';
import type { SilverItemRow, SilverOrderRow } from '../src/domain/rows.ts';
import { advanceState } from '../src/domain/partition-walk.ts';
import { stateDelta } from '../src/domain/state-delta.ts';
import { STATE_VERSION, stateKeysOf, type CustomerState, type StateDelta } from '../src/domain/state.ts';
import { FileLakeStore } from '../src/lake/file-store.ts';
import { stateSnapshotKey } from '../src/lake/keys.ts';
import { PartitionStateStore } from '../src/state-store/partition-store.ts';
import { PartitionStates } from '../src/state-store/partition-states.ts';

export interface StateBenchOptions {
  sizes: { ids: number; customers: number }[];
  batchOrders: number;
  batches: number;
  memoryMb: number;
  log: (line: string) => void;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const FILL_CHUNK = 100_000;
const slice = { dedupWindowMs: DAY_MS, rules: DEFAULT_FRAUD_RULES };

const orderId = (n: number): string => `ORD-${(Math.imul(n, 2654435761) >>> 0).toString(16).padStart(8, '0')}-${n}`;
const customerId = (n: number): string => `C${String(n).padStart(7, '0')}`;

function customerState(n: number, ts: number): CustomerState {
  return { orders: 1 + (n % 9), items: 2 + (n % 17), spendUsd: 10 + (n % 5000), firstOrderTs: ts - DAY_MS, lastOrderTs: ts, recent: [{ id: orderId(-n - 1), ts, pm: 'CREDIT CARD' }] };
}

/** A store with `ids` order ids spread over the last day and `customers` customers, as a snapshot in the lake. */
function fillSnapshot(lake: FileLakeStore, dir: string, ids: number, customers: number): { offset: number; nowTs: number } {
  const nowTs = T0 + DAY_MS;
  const file = path.join(dir, 'fill.sqlite');
  const store = PartitionStateStore.create(file, 0, 0, 256);
  let offset = 0;
  for (let start = 0; start < Math.max(ids, customers); start += FILL_CHUNK) {
    const delta: StateDelta = {
      version: STATE_VERSION,
      partition: 0,
      fromOffset: offset,
      toOffset: offset + FILL_CHUNK,
      first: start === 0,
      eventWatermarkTs: nowTs,
      arrivalWatermarkTs: nowTs,
      seen: new Map(),
      customers: new Map(),
      categories: new Map([['Electronics', { orders: start, items: start, revenueUsd: start }]]),
      productQuantities: new Map(),
    };
    for (let n = start; n < Math.min(ids, start + FILL_CHUNK); n++) delta.seen.set(orderId(n), nowTs - DAY_MS + Math.floor((n / Math.max(1, ids)) * (DAY_MS - HOUR_MS)));
    for (let n = start; n < Math.min(customers, start + FILL_CHUNK); n++) delta.customers.set(customerId(n), customerState(n, nowTs - HOUR_MS));
    store.apply(delta, DAY_MS);
    offset += FILL_CHUNK;
  }
  store.checkpointFile();
  store.close();
  return { offset, nowTs };
}

function batchOf(first: number, size: number, customers: number, nowTs: number, batch: number): { orders: SilverOrderRow[]; items: SilverItemRow[] } {
  const orders: SilverOrderRow[] = [];
  const items: SilverItemRow[] = [];
  for (let i = 0; i < size; i++) {
    const n = first + i;
    const ts = nowTs + batch * 60_000 + i;
    const order: SilverOrderRow = {
      orderId: orderId(1e9 + n),
      // The same spread of customers at every size (100k, or all of them when there are more): known ones when the store has them.
      customerId: customerId((Math.imul(n, 40503) >>> 0) % Math.max(100_000, customers)),
      orderTs: ts,
      orderDate: new Date(ts).toISOString().slice(0, 10),
      totalAmount: 50 + (n % 400),
      totalAmountUsd: 50 + (n % 400),
      paymentMethod: n % 3 === 0 ? 'PAYPAL' : 'CREDIT CARD',
      paymentStatus: 'PAID',
      orderStatus: 'PLACED',
      message: '',
      shippingStreet: 'Lindenstraße 5',
      city: 'Berlin',
      country: 'DE',
      lat: 52.52,
      lon: 13.405,
      itemCount: 2,
      schemaVersion: 3,
      partition: 0,
      offset: n,
      kafkaTs: ts,
      customerName: 'Anna Schmidt',
      customerSegment: 'consumer',
      customerAgeBand: '25-34',
      homeCity: 'Berlin',
      homeCountry: 'DE',
      distanceFromHomeKm: 0,
      shipsToHome: true,
    };
    orders.push(order);
    for (const productId of [`P${String(1 + (n % 100)).padStart(3, '0')}`, `P${String(1 + ((n * 7) % 100)).padStart(3, '0')}`]) {
      items.push({ orderId: order.orderId, customerId: order.customerId, orderTs: ts, orderDate: order.orderDate, productId, productName: productId, category: 'Electronics', quantity: 1, unitPriceUsd: order.totalAmountUsd / 2, lineAmountUsd: order.totalAmountUsd / 2 });
    }
  }
  return { orders, items };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function runStateBench(options: StateBenchOptions) {
  const rows = [];
  for (const size of options.sizes) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'state-bench-'));
    try {
      const lake = new FileLakeStore(path.join(dir, 'lake'));
      let started = performance.now();
      const { offset, nowTs } = fillSnapshot(lake, dir, size.ids, size.customers);
      await lake.putFile(stateSnapshotKey(0, offset, nowTs), path.join(dir, 'fill.sqlite'));
      rmSync(path.join(dir, 'fill.sqlite'), { force: true });
      const fillMs = performance.now() - started;

      const states = new PartitionStates({ lake, dir: path.join(dir, 'worker'), memoryMb: options.memoryMb, slice, snapshotEveryBatches: 1e9, snapshotEveryBytes: 1e15 });
      let at = offset;
      const batchMs: number[] = [];
      const deltaBytes: number[] = [];
      let takeoverMs = 0;
      for (let b = 0; b <= options.batches; b++) {
        const { orders, items } = batchOf(at, options.batchOrders, size.customers, nowTs, b);
        started = performance.now();
        const before = await states.slice(0, at, false, stateKeysOf(orders, items));
        if (b === 0) {
          takeoverMs = performance.now() - started; // the first read rebuilt the store from the snapshot
          started = performance.now();
          await states.slice(0, at, false, stateKeysOf(orders, items));
        }
        const duplicates = new Set(findDuplicates(orders, before, DAY_MS));
        const distinct = orders.filter((_, i) => !duplicates.has(i));
        evaluateFraud(DEFAULT_FRAUD_RULES, before, distinct, items, `bench-${at}`);
        const after = advanceState(before, distinct, items, slice);
        const delta = stateDelta(before, after, { partition: 0, fromOffset: at, toOffset: at + orders.length, first: false }, distinct, items);
        const written = await states.advance(delta);
        if (b > 0) {
          batchMs.push(performance.now() - started);
          deltaBytes.push(written.deltaBytes);
        }
        at += orders.length;
      }
      const rssMb = process.memoryUsage().rss / 2 ** 20;
      states.close();
      const row = { ...size, fillMs: Math.round(fillMs), takeoverMs: Math.round(takeoverMs), batchMsMedian: Math.round(median(batchMs)), batchMsMax: Math.round(Math.max(...batchMs)), deltaKiB: Math.round(median(deltaBytes) / 1024), rssMb: Math.round(rssMb) };
      options.log(`state ${JSON.stringify(row)}`);
      rows.push(row);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const smallest = rows[0]!.batchMsMedian;
  const largest = Math.max(...rows.map((r) => r.batchMsMedian));
  return { batchOrders: options.batchOrders, memoryMb: options.memoryMb, rows, largestOverSmallest: Math.round((largest / Math.max(1, smallest)) * 100) / 100 };
}
