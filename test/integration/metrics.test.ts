// The /metrics endpoints on the real stack: a few hundred simulated orders go through bridge and
// worker, and every counter of src/metrics.ts moves by exactly what the truth file, Temporal, the
// lake and the mail catcher say happened. The worker's Temporal SDK metrics answer on their own port.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mailsOfAlertRow } from '../../src/domain/fraud/evaluate.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { oracleOf, readTruth, type Oracle } from '../helpers/oracle.ts';
import { TestPipeline, type BatchRun } from '../helpers/pipeline.ts';
import { scrape, type Scrape } from '../helpers/prometheus.ts';
import { caughtMail } from '../helpers/services.ts';
import { waitFor } from '../helpers/wait.ts';

const ORDERS = 400;
const HISTOGRAMS = ['orders_latency_to_silver_seconds', 'orders_latency_to_alert_seconds'];

describe('bridge and worker metrics', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '60', BATCH_MAX_WAIT_MS: '300' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  let oracle: Oracle;
  let runs: BatchRun[];
  const urls = { bridge: '', worker: '', sdk: '' };
  const baseline: Partial<Record<keyof typeof urls, Scrape>> = {};
  const final: Partial<Record<keyof typeof urls, Scrape>> = {};
  let mails: { fraud: number; quality: number };
  let breachedChecks = 0;

  before(async () => {
    await pipeline.start();
    const [bridge] = pipeline.bridges;
    const [worker] = pipeline.workers;
    urls.bridge = pipeline.metricsUrl(bridge!);
    urls.worker = pipeline.metricsUrl(worker!);
    urls.sdk = `http://127.0.0.1:${worker!.envValue('WORKER_SDK_METRICS_PORT')}/metrics`;
    for (const role of ['bridge', 'worker', 'sdk'] as const) {
      baseline[role] = await waitFor(`${role} metrics at ${urls[role]}`, () => scrape(urls[role]), { timeoutMs: 90_000, intervalMs: 1_000 });
    }
    await pipeline.simulate({ count: ORDERS, rate: 400, seed: 11, anomalyRate: 0.06, truthFile, startMs: Date.now(), eventRatePerHour: 400 * 3600, dailyRhythm: false });
    oracle = oracleOf(readTruth(truthFile));
    runs = await pipeline.waitUntilDrained(240_000);
    // The run's Kafka time spans seconds, less than ALERT_COOLDOWN: one quality episode, so one
    // mail, per breached check and field. They come from the topic's quality-alerts workflow,
    // after the batches: waited for.
    const [checks] = await queryLake(pipeline.config, `SELECT count(DISTINCT "check" || ':' || field) AS n FROM {gold/dq_metrics} WHERE breached`);
    breachedChecks = Number(checks!.n);
    const ours = async () => (await caughtMail(pipeline.config)).filter((m) => m.to.some((t) => t.address === pipeline.config.ALERT_TO));
    const quality = async () => (await ours()).filter((m) => m.subject.startsWith('[data-quality]')).length;
    await waitFor('a quality mail per breached check', async () => ((await quality()) >= breachedChecks ? true : undefined), { timeoutMs: 30_000, intervalMs: 1_000 });
    const caught = await ours();
    mails = { fraud: caught.filter((m) => m.subject.startsWith('[fraud]')).length, quality: caught.filter((m) => m.subject.startsWith('[data-quality]')).length };
    for (const role of ['bridge', 'worker', 'sdk'] as const) final[role] = await scrape(urls[role]);
  });

  after(async () => {
    await pipeline.stop();
  });

  const moved = (role: 'bridge' | 'worker' | 'sdk', name: string, labels: Record<string, string> = {}): number => final[role]!.value(name, labels) - baseline[role]!.value(name, labels);

  it('starts from zero in fresh processes', () => {
    for (const name of ['orders_batches_started_total', 'orders_batches_completed_total', 'orders_batches_failed_total']) assert.equal(baseline.bridge!.value(name), 0, name);
    assert.equal(baseline.worker!.all('orders_records_total').reduce((sum, s) => sum + s.value, 0), 0);
  });

  it('counts on the bridge every record read and every batch started, completed or failed', () => {
    assert.ok(runs.length > 0 && runs.every((r) => r.status === 'COMPLETED'));
    assert.equal(moved('bridge', 'orders_records_total', { stage: 'raw' }), oracle.sent, 'raw = messages sent');
    assert.equal(moved('bridge', 'orders_batches_started_total'), runs.length, 'started = batch workflows');
    assert.equal(moved('bridge', 'orders_batches_completed_total'), runs.length);
    assert.equal(moved('bridge', 'orders_batches_failed_total'), 0);
    assert.equal(moved('bridge', 'orders_batches_adopted_total'), 0);
    assert.equal(final.bridge!.value('orders_open_batches'), 0);
  });

  it('reports consumer lag for every partition, zero once the batches are drained', async () => {
    const lag = await waitFor('the bridge to report lag 0 on every partition', async () => {
      const samples = (await scrape(urls.bridge)).all('orders_consumer_lag');
      return samples.length === pipeline.config.KAFKA_PARTITIONS && samples.every((s) => s.value === 0) ? samples : undefined;
    }, { timeoutMs: 30_000, intervalMs: 1_000 });
    assert.deepEqual(lag.map((s) => Number(s.labels.partition)).sort((a, b) => a - b), [...Array(pipeline.config.KAFKA_PARTITIONS).keys()]);
  });

  it('counts on the worker each stage exactly as the truth file says', () => {
    const distinct = oracle.distinctOrderIds.size;
    assert.equal(moved('worker', 'orders_records_total', { stage: 'bronze' }), oracle.validEvents, 'bronze = valid events');
    assert.equal(moved('worker', 'orders_records_total', { stage: 'quarantine' }), oracle.invalidEvents, 'quarantine = invalid events');
    assert.equal(moved('worker', 'orders_records_total', { stage: 'duplicate' }), oracle.validEvents - distinct, 'duplicates = repeats of an order id');
    assert.equal(moved('worker', 'orders_records_total', { stage: 'silver' }), distinct, 'silver = distinct valid orders');
    assert.ok(oracle.invalidEvents > 0 && oracle.validEvents > distinct, 'the run had invalid and repeated events to count');
  });

  it('counts each alert mail the SMTP server accepted, as the lake and the mail catcher show them', async () => {
    // One mail per entry of the alert rows' `mails` column (alerts below ALERT_MIN_SEVERITY or in their cooldown are not mailed).
    const alertRows = await queryLake(pipeline.config, 'SELECT mails FROM {gold/fraud_alerts}');
    const fraudMails = alertRows.reduce((n, r) => n + mailsOfAlertRow({ mails: r.mails === null ? null : String(r.mails) }).length, 0);
    assert.ok(mails.fraud > 0, 'the run raised fraud alerts');
    assert.equal(moved('worker', 'orders_alerts_sent_total', { kind: 'fraud' }), mails.fraud);
    assert.equal(mails.fraud, fraudMails);
    assert.equal(moved('worker', 'orders_alerts_sent_total', { kind: 'data-quality' }), mails.quality);
    assert.equal(mails.quality, breachedChecks, 'one quality mail per breached check and field: the run is one episode');
  });

  it('observes one latency per silver order and one per fraud alert sent, in well-formed histograms', () => {
    assert.equal(moved('worker', 'orders_latency_to_silver_seconds_count'), oracle.distinctOrderIds.size);
    assert.equal(moved('worker', 'orders_latency_to_alert_seconds_count'), mails.fraud);
    for (const name of HISTOGRAMS) {
      const buckets = final.worker!.all(`${name}_bucket`);
      const counts = buckets.map((b) => b.value);
      assert.deepEqual(counts, [...counts].sort((a, b) => a - b), `${name} buckets are cumulative`);
      assert.equal(final.worker!.value(`${name}_bucket`, { le: '+Inf' }), final.worker!.value(`${name}_count`));
      assert.ok(final.worker!.value(`${name}_sum`) >= 0);
    }
  });

  it('counts the S3 requests: one raw object per batch from the bridge, the worker reading each back, none failed', () => {
    const requests = (role: 'bridge' | 'worker', labels: Record<string, string>) => moved(role, 'orders_lake_requests_total', labels);
    assert.equal(requests('bridge', { op: 'put', area: 'raw', outcome: 'ok' }), runs.length, 'one raw object put per batch');
    assert.ok(requests('worker', { op: 'get', area: 'raw', outcome: 'ok' }) >= runs.length, 'the worker read every raw object');
    assert.ok(requests('worker', { op: 'put', area: 'silver', outcome: 'ok' }) >= runs.length, 'at least one silver part per batch');
    assert.ok(requests('worker', { op: 'put', area: 'delta-log', outcome: 'ok' }) > 0, 'Delta commits');
    for (const role of ['bridge', 'worker'] as const) {
      const failed = final[role]!.all('orders_lake_requests_total').filter((s) => s.labels.outcome === 'failed' && s.value > 0);
      assert.deepEqual(failed, [], `${role}: no failed S3 request on a healthy stack`);
    }
  });

  it('serves each metric from the process that updates it, never a stale zero from the other', () => {
    for (const name of ['orders_consumer_lag', 'orders_batches_started_total', 'orders_open_batches']) assert.ok(!final.worker!.has(name), `worker does not serve ${name}`);
    for (const name of ['orders_alerts_sent_total', ...HISTOGRAMS.map((h) => `${h}_count`)]) assert.ok(!final.bridge!.has(name), `bridge does not serve ${name}`);
    assert.deepEqual(final.bridge!.all('orders_records_total').map((s) => s.labels.stage), ['raw']);
    assert.ok(final.bridge!.has('process_cpu_seconds_total') && final.worker!.has('process_cpu_seconds_total'), 'both serve Node process metrics');
  });

  it('exposes the Temporal SDK runtime metrics of the worker on WORKER_SDK_METRICS_PORT', () => {
    const queue = { task_queue: pipeline.config.TEMPORAL_TASK_QUEUE };
    assert.equal(moved('sdk', 'temporal_workflow_completed', { ...queue, workflow_type: 'processOrderBatch' }), runs.length, 'one completion per batch');
    // Stages run on the worker's own state task queue as well as the shared one (docs/design.md §4): count them on every queue of this worker.
    // A batch derives in one activity since the one-derive-activity patch; older histories ran ingestBatch first.
    const ingested = (snapshot: typeof final): number =>
      ['deriveBatch', 'ingestBatch'].reduce((total, type) => total + snapshot.sdk!.all('temporal_activity_execution_latency_count', { activity_type: type }).reduce((sum, s) => sum + s.value, 0), 0);
    assert.ok(ingested(final) - ingested(baseline) >= runs.length, 'each batch ingested at least once');
    assert.ok(final.sdk!.all('temporal_worker_task_slots_available', queue).length > 0);
  });
});
