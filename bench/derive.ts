// What one batch's derivation costs in CPU, without the stack: `npx tsx bench/derive.ts
// [--orders 60000] [--batch 5000] [--customers 100] [--seed derive-bench]`. A seeded simulator
// stream on one partition is cut into raw objects on a file:// lake (in a temporary folder), and one
// worker's `deriveBatch` (src/activities/derive.ts: raw → bronze → silver → gold, fraud, quality,
// checkpoint) runs over them in order. It prints CPU microseconds per order (user + system of this
// process, after the first two batches warm the JIT and the state), which is what limits the
// pipeline's rate on two cores (docs/benchmarks.md): unlike the pipeline bench, the figure hardly
// moves when other processes share the machine, so two versions of the code can be compared on a
// busy one. Run it with `node --cpu-prof` (through `npx tsx --cpu-prof`) to see where the time goes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createActivities } from '../src/activities/index.ts';
import type { ActivityDeps } from '../src/activities/deps.ts';
import { loadConfig } from '../src/config.ts';
import type { DeriveInput } from '../src/contract/batch.ts';
import { loadFraudRules } from '../src/domain/fraud/rules.ts';
import { FileLakeStore } from '../src/lake/file-store.ts';
import { encodeRawBatch } from '../src/lake/raw.ts';
import { createLogger } from '../src/logger.ts';
import { loadReferenceData } from '../src/reference/index.ts';
import { simulateStream } from '../test/helpers/simulated-stream.ts';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '5000' },
    customers: { type: 'string', default: '100' },
    seed: { type: 'string', default: 'derive-bench' },
  },
});
const orders = Number(values.orders);
const batchSize = Number(values.batch);
const customers = values.customers;
const WARM_BATCHES = 2;
if (!(orders > 0 && batchSize > 0 && orders >= batchSize * (WARM_BATCHES + 1))) {
  console.error(`usage: npx tsx bench/derive.ts [--orders N] [--batch N] [--customers N] [--seed S]: --orders must be at least ${WARM_BATCHES + 1} batches`);
  process.exit(2);
}

const temp = mkdtempSync(path.join(os.tmpdir(), 'derive-bench-'));
try {
  const reference = loadReferenceData({ CUSTOMERS: Number(customers) });
  const stream = simulateStream(reference, { seed: values.seed, count: orders, anomalyRate: 0.02 }, 1);
  const lake = new FileLakeStore(path.join(temp, 'lake'));
  const records = stream.partitions[0]!;
  const batches: DeriveInput[] = [];
  for (let start = 0; start < records.length; start += batchSize) {
    const slice = records.slice(start, start + batchSize);
    const end = slice.at(-1)!.offset;
    const batchDate = new Date(slice[0]!.kafkaTs).toISOString().slice(0, 10);
    const rawKey = `raw/orders/batch_date=${batchDate}/partition=0/${start}-${end}.jsonl.gz`;
    await lake.put(rawKey, encodeRawBatch(slice.map((r) => ({ offset: r.offset, key: null, timestamp: r.kafkaTs, headers: r.headers, value: r.value }))));
    batches.push({ topic: 'orders', partition: 0, startOffset: start, endOffset: end, batchId: `orders-0-${start}`, firstBatch: start === 0, rawKey, copyToDlq: false, batchDate });
  }

  const config = loadConfig({ STATE_DIR: path.join(temp, 'state'), CUSTOMERS: customers });
  const deps: ActivityDeps = {
    config,
    lake,
    temporal: undefined as never, // the derivation never asks Temporal anything
    dlq: { send: async () => [] },
    sendMail: async () => undefined,
    reference,
    rules: loadFraudRules(),
    log: createLogger('bench', 'silent'),
    stateTaskQueue: 'orders-worker-bench',
    close: async () => undefined,
  };
  const activities = createActivities(deps);

  let measuredOrders = 0;
  let cpu: NodeJS.CpuUsage | undefined;
  let wallStart = 0;
  for (const [index, input] of batches.entries()) {
    if (index === WARM_BATCHES) {
      cpu = process.cpuUsage();
      wallStart = performance.now();
    }
    await activities.deriveBatch(input);
    if (index >= WARM_BATCHES) measuredOrders += input.endOffset - input.startOffset + 1;
  }
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const wallMs = performance.now() - wallStart;
  const perOrderUs = (cpuMs * 1000) / measuredOrders;
  console.log(
    JSON.stringify({
      batches: batches.length - WARM_BATCHES,
      orders: measuredOrders,
      batchSize,
      customers: Number(customers),
      cpuMs: Math.round(cpuMs),
      wallMs: Math.round(wallMs),
      cpuUsPerOrder: Math.round(perOrderUs * 10) / 10,
      ordersPerCpuSecond: Math.round(1e6 / perOrderUs),
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
} finally {
  rmSync(temp, { recursive: true, force: true });
}
