// The pure parts of the Spark peer and the Kafka client bench: which Maven jars the peer keeps
// (PySpark ships most of them already) and the tables the result file shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaClientBenchResult } from '../../bench/kafka-client.ts';
import { kafkaClientTable, pipelineTable } from '../../bench/lib/report.ts';
import { artifactOf } from '../../bench/peer/spark-install.ts';
import type { PipelineBenchResult } from '../../bench/pipeline.ts';

describe('spark peer install', () => {
  it('compares jars by artifact id, whatever their version, so a second copy of a library PySpark ships is left out', () => {
    assert.equal(artifactOf('kafka-clients-3.4.1.jar'), 'kafka-clients');
    assert.equal(artifactOf('spark-sql-kafka-0-10_2.12-3.5.7.jar'), 'spark-sql-kafka-0-10_2.12');
    assert.equal(artifactOf('slf4j-api-1.7.36.jar'), artifactOf('slf4j-api-2.0.7.jar'));
    assert.equal(artifactOf('snappy-java-1.1.8.4.jar'), 'snappy-java');
    assert.equal(artifactOf('hadoop-client-runtime-3.3.4.jar'), 'hadoop-client-runtime');
    assert.notEqual(artifactOf('commons-pool2-2.11.1.jar'), artifactOf('commons-pool-1.5.4.jar'));
  });
});

const resources = (name: string, rssMaxMiB: number) => ({ processes: { [name]: { cpuPct: 90, rssMeanMiB: rssMaxMiB - 100, rssMaxMiB } }, machineBusyPct: 99 });
const rate = (ratePerSec: number) => ({ fromMs: 0, toMs: 60_000, windowMs: 60_000, orders: ratePerSec * 60, ratePerSec, shortWindow: false });
const latency = (p99Ms: number) => ({ count: 1000, p50Ms: p99Ms / 2, p95Ms: p99Ms - 1, p99Ms, maxMs: p99Ms + 1 });

describe('bench report: the Spark peer beside the pipeline', () => {
  it('shows rate, cost, p99 and RSS side by side with the ratios, and says whether Spark counted every order once', () => {
    const pipeline: PipelineBenchResult = {
      settings: { orders: 200_000, warmupSec: 15, measureSec: 150, tailSec: 5, latencyRate: 2000, latencySec: 60, pipelineEnv: {} },
      preload: { orders: 200_000, ratePerSec: 9000, distinctValidOrders: 198_000 },
      baseline: null,
      pipeline: { system: 'pipeline', drained: true, silverOrders: 198_000, silver: rate(2000), gold: rate(1900), resources: resources('worker', 1200), ordersPerCoreSecond: 1500, loadAverage: [9, 9, 9] },
      ratioSilver: null,
      ratioPerCore: null,
      latency: { targetRatePerSec: 2000, producedRatePerSec: 2000, orders: 120_000, toSilver: latency(6000), toAlert: latency(9000), resources: resources('worker', 700), loadAverage: [9, 9, 9] },
      peer: {
        spark: {
          throughput: {
            system: 'spark', version: '3.5.7', startupMs: 20_000, drained: true, silver: rate(5000), medianBatchMs: 4000, batches: 8,
            counts: { silverRows: 198_000, distinctOrders: 198_000, itemRows: 500_000, goldOrders: 198_000 }, expectedOrders: 198_000, countsMatch: true,
            resources: resources('spark', 950), ordersPerCoreSecond: 3000, loadAverage: [8, 8, 8],
          },
          latency: { drained: true, ordersInSilver: 120_000, lowerBound: false, targetRatePerSec: 2000, producedRatePerSec: 2000, orders: 120_000, toSilver: latency(12_000), resources: resources('spark-latency', 900), loadAverage: [8, 8, 8] },
          ratioSilver: 0.4,
          ratioPerCore: 0.5,
          ratioP99: 2,
        },
      },
    };
    const table = pipelineTable({ date: '2026-12-07T16:00:00.000Z', machine: { cpus: 2, memoryGiB: 24, node: 'v24.9.0', loadAverageAtStart: [9, 9, 9] }, loadAverageAtEnd: [9, 9, 9], pipeline });
    assert.match(table, /PySpark 3\.5\.7/);
    assert.match(table, /silver rows 198,000 of 198,000 distinct valid orders sent \(all, once, and gold agrees\)/);
    assert.match(table, /\| orders\/s into silver \(steady window\) \| 2,000 \| 5,000 \| 0\.4 \|/);
    assert.match(table, /\| orders per core-second \| 1,500 \| 3,000 \| 0\.5 \|/);
    assert.match(table, /\| p99 Kafka timestamp → silver readable, ms, at 2,000\/s \| 6,000 \| 12,000 \| 2 \(Spark \/ pipeline\) \|/);
    assert.match(table, /\| RSS max, MiB \(pipeline: bridge \+ workers\) \| 1,200 \| 950 \| \|/);
    assert.match(table, /\| start-up to first batch, ms \| – \| 20,000 \| \|/);
  });
});

describe('bench report: the Kafka clients', () => {
  it('lists every round and the platformatic / kafkajs medians, and flags clients that partition keys differently', () => {
    const phase = (recordsPerSec: number, cpuSecPer100k: number) => ({ records: 100_000, elapsedMs: 1000, recordsPerSec, cpuSecPer100k });
    const result: KafkaClientBenchResult = {
      records: 100_000, meanValueBytes: 377, partitions: 6, versions: { kafkajs: '2.2.4', platformatic: '2.12.1' },
      rounds: [
        { client: 'kafkajs', round: 1, produce: phase(30_000, 3), consume: phase(100_000, 0.5), perPartition: [1, 2], loadAverage: 5 },
        { client: 'platformatic', round: 1, produce: phase(45_000, 1.5), consume: phase(80_000, 0.6), perPartition: [2, 1], loadAverage: 5 },
      ],
      ratios: { produceRate: 1.5, consumeRate: 0.8, produceCpu: 0.5, consumeCpu: 1.2 },
      samePartitioning: false,
    };
    const table = kafkaClientTable(result);
    assert.match(table, /same partitions for the same keys: NO/);
    assert.match(table, /\| kafkajs \| 1 \| 30,000 \| 3 \| 100,000 \| 0\.5 \| 5\.00 \|/);
    assert.match(table, /\| \*\*platformatic \/ kafkajs\*\* \(medians\) \| \| 1\.5 \| 0\.5 \| 0\.8 \| 1\.2 \| \|/);
  });
});
