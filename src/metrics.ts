// Prometheus metrics of bridge and worker, served as text at /metrics. Each process serves only
// the metrics it updates (plus Node's process metrics), so a zero always means "nothing happened",
// never "not this process's job": the bridge owns consumer lag, batch counts and the raw stage; the
// worker owns the later stages, alerts and latencies. `orders_records_total` lives in both, each
// with its own stages, so summing it across processes never counts a record twice.
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Node's own metrics (CPU, memory, event loop), served by every process. */
const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

export const bridgeRegistry = new Registry();
export const workerRegistry = new Registry();
export type MetricsRole = 'bridge' | 'worker';
const roleRegistries: Record<MetricsRole, Registry> = { bridge: bridgeRegistry, worker: workerRegistry };

const LATENCY_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300];
const bridge = [bridgeRegistry];
const worker = [workerRegistry];

export const metrics = {
  consumerLag: new Gauge({ name: 'orders_consumer_lag', help: 'Records of the partition not yet in a started batch: high watermark minus the committed offset of the group, per partition assigned to this bridge', labelNames: ['partition'], registers: bridge }),
  batchesStarted: new Counter({ name: 'orders_batches_started_total', help: 'Batch workflows started by the bridge', registers: bridge }),
  batchesAdopted: new Counter({ name: 'orders_batches_adopted_total', help: 'Batches found already started after a restart or rebalance', registers: bridge }),
  batchesCompleted: new Counter({ name: 'orders_batches_completed_total', help: 'Batch workflows started by this bridge that completed', registers: bridge }),
  batchesFailed: new Counter({ name: 'orders_batches_failed_total', help: 'Batch workflows started by this bridge that failed, timed out, or were terminated or cancelled', registers: bridge }),
  openBatches: new Gauge({ name: 'orders_open_batches', help: 'Batch workflows started by this bridge and not yet closed', registers: bridge }),
  ordersPerStage: new Counter({ name: 'orders_records_total', help: 'Records handled per stage: raw (bridge); bronze, quarantine, duplicate, silver (worker)', labelNames: ['stage'], registers: [bridgeRegistry, workerRegistry] }),
  alertsSent: new Counter({ name: 'orders_alerts_sent_total', help: 'Alert e-mails accepted by the SMTP server', labelNames: ['kind'], registers: worker }),
  latencyToSilver: new Histogram({ name: 'orders_latency_to_silver_seconds', help: 'Kafka timestamp to silver row written', buckets: LATENCY_BUCKETS_S, registers: worker }),
  lakeRequests: new Counter({
    name: 'orders_lake_requests_total',
    help: 'Requests to the S3 lake, by operation (put, get, head, list, delete), area (first folder of the key; delta-log for a table log) and outcome (ok, missing, failed): what a batch costs in S3 requests',
    labelNames: ['op', 'area', 'outcome'],
    registers: [bridgeRegistry, workerRegistry],
  }),
  latencyToAlert: new Histogram({ name: 'orders_latency_to_alert_seconds', help: 'Kafka timestamp of the newest flagged order to alert accepted by SMTP', buckets: LATENCY_BUCKETS_S, registers: worker }),
};

export interface ServeMetricsOptions {
  /** Runs before each scrape, to refresh gauges read from elsewhere (consumer lag from Kafka). */
  beforeScrape?: () => Promise<void>;
}

/** Serves the role's metrics at /metrics on 127.0.0.1:port; returns a function that closes the server. */
export async function serveMetrics(port: number, role: MetricsRole, options: ServeMetricsOptions = {}): Promise<() => Promise<void>> {
  const served = Registry.merge([processRegistry, roleRegistries[role]]);
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    (options.beforeScrape ?? (() => Promise.resolve()))()
      .then(() => served.metrics())
      .then((text) => res.writeHead(200, { 'content-type': served.contentType }).end(text))
      .catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return () => new Promise((resolve) => server.close(() => resolve()));
}
