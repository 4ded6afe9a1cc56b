// Issue 18's bar on the real stack: one seeded stream through two pipelines, one cutting batches
// of at most 200 orders and one of up to 5,000, gives the same gold/fraud_alerts (customer, rules,
// window, orders of every alert's latest row) and the same fraud mails (subjects; the Message-IDs
// differ only because each test pipeline has its own topic, which is part of every alert id).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mailsOfAlertRow } from '../../src/domain/fraud/evaluate.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { caughtMail } from '../helpers/services.ts';
import { waitFor } from '../helpers/wait.ts';

const ORDERS = 3000;
/** Event time well in the past of the Kafka timestamps, the same for both runs. */
const START_MS = Math.floor((Date.now() - 8 * 3_600_000) / 60_000) * 60_000;

interface RunResult {
  /** Latest row of every alert, without what names the topic or the batch, sorted. */
  alerts: string[];
  subjects: string[];
  batches: number;
}

async function runOnce(batchMaxOrders: number, batchMaxWaitMs: number): Promise<RunResult> {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: String(batchMaxOrders), BATCH_MAX_WAIT_MS: String(batchMaxWaitMs) });
  try {
    await pipeline.start();
    await pipeline.simulate({ count: ORDERS, rate: 3000, seed: 18, anomalyRate: 0.05, startMs: START_MS, dailyRhythm: false });
    const runs = await pipeline.waitUntilDrained(300_000);
    assert.ok(runs.every((r) => r.status === 'COMPLETED'), 'every batch completed');
    const rows = await queryLake(
      pipeline.config,
      `SELECT customerId, ruleId, epoch_ms(windowStart) AS ws, epoch_ms(windowEnd) AS we, orderIds, severity, mails FROM {gold/fraud_alerts}
       QUALIFY row_number() OVER (PARTITION BY alertId ORDER BY asOfOffset DESC) = 1`,
    );
    const all = await queryLake(pipeline.config, 'SELECT mails FROM {gold/fraud_alerts}');
    const expectedMails = all.reduce((n, r) => n + mailsOfAlertRow({ mails: r.mails === null ? null : String(r.mails) }).length, 0);
    const ours = async () => (await caughtMail(pipeline.config)).filter((m) => m.to.some((t) => t.address === pipeline.config.ALERT_TO) && m.subject.startsWith('[fraud]'));
    const mails = await waitFor('every fraud mail in the catcher', async () => ((await ours()).length >= expectedMails ? ours() : undefined), { timeoutMs: 30_000 });
    return {
      alerts: rows.map((r) => [r.customerId, r.ruleId, r.ws, r.we, r.orderIds, r.severity].map(String).join(' | ')).sort(),
      subjects: mails.map((m) => m.subject).sort(),
      batches: runs.length,
    };
  } finally {
    await pipeline.stop();
  }
}

describe('fraud alerts however the bridge cuts the stream', { timeout: 900_000 }, () => {
  it('gives the same alerts and mails with batches of at most 200 and of up to 5,000 orders', async (t) => {
    const small = await runOnce(200, 300);
    const large = await runOnce(5000, 5000);
    t.diagnostic(`batches: ${small.batches} vs ${large.batches}; alerts: ${small.alerts.length}; fraud mails: ${small.subjects.length}`);
    assert.ok(small.batches > large.batches, 'the two runs were batched differently');
    assert.ok(small.alerts.length > 0 && small.subjects.length > 0, 'the stream raised alerts and mails');
    assert.deepEqual(large.alerts, small.alerts, 'gold/fraud_alerts: customer, rules, window, orders, severity');
    assert.deepEqual(large.subjects, small.subjects, 'the fraud mails');
  });
});
