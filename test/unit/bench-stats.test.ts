import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertLatencies, commitLatencies, goldCompletions, silverCompletions, silverLatencies } from '../../bench/lib/figures.ts';
import { descendantsOf, parseMachineCpu, parseProcStat, parseRssBytes } from '../../bench/lib/proc.ts';
import { selfTimes } from '../../bench/lib/cpu-profile.ts';
import { pipelineTable } from '../../bench/lib/report.ts';
import { ordersPerCoreSecond, percentile, ratio, steadyRate, summarizeLatencies } from '../../bench/lib/stats.ts';

describe('bench percentiles', () => {
  it('takes the nearest rank, so p50 of 1..10 is 5 and p99 of 1..100 is 99', () => {
    const tens = Array.from({ length: 10 }, (_, i) => 10 - i);
    assert.equal(percentile(tens, 50), 5);
    assert.equal(percentile(tens, 100), 10);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 95), 95);
  });

  it('returns undefined for no values and rejects a percentile outside (0, 100]', () => {
    assert.equal(percentile([], 50), undefined);
    assert.throws(() => percentile([1], 0), RangeError);
    assert.throws(() => percentile([1], 101), RangeError);
  });

  it('summarizes latencies with count, p50, p95, p99 and max, and nulls when empty', () => {
    assert.deepEqual(summarizeLatencies([3, 1, 2]), { count: 3, p50Ms: 2, p95Ms: 3, p99Ms: 3, maxMs: 3 });
    assert.deepEqual(summarizeLatencies([]), { count: 0, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
  });
});

describe('bench steady rate', () => {
  // One completion of 100 orders every 100 ms from t=1000 to t=10,900: 1,000 orders/s.
  const steady = Array.from({ length: 100 }, (_, i) => ({ atMs: 1000 + i * 100, orders: 100 }));

  it('skips the warm-up after the first completion and measures the window after it', () => {
    const rate = steadyRate(steady, { warmupMs: 2000, measureMs: 5000, tailMs: 1000, drained: false })!;
    assert.equal(rate.fromMs, 3000);
    assert.equal(rate.toMs, 8000);
    assert.equal(rate.orders, 5000, 'completions at 3100..8000: the one at the start belongs before the window');
    assert.equal(rate.ratePerSec, 1000);
    assert.equal(rate.shortWindow, false);
  });

  it('cuts the tail of a drained run and says the window came out short', () => {
    const rate = steadyRate(steady, { warmupMs: 2000, measureMs: 60_000, tailMs: 900, drained: true })!;
    assert.equal(rate.toMs, 10_000);
    assert.equal(rate.ratePerSec, 1000);
    assert.equal(rate.shortWindow, true);
  });

  it('does not let a slow warm-up or a ragged end change the steady figure', () => {
    const slowStart = [{ atMs: 0, orders: 1 }, { atMs: 900, orders: 1 }, ...steady, { atMs: 12_000, orders: 3 }];
    const rate = steadyRate(slowStart, { warmupMs: 3000, measureMs: 5000, tailMs: 1100, drained: true })!;
    assert.equal(rate.ratePerSec, 1000);
  });

  it('has no figure when nothing completed or the warm-up covers the whole run', () => {
    assert.equal(steadyRate([], { warmupMs: 0, measureMs: 1000, tailMs: 0, drained: true }), undefined);
    assert.equal(steadyRate(steady, { warmupMs: 20_000, measureMs: 1000, tailMs: 0, drained: true }), undefined);
  });

  it('divides a rate by the cores all processes used, and has no figure without CPU', () => {
    assert.equal(ordersPerCoreSecond(3000, { worker: { cpuPct: 100 }, temporal: { cpuPct: 50 } }), 2000);
    assert.equal(ordersPerCoreSecond(3000, {}), null);
    assert.equal(ordersPerCoreSecond(null, { worker: { cpuPct: 100 } }), null);
  });

  it('gives ratios to three decimals and none without a baseline', () => {
    assert.equal(ratio(1, 3), 0.333);
    assert.equal(ratio(5, null), null);
    assert.equal(ratio(5, 0), null);
  });
});

describe('bench lake figures', () => {
  const parts = [
    { partition: 0, endOffset: 99, lastModifiedMs: 5000, rows: [{ orderId: 'a', kafkaTs: 4000 }, { orderId: 'b', kafkaTs: 4500 }] },
    { partition: 0, endOffset: 99, lastModifiedMs: 5100, rows: [{ orderId: 'c', kafkaTs: 3000 }] },
    { partition: 1, endOffset: 49, lastModifiedMs: 6000, rows: [{ orderId: 'd', kafkaTs: 5800 }] },
  ];

  it('counts a silver part as its orders at its LastModified', () => {
    assert.deepEqual(silverCompletions(parts), [{ atMs: 5000, orders: 2 }, { atMs: 5100, orders: 1 }, { atMs: 6000, orders: 1 }]);
  });

  it('counts a checkpoint as the orders of every silver part of its batch', () => {
    const checkpoints = [{ partition: 0, endOffset: 99, lastModifiedMs: 7000 }, { partition: 1, endOffset: 49, lastModifiedMs: 7500 }, { partition: 2, endOffset: 9, lastModifiedMs: 8000 }];
    assert.deepEqual(goldCompletions(parts, checkpoints), [{ atMs: 7000, orders: 3 }, { atMs: 7500, orders: 1 }, { atMs: 8000, orders: 0 }]);
  });

  it('times each order from its Kafka timestamp to its silver part, from a moment on', () => {
    assert.deepEqual(silverLatencies(parts, 4000), [1000, 500, 200]);
  });

  it('times a fraud alert from its newest flagged order and skips data-quality alerts and older ones', () => {
    const kafkaTs = new Map([['a', 4000], ['b', 4500], ['c', 3000], ['d', 5800]]);
    const fraud = [{ alertId: 'f1', orderIds: 'a,b' }, { alertId: 'f2', orderIds: 'c' }, { alertId: 'f3', orderIds: 'zz' }];
    const sent = [{ alertId: 'f1', acceptedAtMs: 7000 }, { alertId: 'f2', acceptedAtMs: 7000 }, { alertId: 'f3', acceptedAtMs: 7000 }, { alertId: 'b:dq:x:y', acceptedAtMs: 7000 }];
    assert.deepEqual(alertLatencies(sent, fraud, kafkaTs, 3500), [2500]);
  });
});

describe('bench /proc parsers', () => {
  it('reads pid, ppid and user+system ticks even when the command name has spaces and parentheses', () => {
    const line = '4242 (tsx (worker) x) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 900 1000 2000';
    assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 17, cpuTicks: 300 });
  });

  it('reads VmRSS in bytes and 0 when a zombie has none', () => {
    assert.equal(parseRssBytes('Name:\tnode\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n'), 1024 * 1024);
    assert.equal(parseRssBytes('Name:\tnode\nState:\tZ (zombie)\n'), 0);
  });

  it('counts idle and iowait as not busy in /proc/stat', () => {
    assert.deepEqual(parseMachineCpu('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n'), { busy: 150, total: 1000 });
  });

  it('finds a process tree: a service and its children, not its siblings', () => {
    const parents = new Map([[10, 1], [11, 10], [12, 11], [20, 1]]);
    assert.deepEqual(descendantsOf(10, parents).sort(), [10, 11, 12]);
  });
});

describe('bench CPU profile summary', () => {
  it('sums self time per function over its nodes and ranks the heaviest first', () => {
    const frame = (functionName: string, url = 'file:///w/src/lake/parquet.ts') => ({ functionName, url, lineNumber: 9 });
    const profile = {
      startTime: 0,
      endTime: 4000,
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('writeParquet') },
        { id: 3, callFrame: frame('parse', 'file:///w/node_modules/zod/index.js') },
        { id: 4, callFrame: frame('writeParquet') },
      ],
      samples: [2, 3, 4, 2],
      timeDeltas: [0, 1000, 1000, 1000, 1000],
    };
    assert.deepEqual(selfTimes(profile), [
      { fn: 'writeParquet (src/lake/parquet.ts:10)', selfMs: 3, pct: 75 },
      { fn: 'parse (zod/index.js:10)', selfMs: 1, pct: 25 },
      { fn: '(root)', selfMs: 0, pct: 0 },
    ]);
  });
});

describe('bench report', () => {
  it('renders the pipeline table with the ratio, the load average and a dash for what was not measured', () => {
    const resources = { processes: { worker: { cpuPct: 80.5, rssMeanMiB: 300, rssMaxMiB: 350 } }, machineBusyPct: 95 };
    const rate = (ratePerSec: number) => ({ fromMs: 0, toMs: 60_000, windowMs: 60_000, orders: ratePerSec * 60, ratePerSec, shortWindow: false });
    const table = pipelineTable({
      date: '2026-11-28T01:00:00.000Z',
      machine: { cpus: 2, memoryGiB: 24, node: 'v24.9.0', loadAverageAtStart: [1, 2, 3] },
      loadAverageAtEnd: [1.5, 2, 3],
      pipeline: {
        settings: { orders: 1000, warmupSec: 15, measureSec: 60, tailSec: 5, latencyRate: 2000, latencySec: 60, pipelineEnv: {} },
        preload: { orders: 1000, ratePerSec: 500, distinctValidOrders: 990 },
        baseline: { system: 'baseline', drained: false, silverOrders: 900, silver: rate(10_000), gold: null, resources, ordersPerCoreSecond: 12_000, loadAverage: [1.1, 2, 3] },
        pipeline: { system: 'pipeline', drained: false, silverOrders: 800, silver: rate(6000), gold: rate(5000), resources, ordersPerCoreSecond: 6000, loadAverage: [1.2, 2, 3] },
        ratioSilver: 0.6,
        ratioPerCore: 0.5,
        latency: null,
        peer: null,
      },
    });
    assert.match(table, /\| orders\/s into silver \(steady window\) \| 10,000 \| 6,000 \| 0\.6 \|/);
    assert.match(table, /\| orders per core-second \(CPU of every process sampled\) \| 12,000 \| 6,000 \| 0\.5 \|/);
    assert.match(table, /at start 1\.00 \/ 2\.00 \/ 3\.00/);
    assert.match(table, /\| worker \| 80\.5 % · 300 \/ 350 \| 80\.5 % · 300 \/ 350 \| – \|/);
  });
});

describe('bench commit latency', () => {
  it('times each batch from its last silver part and from its derivation to the first commit that added its parts', () => {
    const parts = [
      { key: 'silver/orders/order_date=a/part-0-0-9.parquet', partition: 0, endOffset: 9, lastModifiedMs: 1_000 },
      { key: 'silver/orders/order_date=b/part-0-0-9.parquet', partition: 0, endOffset: 9, lastModifiedMs: 1_200 },
      { key: 'silver/orders/order_date=a/part-1-0-9.parquet', partition: 1, endOffset: 9, lastModifiedMs: 1_100 },
      { key: 'silver/orders/order_date=a/part-2-0-9.parquet', partition: 2, endOffset: 9, lastModifiedMs: 1_100 },
    ];
    const commits = [
      { version: 1, lastModifiedMs: 3_000, added: ['silver/orders/order_date=a/part-1-0-9.parquet', 'silver/orders/order_date=a/compacted-x.parquet'] },
      { version: 0, lastModifiedMs: 2_000, added: ['silver/orders/order_date=a/part-0-0-9.parquet', 'silver/orders/order_date=b/part-0-0-9.parquet'] },
      { version: 2, lastModifiedMs: 9_000, added: ['silver/orders/order_date=a/part-0-0-9.parquet'] },
    ];
    const derived = [{ partition: 0, endOffset: 9, lastModifiedMs: 1_500 }];
    assert.deepEqual(commitLatencies(parts, commits, derived), [
      { batch: '0-9', fromPartMs: 800, fromDerivedMs: 500 },
      { batch: '1-9', fromPartMs: 1_900, fromDerivedMs: null },
    ], 'partition 2 was never committed; version 2 re-adds a part and does not count');
  });
});
