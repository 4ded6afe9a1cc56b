// Pipeline health for the dashboard: batch runs from Temporal visibility (running, failed, blocked)
// and consumer lag from the bridge's /metrics. Either source may be down; the page then says so
// instead of showing stale or made-up numbers.
import { Connection, Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Config } from '../config.ts';
import { batchQuery } from '../temporal/batch-queries.ts';
import { SA } from '../contract/search-attributes.ts';
import { workflowRunUrl } from '../contract/web-ui.ts';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../temporal/connection-options.ts';

/** Lists on the page stay short: an operator needs the first few ids, and the count. */
const MAX_LISTED = 10;
/** Failed runs inspected per poll to tell still-failed batches from ones replayed since. */
const MAX_FAILED_INSPECTED = 50;

export interface BatchRunRef {
  batchId: string;
  batchUrl: string;
  /** How the run ended or stands: running, failed, timed out, terminated. */
  status: string;
  partition: number | null;
  startOffset: number | null;
  endOffset: number | null;
}

export interface BlockedBatch extends BatchRunRef {
  blockedBy: string;
}

export type TemporalHealth =
  | { reachable: true; running: number; completed: number; failed: number; blocked: number; failedBatches: BatchRunRef[]; blockedBatches: BlockedBatch[] }
  | { reachable: false; error: string };

export type LagHealth =
  | { available: true; total: number; partitions: { partition: string; lag: number }[] }
  | { available: false; error: string };

export interface PipelineHealth {
  temporal: TemporalHealth;
  lag: LagHealth;
}

export interface PipelineHealthSource {
  read(): Promise<PipelineHealth>;
  close(): Promise<void>;
}

export interface PipelineHealthOptions {
  temporalAddress: string;
  /** Address and transport security (TLS, API key) of the connection; defaults to temporalAddress in plaintext. */
  temporalConnection?: TemporalConnectionOptions;
  namespace: string;
  /** For links from failed and blocked batches to their runs. */
  temporalUiUrl: string;
  bridgeMetricsUrl: string;
  /**
   * This pipeline's runs only: its task queue and the workflow ids of its topic
   * (`<topic>-<partition>-<start>`). Other pipelines, tests and benchmarks share the namespace.
   */
  taskQueue: string;
  topic: string;
  /** Each source gets this long per poll; a slow one must not hold up the lake figures. */
  timeoutMs?: number;
}

export function pipelineHealthOptions(config: Config): PipelineHealthOptions {
  return {
    temporalAddress: config.TEMPORAL_ADDRESS,
    temporalConnection: temporalConnectionOptions(config),
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    bridgeMetricsUrl: `http://127.0.0.1:${config.BRIDGE_METRICS_PORT}/metrics`,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    topic: config.KAFKA_TOPIC,
  };
}

/** Sums `orders_consumer_lag{partition="…"}` samples of a Prometheus text exposition. */
export function parseConsumerLag(text: string): { total: number; partitions: { partition: string; lag: number }[] } | undefined {
  const partitions: { partition: string; lag: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^orders_consumer_lag(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const lag = Number(m[2]);
    if (!Number.isFinite(lag)) continue;
    const partition = /partition="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '';
    partitions.push({ partition, lag });
  }
  if (partitions.length === 0) return undefined;
  partitions.sort((a, b) => Number(a.partition) - Number(b.partition) || a.partition.localeCompare(b.partition));
  return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}



async function firstN<T>(items: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}

export function createPipelineHealthSource(options: PipelineHealthOptions): PipelineHealthSource {
  const { temporalAddress, namespace, temporalUiUrl, bridgeMetricsUrl, taskQueue, topic, timeoutMs = 1500 } = options;
  let connection: Connection | undefined;
  let client: Client | undefined;
  // A failed run whose workflow id has a newer run (a replay) is no longer a failed batch; runs
  // never change once closed, so the verdict is remembered.
  const superseded = new Set<string>();

  function batchRef(info: WorkflowExecutionInfo): BatchRunRef {
    const attrs = info.typedSearchAttributes;
    const int = (key: typeof SA.Partition): number | null => attrs.get(key) ?? null;
    return {
      batchId: info.workflowId,
      batchUrl: workflowRunUrl(temporalUiUrl, namespace, info.workflowId),
      status: info.status.name.toLowerCase().replace('_', ' '),
      partition: int(SA.Partition),
      startOffset: int(SA.StartOffset),
      endOffset: int(SA.EndOffset),
    };
  }

  async function temporalClient(): Promise<Client> {
    if (client) return client;
    connection = await Connection.connect({ ...(options.temporalConnection ?? { address: temporalAddress }), connectTimeout: timeoutMs });
    client = new Client({ connection, namespace });
    return client;
  }

  async function readTemporal(): Promise<TemporalHealth> {
    try {
      const c = await temporalClient();
      return await c.connection.withDeadline(Date.now() + timeoutMs, async () => {
        const [running, completed, blockedCount, blockedRuns, failedRuns] = await Promise.all([
          c.workflow.count(batchQuery({ topic, taskQueue, state: 'running' })),
          c.workflow.count(batchQuery({ topic, taskQueue, state: 'completed' })),
          c.workflow.count(batchQuery({ topic, taskQueue, state: 'blocked' })),
          firstN(c.workflow.list({ query: batchQuery({ topic, taskQueue, state: 'blocked' }), pageSize: MAX_LISTED }), MAX_LISTED),
          firstN(c.workflow.list({ query: batchQuery({ topic, taskQueue, state: 'failed' }), pageSize: MAX_FAILED_INSPECTED }), MAX_FAILED_INSPECTED),
        ]);
        // One run per workflow id: the newest failed run is the one that matters.
        const candidates = new Map<string, WorkflowExecutionInfo>();
        for (const run of failedRuns) {
          if (!candidates.has(run.workflowId) && !superseded.has(`${run.workflowId}/${run.runId}`)) candidates.set(run.workflowId, run);
        }
        const verdicts = await Promise.all(
          [...candidates.values()].map(async (run) => {
            const latest = await c.workflow.getHandle(run.workflowId).describe();
            if (latest.runId === run.runId) return batchRef(run);
            superseded.add(`${run.workflowId}/${run.runId}`);
            return undefined;
          }),
        );
        const failedBatches = verdicts.filter((v) => v !== undefined);
        return {
          reachable: true as const,
          running: running.count,
          completed: completed.count,
          failed: failedBatches.length,
          blocked: blockedCount.count,
          failedBatches: failedBatches.slice(0, MAX_LISTED),
          blockedBatches: blockedRuns.map((run) => ({ ...batchRef(run), blockedBy: run.typedSearchAttributes.get(SA.BlockedBy) ?? '' })),
        };
      });
    } catch (error) {
      return { reachable: false, error: `Temporal at ${temporalAddress}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async function readLag(): Promise<LagHealth> {
    try {
      const response = await fetch(bridgeMetricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) return { available: false, error: `bridge metrics answered ${response.status}` };
      const lag = parseConsumerLag(await response.text());
      return lag ? { available: true, ...lag } : { available: false, error: 'bridge reports no consumer lag yet' };
    } catch {
      return { available: false, error: `bridge metrics not reachable at ${bridgeMetricsUrl}` };
    }
  }

  return {
    async read() {
      const [temporal, lag] = await Promise.all([readTemporal(), readLag()]);
      return { temporal, lag };
    },
    async close() {
      await connection?.close();
      connection = undefined;
      client = undefined;
    },
  };
}
