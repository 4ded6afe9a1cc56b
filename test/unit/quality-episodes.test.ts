import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderQualityAlertEmail } from '../../src/domain/alert-email.ts';
import {
  decideQualityMails,
  emptyQualityEpisodes,
  kafkaTsSpanOf,
  MAX_EPISODES,
  qualityMailId,
  type QualityEpisodes,
  type QualityFinding,
} from '../../src/domain/quality-episodes.ts';
import type { DqMetricRow } from '../../src/domain/rows.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const policy = { topic: 'orders', cooldownMs: HOUR };

const breach = (batchId: string, check = 'schema', field = 'record', breached = true): DqMetricRow => ({
  batchId,
  check,
  field,
  count: 40,
  total: 50,
  breached,
  rate: 0.8,
  maxRate: 0.05,
  detail: '{}',
});

/** A breached batch `<topic>-<partition>-<offset>` whose records span [at, at + minutes] of Kafka time. */
const finding = (partition: number, offset: number, at: number, minutes = 1, check?: string): QualityFinding => ({
  batchId: `orders-${partition}-${offset}`,
  firstKafkaTs: at,
  lastKafkaTs: at + minutes * MINUTE,
  breach: breach(`orders-${partition}-${offset}`, check),
});

/** Feeds the findings one by one (as separate signals would), returning every mail id decided. */
function run(findings: QualityFinding[], start: QualityEpisodes = emptyQualityEpisodes(), options = policy): { ids: string[]; state: QualityEpisodes } {
  let state = start;
  const ids: string[] = [];
  for (const f of findings) {
    const decided = decideQualityMails(state, [f], options);
    state = decided.state;
    ids.push(...decided.mails.map((m) => m.alertId));
  }
  return { ids, state };
}

describe('data-quality breach episodes', () => {
  it('mail once for a surge of invalid records over several batches of several partitions', () => {
    const surge = [0, 1, 2].flatMap((p) => [0, 100, 200, 300].map((offset, i) => finding(p, offset, T0 + i * 5 * MINUTE + p * MINUTE)));
    const { ids, state } = run(surge);
    assert.deepEqual(ids, [`orders:dq:schema:record:${new Date(T0).toISOString()}:1`]);
    assert.equal(state.episodes.length, 1);
    assert.equal(state.episodes[0]!.batches, 12);
  });

  it('decide the same single mail when all the episode’s findings arrive together, in any order', () => {
    const surge = [2, 0, 1].flatMap((p) => [300, 0, 200, 100].map((offset) => finding(p, offset, T0 + (offset / 100) * 5 * MINUTE + p * MINUTE)));
    const { mails } = decideQualityMails(emptyQualityEpisodes(), surge, policy);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.finding.batchId, 'orders-0-0', 'the earliest breach in Kafka time opens the episode');
  });

  it('mail again while the episode lasts, once an ALERT_COOLDOWN of Kafka time has passed since its last mail', () => {
    // A breach every 10 minutes for 2 h 30: mails at 0, 1 h 00 and 2 h 00.
    const lasting = Array.from({ length: 16 }, (_, i) => finding(i % 3, i * 100, T0 + i * 10 * MINUTE, 0));
    const { ids } = run(lasting);
    const start = new Date(T0).toISOString();
    assert.deepEqual(ids, [1, 2, 3].map((n) => `orders:dq:schema:record:${start}:${n}`));
  });

  it('start a new episode, and mail, when the check breaches again after a quiet ALERT_COOLDOWN', () => {
    const first = [finding(0, 0, T0), finding(1, 0, T0 + 5 * MINUTE)];
    const second = [finding(0, 100, T0 + 3 * HOUR), finding(2, 0, T0 + 3 * HOUR + 2 * MINUTE)];
    const { ids, state } = run([...first, ...second]);
    assert.deepEqual(ids, [`orders:dq:schema:record:${new Date(T0).toISOString()}:1`, `orders:dq:schema:record:${new Date(T0 + 3 * HOUR).toISOString()}:1`]);
    assert.equal(state.episodes.length, 2);
  });

  it('keep checks and fields apart: each has its own episodes', () => {
    const { ids } = run([finding(0, 0, T0), finding(1, 0, T0, 1, 'late'), finding(2, 0, T0 + MINUTE)]);
    assert.equal(ids.length, 2);
    assert.ok(ids.some((id) => id.includes(':dq:late:')));
  });

  it('count a batch’s finding once when a retried alert step hands it over again', () => {
    const f = finding(0, 0, T0);
    const noCooldown = { topic: 'orders', cooldownMs: 0 };
    const { ids } = run([f, f, { ...f }], emptyQualityEpisodes(), noCooldown);
    assert.equal(ids.length, 1);
  });

  it('mail every breached batch when ALERT_COOLDOWN is 0, each with its own id', () => {
    const { ids } = run([finding(0, 0, T0), finding(1, 0, T0), finding(0, 100, T0 + MINUTE)], emptyQualityEpisodes(), { topic: 'orders', cooldownMs: 0 });
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
  });

  it('give a late partition’s older breach no mail of its own, and merge the episodes it bridges without reusing an id', () => {
    // Partition 0 runs 90 min ahead of partition 1: its breaches at +90 min and +3 h open two episodes.
    const ahead = run([finding(0, 0, T0 + 90 * MINUTE), finding(0, 100, T0 + 4 * HOUR)]);
    assert.equal(ahead.ids.length, 2);
    // Partition 1 catches up: its breaches, within the episode's reach, fill the gap between them.
    const behind = run([finding(1, 0, T0 + 40 * MINUTE), finding(1, 100, T0 + 2 * HOUR), finding(1, 200, T0 + 3 * HOUR)], ahead.state);
    const all = [...ahead.ids, ...behind.ids];
    assert.equal(new Set(all).size, all.length, 'no mail id twice');
    assert.equal(behind.state.episodes.length, 1, 'one episode now');
    assert.deepEqual(behind.ids, [], 'the older breaches fall inside episodes already mailed');
    assert.equal(behind.state.episodes[0]!.mails, 2, 'the merged episode counts both mails: its next id is unused');
  });

  it('ignore rows that are not breaches', () => {
    const { mails } = decideQualityMails(emptyQualityEpisodes(), [{ ...finding(0, 0, T0), breach: breach('orders-0-0', 'schema', 'record', false) }], policy);
    assert.equal(mails.length, 0);
  });

  it('keep their state bounded', () => {
    const many = Array.from({ length: MAX_EPISODES + 50 }, (_, i) => finding(0, i * 100, T0 + i * 2 * HOUR, 0));
    const { state, ids } = run(many);
    assert.equal(ids.length, MAX_EPISODES + 50);
    assert.ok(state.episodes.length <= MAX_EPISODES);
    const { state: old } = run([finding(0, 0, T0), finding(0, 100, T0 + 30 * 24 * HOUR)]);
    assert.equal(old.episodes.length, 1, 'an episode a month old is forgotten');
  });

  it('name the mail after the topic, check, field, episode start and number', () => {
    assert.equal(qualityMailId('t-orders', { key: 'late:orderTs', startTs: T0, mails: 2 }), `t-orders:dq:late:orderTs:${new Date(T0).toISOString()}:2`);
  });

  it('take a batch’s Kafka time from its records', () => {
    assert.deepEqual(kafkaTsSpanOf([{ kafkaTs: T0 + 5 }, { kafkaTs: T0 }, { kafkaTs: Number.NaN }]), { first: T0, last: T0 + 5 });
    assert.equal(kafkaTsSpanOf([]), undefined);
  });
});

describe('data-quality mail of an episode', () => {
  const links = { temporalRunUrl: 'http://ui/run', dashboardUrl: 'http://dash' };
  const envelope = { from: 'a@x', to: 'b@x' };
  it('says whether it opens an episode or reminds of one that goes on', () => {
    const first = renderQualityAlertEmail('id1', [breach('orders-0-0')], links, envelope, { startTs: T0, mails: 1, batches: 1 });
    assert.match(first.text, /New breach episode, Kafka time 2026-11-28T10:00:00.000Z/);
    const again = renderQualityAlertEmail('id2', [breach('orders-0-900')], links, envelope, { startTs: T0, mails: 2, batches: 7 });
    assert.match(again.text, /Still breached: episode since 2026-11-28T10:00:00.000Z \(Kafka time\), 7 breached batches so far, mail 2/);
    assert.match(again.html, /Still breached/);
    assert.notEqual(first.messageId, again.messageId);
  });
});
