// Operating the pipeline, on the real stack: a batch fails on purpose (the FAULT_ENRICH_AT drill),
// `orders batches list` shows it failed and its partition's later batches blocked, `orders replay`
// runs it again once the fault is gone, and the lake ends up exactly as the truth file says.
// Then `orders backfill` re-derives silver and gold from the raw zone (and from Kafka) row for row,
// and a second backfill changes no byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLake, type LakeStore } from '../../src/lake/store.ts';
import { BatchRuns, type BatchRun } from '../../src/temporal/batch-runs.ts';
import type { BackfillProgress } from '../../src/contract/batch.ts';
import { ordersJson, runOrders } from '../helpers/cli.ts';
import { liveDataKeys } from '../../src/lake/delta/index.ts';
import { withLakeSnapshot } from '../helpers/duckdb.ts';
import { oracleOf, readTruth, type Oracle } from '../helpers/oracle.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { caughtMail } from '../helpers/services.ts';
import { waitFor } from '../helpers/wait.ts';

const FAULT_PARTITION = 0;
const FAULT_OFFSET = 150;

describe('operating the pipeline: a failed batch, replay and backfill', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '60', BATCH_MAX_WAIT_MS: '300' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  let oracle: Oracle;
  let lake: LakeStore;
  let failed: BatchRun[] = [];
  let blocked: BatchRun[] = [];

  before(async () => {
    await pipeline.start({ workerEnv: { FAULT_ENRICH_AT: `${FAULT_PARTITION}:${FAULT_OFFSET}` } });
    lake = openLake(pipeline.config);
    await pipeline.simulate({ count: 2_400, rate: 800, seed: 7, anomalyRate: 0.03, truthFile, startMs: Date.now(), eventRatePerHour: 800 * 3600, dailyRhythm: false });
    oracle = oracleOf(readTruth(truthFile));
    // Every other partition drains; partition 0 stops at the failed batch, its successors wait.
    // Polled in-process (a CLI process per poll is slow on a busy machine); the CLI is read after.
    const runs = new BatchRuns(await pipeline.client(), pipeline.config);
    await waitFor(
      'the faulty batch to fail and its successors to show as blocked',
      async () => {
        const [failedNow, running, blockedNow] = await Promise.all([runs.list({ state: 'failed' }), runs.list({ state: 'running' }), runs.list({ state: 'blocked', partition: FAULT_PARTITION })]);
        return failedNow.length === 1 && running.length > 0 && blockedNow.length === running.length;
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    );
    failed = await ordersJson<BatchRun[]>(['batches', 'list', '--failed'], pipeline.env);
    blocked = await ordersJson<BatchRun[]>(['batches', 'list', '--blocked', '--partition', String(FAULT_PARTITION)], pipeline.env);
  });

  after(async () => {
    await pipeline.stop();
  });

  it('lists the faulty batch as failed and the later batches of its partition as blocked', async () => {
    const [batch] = failed;
    assert.equal(batch!.partition, FAULT_PARTITION);
    assert.ok(batch!.startOffset! <= FAULT_OFFSET && FAULT_OFFSET <= batch!.endOffset!, `${batch!.workflowId} holds offset ${FAULT_OFFSET}`);
    assert.ok(blocked.length > 0);
    assert.ok(blocked.every((run) => run.partition === FAULT_PARTITION && run.startOffset! > batch!.endOffset!));
    const firstWaiting = blocked.find((run) => run.startOffset === batch!.endOffset! + 1);
    assert.equal(firstWaiting?.blockedBy, batch!.workflowId, 'the next batch names the failed one as its blocker');

    const shown = await ordersJson<{ failure?: string; url: string; status: string; summary?: string }>(['batches', 'show', batch!.workflowId], pipeline.env);
    assert.equal(shown.status, 'FAILED');
    assert.match(shown.summary ?? '', new RegExp(`^partition ${FAULT_PARTITION}, offsets ${batch!.startOffset}\\.\\.${batch!.endOffset}, \\d+ records, \\d{4}-\\d\\d-\\d\\d$`));
    assert.match(shown.failure ?? '', /FAULT_ENRICH_AT/);
    assert.match(shown.url, new RegExp(`/workflows/${batch!.workflowId}$`));
  });

  it('replays the failed batch once the fault is off; its partition completes', async () => {
    await pipeline.replaceWorkers({ FAULT_ENRICH_AT: '' });
    const replayed = await ordersJson<{ workflowId: string; replayed: boolean; waiting: string[]; outcome?: string }[]>(['replay', '--failed', '--wait'], pipeline.env);
    assert.deepEqual(replayed.map((r) => [r.workflowId, r.replayed, r.outcome]), [[failed[0]!.workflowId, true, 'COMPLETED']]);
    assert.deepEqual(new Set(replayed[0]!.waiting), new Set(blocked.map((run) => run.workflowId)), 'replay names the batches that waited');

    const again = await ordersJson<{ replayed: boolean }[]>(['replay', failed[0]!.workflowId], pipeline.env);
    assert.equal(again[0]!.replayed, false, 'replaying a completed batch does nothing');

    const runs = await pipeline.waitUntilDrained(120_000);
    assert.ok(runs.every((run) => run.status === 'COMPLETED'));
  });

  it('ends with silver and gold equal to a run without the fault', async () => {
    await withLakeSnapshot(pipeline.config, ['silver/', 'gold/customer_totals/'], async (db) => {
      const silver = await db.query('SELECT orderId, count(*) AS n FROM {silver/orders} GROUP BY orderId');
      assert.deepEqual(new Set(silver.map((r) => String(r.orderId))), oracle.distinctOrderIds);
      assert.ok(silver.every((r) => Number(r.n) === 1), 'each order once in silver');
      const customers = await db.query(`SELECT customerId, orders, items, spendUsd FROM {gold/customer_totals}
        QUALIFY row_number() OVER (PARTITION BY customerId ORDER BY asOfOffset DESC) = 1`);
      const actual = new Map(customers.map((r) => [String(r.customerId), { orders: Number(r.orders), items: Number(r.items), spendCents: Math.round(Number(r.spendUsd) * 100) }]));
      assert.deepEqual(actual, oracle.customers);
    });
  });

  describe('backfill', () => {
    const DERIVED = ['bronze/', 'silver/', 'gold/', 'quarantine/', 'state/'];
    let dates: { from: string; to: string };
    let streamed: Map<string, string>;
    let mailsBefore: number;

    before(async () => {
      const runs = await ordersJson<BatchRun[]>(['batches', 'list'], pipeline.env);
      const days = runs.map((run) => run.batchDate!).sort();
      dates = { from: days[0]!, to: days.at(-1)! };
      streamed = await fingerprint(lake, DERIVED);
      mailsBefore = (await caughtMail(pipeline.config)).filter((m) => m.to.some((t) => t.address === pipeline.config.ALERT_TO)).length;
    });

    it('re-derives deleted silver and gold from the raw zone, byte for byte (under its own part names)', async () => {
      for (const prefix of ['silver/', 'gold/']) for (const key of await lake.list(prefix)) await lake.delete(key);
      const progress = await ordersJson<BackfillProgress>(['backfill', '--from', dates.from, '--to', dates.to, '--concurrency', '3'], pipeline.env);
      assert.equal(progress.failed.length, 0);
      assert.equal(progress.batchesDone, progress.batchesTotal);
      assert.equal(progress.orders, oracle.distinctOrderIds.size, 'every distinct order derived again');
      assert.deepEqual(diff(streamed, await fingerprint(lake, DERIVED)), [], 'objects that differ from the stream');
      // The logs were deleted with the tables: the backfill's commit starts them again, holding every part.
      const parts = (await lake.list('silver/orders/')).filter((key) => key.endsWith('.parquet'));
      assert.deepEqual(await liveDataKeys(lake, 'silver/orders'), parts.sort());
    });

    it('changes nothing when run a second time, and sends no alert again', async () => {
      await ordersJson<BackfillProgress>(['backfill', '--from', dates.from, '--to', dates.to], pipeline.env);
      assert.deepEqual(diff(streamed, await fingerprint(lake, DERIVED)), []);
      const mailsAfter = (await caughtMail(pipeline.config)).filter((m) => m.to.some((t) => t.address === pipeline.config.ALERT_TO)).length;
      assert.equal(mailsAfter, mailsBefore);
    });

    it('re-reads Kafka when the raw zone is gone and writes the same raw objects again', async () => {
      const raw = await fingerprint(lake, ['raw/']);
      for (const key of raw.keys()) await lake.delete(key);
      const progress = await ordersJson<BackfillProgress>(['backfill', '--from', dates.from, '--to', dates.to, '--source', 'kafka'], pipeline.env);
      assert.equal(progress.failed.length, 0);
      assert.deepEqual(diff(raw, await fingerprint(lake, ['raw/'])), []);
      assert.deepEqual(diff(streamed, await fingerprint(lake, DERIVED)), []);
    });

    it('refuses bad dates with usage, not a stack trace', async () => {
      const result = await runOrders(['backfill', '--from', '2026-02-30', '--to', '2026-03-01'], pipeline.env);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--from\/--to: not a calendar date/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  });
});

/**
 * Hashes of the data objects under the prefixes, by key with a backfill's `.backfill-<tag>` taken
 * out: a backfill writes its parts under new names (a Delta table's files never change), so "the
 * same bytes as the stream" means the same bytes under the stream's name with the tag. Two copies
 * of one part (the stream's and a backfill's, or two backfills') that differ are reported as a
 * conflict. Delta logs are left out (a backfill adds a version to each table on purpose).
 */
async function fingerprint(lake: LakeStore, prefixes: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const prefix of prefixes) {
    for (const key of await lake.list(prefix)) {
      if (key.includes('/_delta_log/')) continue;
      const name = key.replace(/\.backfill-[0-9a-z]+(?=\.parquet$)/, '');
      const hash = createHash('sha256').update((await lake.get(key))!).digest('hex');
      const seen = out.get(name);
      out.set(name, seen === undefined || seen === hash ? hash : `conflict: ${key} differs from another copy of ${name}`);
    }
  }
  return out;
}

/** Keys missing, added or changed between two fingerprints. */
function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key)).map((key) => `${key}: ${before.has(key) ? (after.has(key) ? 'changed' : 'missing') : 'added'}`);
}
