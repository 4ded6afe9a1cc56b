// A whole pipeline for one test: its own topic, DLQ topic, consumer group, task queue, lake prefix
// and alert recipient on the shared local stack, with workers and bridges as real child processes.
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { currentRuns } from '../../src/temporal/batch-runs.ts';
import { deltaCommitterWorkflowId } from '../../src/contract/delta-commit.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createKafka, ensureTopics } from '../../src/kafka/client.ts';
import { connectKafkaSink } from '../../src/simulator/kafka-sink.ts';
import { simulate, type SimulateOptions, type SimulationSummary } from '../../src/simulator/simulate.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { alertDigestWorkflowId, qualityAlertsWorkflowId } from '../../src/contract/batch.ts';
import { freePort, OrdersProcess } from './processes.ts';
import { requireService } from './services.ts';
import { uniqueName, waitFor } from './wait.ts';
import { temporalConnectionOptions } from '../../src/temporal/connection-options.ts';

export interface BatchRun {
  workflowId: string;
  status: string;
  partition: number;
  startOffset: number;
  endOffset: number;
}

export class TestPipeline {
  readonly name = uniqueName('t');
  readonly env: Record<string, string>;
  readonly config: Config;
  readonly workers: OrdersProcess[] = [];
  readonly bridges: OrdersProcess[] = [];
  private temporal: Client | undefined;

  constructor(overrides: Record<string, string> = {}) {
    this.env = {
      KAFKA_TOPIC: `${this.name}-orders`,
      KAFKA_DLQ_TOPIC: `${this.name}-dlq`,
      KAFKA_GROUP_ID: `${this.name}-bridge`,
      TEMPORAL_TASK_QUEUE: `${this.name}-queue`,
      LAKE_URI: `s3://orders-lake/${this.name}`,
      ALERT_TO: `${this.name}@test.local`,
      LOG_LEVEL: 'info',
      // No schedule per test topic left behind in the shared server; tests run maintenance with `orders lake`.
      LAKE_MAINTENANCE_EVERY: '0',
      ...overrides,
    };
    this.config = loadConfig({ ...process.env, ...this.env });
  }

  /** Checks every service, creates the topics and starts the processes. */
  async start({ workers = 1, bridges = 1, workerEnv = {} as Record<string, string> } = {}): Promise<void> {
    for (const service of ['temporal', 'kafka', 's3', 'mail'] as const) await requireService(service, this.config);
    await ensureTopics(createKafka(this.config), [
      { topic: this.config.KAFKA_TOPIC, partitions: this.config.KAFKA_PARTITIONS },
      { topic: this.config.KAFKA_DLQ_TOPIC, partitions: 1 },
    ]);
    for (let i = 0; i < workers; i++) await this.addProcess('worker', this.workers, i, workerEnv);
    for (let i = 0; i < bridges; i++) await this.addProcess('bridge', this.bridges, i);
  }

  private async addProcess(verb: 'worker' | 'bridge', list: OrdersProcess[], index: number, overrides: Record<string, string> = {}): Promise<void> {
    const ports = { BRIDGE_METRICS_PORT: String(await freePort()), WORKER_METRICS_PORT: String(await freePort()), WORKER_SDK_METRICS_PORT: String(await freePort()) };
    const process = new OrdersProcess(`${this.name}-${verb}-${index}`, [verb], { ...this.env, ...ports, ...overrides });
    process.start();
    list.push(process);
  }

  /** Starts one more bridge in the same consumer group (a rebalance follows). */
  async addBridge(): Promise<OrdersProcess> {
    await this.addProcess('bridge', this.bridges, this.bridges.length);
    return this.bridges.at(-1)!;
  }

  /** Stops the workers and starts as many new ones with these settings on top (e.g. a fault switch turned off). */
  async replaceWorkers(overrides: Record<string, string>): Promise<void> {
    const count = this.workers.length;
    await Promise.all(this.workers.map((worker) => worker.stop()));
    this.workers.length = 0;
    for (let i = 0; i < count; i++) await this.addProcess('worker', this.workers, i, overrides);
  }

  metricsUrl(process: OrdersProcess): string {
    return `http://127.0.0.1:${process.envValue(process.name.includes('-worker-') ? 'WORKER_METRICS_PORT' : 'BRIDGE_METRICS_PORT')}/metrics`;
  }

  async simulate(options: SimulateOptions): Promise<SimulationSummary> {
    const sink = await connectKafkaSink(this.config, this.config.KAFKA_TOPIC);
    try {
      return await simulate({ ...options, topic: this.config.KAFKA_TOPIC }, { sink, reference: loadReferenceData(this.config) });
    } finally {
      await sink.close();
    }
  }

  async client(): Promise<Client> {
    this.temporal ??= new Client({ connection: await Connection.connect(temporalConnectionOptions(this.config)), namespace: this.config.TEMPORAL_NAMESPACE });
    return this.temporal;
  }

  /** Every batch run of this pipeline's topic, as Temporal's visibility lists them. */
  async batches(): Promise<BatchRun[]> {
    const client = await this.client();
    const infos: WorkflowExecutionInfo[] = [];
    for await (const info of client.workflow.list({ query: `WorkflowId STARTS_WITH "${this.config.KAFKA_TOPIC}-"` })) infos.push(info);
    const runs: BatchRun[] = [];
    for (const run of await currentRuns(client, infos)) {
      const memo = (run.memo ?? {}) as { partition?: number; startOffset?: number; endOffset?: number };
      runs.push({ workflowId: run.workflowId, status: run.status.name, partition: memo.partition ?? -1, startOffset: memo.startOffset ?? -1, endOffset: memo.endOffset ?? -1 });
    }
    return runs;
  }

  /** The offset after the last record of each partition. */
  async highWatermarks(): Promise<Map<number, number>> {
    const admin = createKafka(this.config).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.config.KAFKA_TOPIC);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** Waits until the batches tile every partition up to its high watermark and none is running. */
  async waitUntilDrained(timeoutMs = 180_000): Promise<BatchRun[]> {
    const high = await this.highWatermarks();
    return waitFor(
      'every record to be in a completed batch',
      async () => {
        const runs = await this.batches();
        if (runs.some((r) => r.status === 'RUNNING')) return undefined;
        const covered = new Map<number, number>();
        for (const r of runs) if (r.status === 'COMPLETED') covered.set(r.partition, Math.max(covered.get(r.partition) ?? 0, r.endOffset + 1));
        for (const [partition, end] of high) if (end > 0 && (covered.get(partition) ?? 0) < end) return undefined;
        return runs;
      },
      { timeoutMs, intervalMs: 1000 },
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.bridges, ...this.workers].map((p) => p.stop()));
    await this.terminateTopicWorkflows();
    await this.temporal?.connection.close();
  }

  /** The topic's long-running workflows (quality alerts, fraud digest, Delta committer, alert workflows still retrying) end with the test: the committer would otherwise wait for its idle timer on a queue no worker polls. */
  async terminateTopicWorkflows(): Promise<void> {
    const client = await this.client();
    for (const workflowId of [qualityAlertsWorkflowId(this.config.KAFKA_TOPIC), alertDigestWorkflowId(this.config.KAFKA_TOPIC), deltaCommitterWorkflowId(this.config.KAFKA_TOPIC)]) {
      // Not started by this test (no breach, no digest mode) or already over: nothing to stop.
      await client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    }
    // Batches' alert workflows still retrying (a test that stopped SMTP and failed before it came back).
    const query = `WorkflowType = "sendBatchAlerts" AND WorkflowId STARTS_WITH "alerts-${this.config.KAFKA_TOPIC}-" AND ExecutionStatus = "Running"`;
    for await (const info of client.workflow.list({ query })) await client.workflow.getHandle(info.workflowId).terminate('test over').catch(() => undefined);
  }
}
