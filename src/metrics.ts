// Prometheus metrics of bridge and worker, served as text at /metrics.
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300];

export const metrics = {
  consumerLag: new Gauge({ name: 'orders_consumer_lag', help: 'Records behind the partition high watermark', labelNames: ['partition'], registers: [registry] }),
  batchesStarted: new Counter({ name: 'orders_batches_started_total', help: 'Batch workflows started by the bridge', registers: [registry] }),
  batchesAdopted: new Counter({ name: 'orders_batches_adopted_total', help: 'Batches found already started after a restart or rebalance', registers: [registry] }),
  batchesCompleted: new Counter({ name: 'orders_batches_completed_total', help: 'Batch workflows that completed', registers: [registry] }),
  batchesFailed: new Counter({ name: 'orders_batches_failed_total', help: 'Batch workflows that failed', registers: [registry] }),
  openBatches: new Gauge({ name: 'orders_open_batches', help: 'Batch workflows started by this bridge and not yet closed', registers: [registry] }),
  ordersPerStage: new Counter({ name: 'orders_records_total', help: 'Records handled per stage (raw, bronze, quarantine, duplicate, silver)', labelNames: ['stage'], registers: [registry] }),
  alertsSent: new Counter({ name: 'orders_alerts_sent_total', help: 'Alert e-mails accepted by the SMTP server', labelNames: ['kind'], registers: [registry] }),
  latencyToSilver: new Histogram({ name: 'orders_latency_to_silver_seconds', help: 'Kafka timestamp to silver row written', buckets: LATENCY_BUCKETS_S, registers: [registry] }),
  latencyToAlert: new Histogram({ name: 'orders_latency_to_alert_seconds', help: 'Kafka timestamp of the newest flagged order to alert accepted by SMTP', buckets: LATENCY_BUCKETS_S, registers: [registry] }),
};

/** Serves /metrics on 127.0.0.1:port; returns a function that closes the server. */
export async function serveMetrics(port: number, extra?: () => Promise<string>): Promise<() => Promise<void>> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    Promise.all([registry.metrics(), extra ? extra() : Promise.resolve('')])
      .then(([own, more]) => res.writeHead(200, { 'content-type': registry.contentType }).end(own + more))
      .catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return () => new Promise((resolve) => server.close(() => resolve()));
}
