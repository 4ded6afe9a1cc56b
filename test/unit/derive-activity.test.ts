// The one-activity derivation (src/activities/derive.ts) against the per-stage activities it
// replaces: on the same seeded stream, both must leave byte-identical lakes (so a backfill of a
// batch first derived stage by stage writes what was there), and a derivation that dies halfway
// and runs again must leave the same bytes and copy no record to the DLQ twice per attempt.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createActivities } from '../../src/activities/index.ts';
import type { ActivityDeps } from '../../src/activities/deps.ts';
import { loadConfig } from '../../src/config.ts';
import type { BatchRef, DeriveInput } from '../../src/contract/batch.ts';
import { loadFraudRules } from '../../src/domain/fraud/rules.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { encodeRawBatch } from '../../src/lake/raw.ts';
import type { LakeStore } from '../../src/lake/store.ts';
import { createLogger } from '../../src/logger.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { simulateStream } from '../helpers/simulated-stream.ts';

const temp = mkdtempSync(path.join(os.tmpdir(), 'derive-activity-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const reference = loadReferenceData({ CUSTOMERS: 200 });
const stream = simulateStream(reference, { seed: 'derive-activity', count: 1_500, anomalyRate: 0.08 }, 1);
const BATCH_RECORDS = 250;

/** The stream's one partition cut into batches, each raw object written to the lake as the bridge writes it. */
async function writeRaw(lake: LakeStore): Promise<DeriveInput[]> {
  const records = stream.partitions[0]!;
  const batches: DeriveInput[] = [];
  for (let start = 0; start < records.length; start += BATCH_RECORDS) {
    const slice = records.slice(start, start + BATCH_RECORDS);
    const end = slice.at(-1)!.offset;
    const rawKey = `raw/orders/batch_date=2026-11-28/partition=0/${start}-${end}.jsonl.gz`;
    await lake.put(rawKey, encodeRawBatch(slice.map((r) => ({ offset: r.offset, key: null, timestamp: r.kafkaTs, headers: r.headers, value: r.value }))));
    const ref: BatchRef = { topic: 'orders', partition: 0, startOffset: start, endOffset: end, batchId: `orders-0-${start}`, firstBatch: start === 0 };
    batches.push({ ...ref, rawKey, copyToDlq: true, batchDate: new Date(slice[0]!.kafkaTs).toISOString().slice(0, 10) });
  }
  return batches;
}

let workers = 0;
/** A worker's activities on its own state folder (a fresh one has nothing cached: it reads everything from the lake). */
function activitiesOn(lake: LakeStore, dlq: string[]) {
  const config = loadConfig({ STATE_DIR: path.join(temp, `state-${++workers}`), CUSTOMERS: '200' });
  const deps: ActivityDeps = {
    config,
    lake,
    temporal: undefined as never,
    dlq: {
      send: async (batch) => {
        for (const m of batch.messages) dlq.push(String(m.key));
        return [];
      },
    },
    sendMail: async () => undefined,
    reference,
    rules: loadFraudRules(),
    log: createLogger('test', 'silent'),
    stateTaskQueue: 'orders-worker-test',
    close: async () => undefined,
  };
  return createActivities(deps);
}

/** Every object of a lake folder with its bytes, by key. */
function objectsOf(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(root, file), readFileSync(file).toString('base64'));
  }
  return out;
}

function assertSameLake(actual: Map<string, string>, expected: Map<string, string>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), 'the same objects');
  const differing = [...expected].filter(([key, bytes]) => actual.get(key) !== bytes).map(([key]) => key);
  assert.deepEqual(differing, [], 'the same bytes in every object');
}

/** A lake whose puts fail once, at the n-th put after `arm()`: a worker dying in the middle of a batch. */
class FailingOncePuts extends FileLakeStore {
  private countdown = Infinity;
  arm(n: number): void {
    this.countdown = n;
  }
  override async put(key: string, bytes: Uint8Array, contentType?: string): Promise<void> {
    if (--this.countdown === 0) throw new Error(`injected: the worker died before writing ${key}`);
    return super.put(key, bytes, contentType);
  }
}

describe('the one-activity derivation', () => {
  const perStageRoot = path.join(temp, 'per-stage');
  const perStageDlq: string[] = [];

  it('writes exactly the objects and bytes the per-stage activities write, each stage on a worker that reads everything back', async () => {
    const lake = new FileLakeStore(perStageRoot);
    for (const input of await writeRaw(lake)) {
      const { rawKey, copyToDlq, batchDate, ...ref } = input;
      const ingest = await activitiesOn(lake, perStageDlq).ingestBatch({ ...ref, rawKey, copyToDlq });
      const enrich = await activitiesOn(lake, perStageDlq).enrichBatch({ ...ref, bronzeKeys: ingest.bronzeKeys });
      const silver = { ...ref, silverKeys: enrich.silverKeys, itemKeys: enrich.itemKeys, batchDate };
      await activitiesOn(lake, perStageDlq).aggregateBatch(silver);
      await activitiesOn(lake, perStageDlq).detectFraud(silver);
      await activitiesOn(lake, perStageDlq).checkBatchQuality({ ...silver, bronzeKeys: ingest.bronzeKeys, quarantineKey: ingest.quarantineKey });
      await activitiesOn(lake, perStageDlq).writeCheckpoint(silver);
    }

    const root = path.join(temp, 'one-activity');
    const lake2 = new FileLakeStore(root);
    const dlq: string[] = [];
    const activities = activitiesOn(lake2, dlq);
    let fraudAlerts = 0;
    let quarantined = 0;
    for (const input of await writeRaw(lake2)) {
      const derived = await activities.deriveBatch(input);
      fraudAlerts += derived.fraud.alertIds.length;
      quarantined += derived.ingest.invalidCount;
      assert.equal(derived.checkpoint.stateQueue, 'orders-worker-test');
    }
    assert.ok(fraudAlerts > 0 && quarantined > 0, `the stream exercises fraud (${fraudAlerts} alerts) and the quarantine (${quarantined})`);
    assertSameLake(objectsOf(root), objectsOf(perStageRoot));
    assert.deepEqual(dlq, perStageDlq, 'the same DLQ copies');
  });

  for (const failAtPut of [1, 4, 9, 14]) {
    it(`leaves the same bytes when an attempt dies at its write ${failAtPut} and the batch runs again on another worker`, async () => {
      const root = path.join(temp, `crash-${failAtPut}`);
      const lake = new FailingOncePuts(root);
      const dlq: string[] = [];
      let activities = activitiesOn(lake, dlq);
      const batches = await writeRaw(lake);
      let failures = 0;
      for (const [index, input] of batches.entries()) {
        if (index === 2) lake.arm(failAtPut);
        try {
          await activities.deriveBatch(input);
        } catch (error) {
          failures++;
          assert.match(String(error), /injected/);
          activities = activitiesOn(lake, dlq); // the retry lands on a worker with nothing in memory
          await activities.deriveBatch(input);
        }
      }
      assert.equal(failures, 1, 'the injected failure happened');
      assertSameLake(objectsOf(root), objectsOf(perStageRoot));
      assert.deepEqual([...new Set(dlq)].sort(), [...new Set(perStageDlq)].sort(), 'every invalid record copied to the DLQ');
    });
  }

  it('leaves the lake as it was when a batch whose checkpoint is written runs again (a retry after the activity completed unseen)', async () => {
    const root = path.join(temp, 'rerun');
    const lake = new FileLakeStore(root);
    const activities = activitiesOn(lake, []);
    const batches = await writeRaw(lake);
    for (const input of batches) await activities.deriveBatch(input);
    const before = objectsOf(root);
    const again = await activities.deriveBatch(batches[1]!);
    assert.equal(again.checkpoint.stateQueue, 'orders-worker-test');
    assertSameLake(objectsOf(root), before);
  });
});
