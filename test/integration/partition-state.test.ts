// Partition state on the real stack (docs/design.md §4): the worker that held the partitions is
// SIGKILLed, a new one takes them over from the lake's deltas, and a corrupt delta met on the way
// fails its batch visibly (naming the object) until it is repaired and the batch replayed; then
// silver holds every distinct order exactly once, as DuckDB reads it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseStateObjectKey, statePrefix } from '../../src/lake/keys.ts';
import { openLake, type LakeStore } from '../../src/lake/store.ts';
import { BatchRuns } from '../../src/temporal/batch-runs.ts';
import { ordersJson } from '../helpers/cli.ts';
import { queryLake } from '../helpers/duckdb.ts';
import { oracleOf, readTruth } from '../helpers/oracle.ts';
import { TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

describe('partition state: takeover by another worker, and a corrupt delta', () => {
  const pipeline = new TestPipeline({ BATCH_MAX_ORDERS: '100', BATCH_MAX_WAIT_MS: '300' });
  const truthFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'truth-')), 'truth.jsonl');
  let lake: LakeStore;
  let corruptKey = '';
  let original: Uint8Array | undefined;
  let failedId = '';

  before(async () => {
    await pipeline.start({ workers: 1, bridges: 1 });
    lake = openLake(pipeline.config);
  });

  after(async () => {
    await pipeline.stop();
  });

  it('writes one delta per batch, each under the offsets of its batch', async () => {
    await pipeline.simulate({ count: 1_200, rate: 600, seed: 11, anomalyRate: 0.02, truthFile, startMs: Date.now(), eventRatePerHour: 600 * 3600, dailyRhythm: false });
    const runs = await pipeline.waitUntilDrained();
    const completed = runs.filter((r) => r.status === 'COMPLETED' && r.partition === 0);
    const deltas = (await lake.list(statePrefix(0))).map(parseStateObjectKey).filter((o) => o?.kind === 'delta');
    assert.equal(deltas.length, completed.length, 'one delta per completed batch of partition 0');
    for (const run of completed) assert.ok(deltas.some((d) => d?.kind === 'delta' && d.fromOffset === run.startOffset && d.toOffset === run.endOffset + 1), `delta of ${run.workflowId}`);
    // The newest delta is the one a new worker must read to take the partition over.
    const newest = deltas.filter((d) => d?.kind === 'delta').sort((a, b) => (a!.kind === 'delta' && b!.kind === 'delta' ? a.toOffset - b.toOffset : 0)).at(-1)!;
    corruptKey = newest.key;
  });

  it('fails the next batch after a takeover, naming the corrupt delta, and blocks only that partition', async () => {
    original = await lake.get(corruptKey);
    assert.ok(original);
    await lake.put(corruptKey, new TextEncoder().encode('not a delta'));
    await pipeline.workers[0]!.restart(); // SIGKILL: the new worker holds no state and rebuilds from the lake
    await pipeline.simulate({ count: 600, rate: 600, seed: 12, anomalyRate: 0, truthFile: `${truthFile}.2`, startMs: Date.now(), eventRatePerHour: 600 * 3600, dailyRhythm: false });
    const runs = new BatchRuns(await pipeline.client(), pipeline.config);
    const failed = await waitFor('the batch after the corrupt delta to fail', async () => {
      const list = await runs.list({ state: 'failed' });
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1_000 });
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.partition, 0);
    failedId = failed[0]!.workflowId;
    const shown = await ordersJson<{ failure?: string }>(['batches', 'show', failedId], pipeline.env);
    assert.match(JSON.stringify(shown), new RegExp(corruptKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the failure names the object');
  });

  it('finishes the batch and its partition once the delta is repaired and the batch replayed; silver holds every order once', async () => {
    await lake.put(corruptKey, original!);
    await ordersJson(['replay', failedId, '--wait'], pipeline.env);
    await pipeline.waitUntilDrained(240_000);
    const oracle = oracleOf([...readTruth(truthFile), ...readTruth(`${truthFile}.2`)]);
    const [row] = await queryLake(pipeline.config, 'SELECT count(*) AS n, count(DISTINCT orderId) AS d FROM {silver/orders}');
    assert.equal(Number(row!.d), oracle.distinctOrderIds.size);
    assert.equal(Number(row!.n), oracle.distinctOrderIds.size, 'no order twice');
  });
});
