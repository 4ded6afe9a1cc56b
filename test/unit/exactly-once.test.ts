import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertMessageId } from '../../src/domain/alert-email.ts';
import { exactlyOnceVerdict, failures, inMailWindow, MAIL_WINDOW_MS, reasonHead, type PipelineFacts } from '../helpers/exactly-once.ts';
import { oracleOf, type TruthLine } from '../helpers/oracle.ts';

const line = (seq: number, orderId: string, valid = true, customerId = '7'): TruthLine => ({
  seq, orderId, valid, defect: valid ? null : 'malformed-json', fraud: [], customerId, orderTs: 0, usdTotal: 12.5, schemaVersion: 3,
  items: [{ productId: 'P001', quantity: 2, lineUsd: 12.5, category: 'Toys' }],
});
const SENT = Date.parse('2026-11-28T03:00:00Z');
const oracle = oracleOf([line(0, 'a'), line(1, 'b'), line(2, 'a'), line(3, 'x', false)]);

/** What a perfect run of that truth leaves behind. */
function perfect(): PipelineFacts {
  return {
    runs: [{ workflowId: 't-0-0', status: 'COMPLETED', partition: 0, startOffset: 0, endOffset: 4 }],
    highWatermarks: new Map([[0, 5]]),
    bronze: { rows: 3, positions: 3, fuzzRows: 0 },
    silverCounts: new Map([['a', 1], ['b', 1]]),
    quarantine: [{ partition: 0, offset: 3, reason: 'value: not valid JSON', fuzzId: null }, { partition: 0, offset: 4, reason: 'schema-version: unknown version "4"', fuzzId: 0 }],
    customers: [{ customerId: '7', orders: 2, items: 4, spendUsd: 25 }],
    categories: [{ category: 'Toys', items: 4, revenueUsd: 25 }],
    fraudAlertIds: ['alert-1'],
    fraudMailIds: ['alert-1'],
    mails: [{ subject: '[fraud] customer 7', messageId: alertMessageId('alert-1'), sentAt: SENT }],
  };
}
const fuzz = [{ id: 0, kind: 'unknown-version', expectedReason: /^schema-version: unknown version/ }];

describe('the exactly-once verdict', () => {
  it('passes a run whose lake and mails match the truth exactly', () => {
    assert.deepEqual(failures(exactlyOnceVerdict({ facts: perfect(), oracle, fuzz })), []);
  });

  it('counts an order missing from silver as lost and one there twice as duplicated', () => {
    const facts = { ...perfect(), silverCounts: new Map([['a', 2]]) };
    const failed = failures(exactlyOnceVerdict({ facts, oracle, fuzz }), 'orders');
    assert.ok(failed.some((f) => f.startsWith('orders lost: expected 0, got 1 (b)')), failed.join('\n'));
    assert.ok(failed.some((f) => f.startsWith('orders duplicated in silver: expected 0, got 1 (a×2)')), failed.join('\n'));
  });

  it('finds gaps and overlaps between batches and batches that did not complete', () => {
    const facts = { ...perfect(), runs: [
      { workflowId: 't-0-0', status: 'COMPLETED', partition: 0, startOffset: 0, endOffset: 1 },
      { workflowId: 't-0-1', status: 'FAILED', partition: 0, startOffset: 1, endOffset: 2 },
    ] };
    assert.deepEqual(failures(exactlyOnceVerdict({ facts, oracle, fuzz }), 'batches'), [
      'batches not completed: expected 0, got 1 (t-0-1 FAILED)',
      'offset ranges in no batch: expected 0, got 1 (p0 3-4 (no batch))',
      'offsets in two batches: expected 0, got 1 (t-0-1 starts at 1, covered up to 1)',
    ]);
  });

  it('compares gold totals to the cent', () => {
    const facts = { ...perfect(), customers: [{ customerId: '7', orders: 2, items: 4, spendUsd: 25.01 }] };
    assert.equal(failures(exactlyOnceVerdict({ facts, oracle, fuzz }), 'gold').length, 2);
  });

  it('counts a second mail with the same Message-ID and an alert without a mail', () => {
    const twice = { ...perfect(), mails: [...perfect().mails, { ...perfect().mails[0]!, sentAt: SENT + 40_000 }] };
    assert.deepEqual(failures(exactlyOnceVerdict({ facts: twice, oracle, fuzz }), 'alerts'), [`mails duplicated (same Message-ID), no kill to explain it: expected 0, got 1 (${alertMessageId('alert-1')}×2)`]);
    const none = { ...perfect(), mails: [] };
    assert.ok(failures(exactlyOnceVerdict({ facts: none, oracle, fuzz }), 'alerts').some((f) => f.startsWith('fraud mails asked for and not received')));
  });

  it('accepts a repeated mail only when a worker or SMTP kill fell just after its first copy', () => {
    const twice = { ...perfect(), mails: [...perfect().mails, { ...perfect().mails[0]!, sentAt: SENT + 40_000 }] };
    const verdict = (kills: number[]) => exactlyOnceVerdict({ facts: twice, oracle, fuzz, mailWindowKills: kills });
    assert.deepEqual(failures(verdict([SENT + 300])), []);
    assert.equal(verdict([SENT + 300]).find((c) => c.label === 'mails repeated in the documented kill window')?.actual, 1);
    // a kill before the first copy, or long after it, explains nothing
    assert.equal(failures(verdict([SENT - 2_000]), 'alerts').length, 1);
    assert.equal(failures(verdict([SENT + 30_000]), 'alerts').length, 1);
    assert.equal(inMailWindow([SENT, SENT + 40_000], [SENT + 1_000 + MAIL_WINDOW_MS]), true);
    assert.equal(inMailWindow([SENT, null], [SENT + 300]), false);
  });

  it('wants every fuzzed message quarantined once with the reason its kind implies', () => {
    const wrong = { ...perfect(), quarantine: [perfect().quarantine[0]!, { partition: 0, offset: 4, reason: 'value: not valid JSON', fuzzId: 0 }] };
    assert.deepEqual(failures(exactlyOnceVerdict({ facts: wrong, oracle, fuzz }), 'bad messages'), ['fuzzed messages with an unexpected reason: expected 0, got 1 (fuzz-0: value: not valid JSON)']);
    const lost = { ...perfect(), quarantine: [perfect().quarantine[0]!] };
    assert.ok(failures(exactlyOnceVerdict({ facts: lost, oracle, fuzz }), 'bad messages').includes('fuzzed messages lost: expected 0, got 1 (fuzz-0 (unknown-version))'));
  });

  it('counts process exits the injector did not cause, and too few kills', () => {
    const processes = [{ name: 'worker', kills: 3, crashes: 1 }];
    assert.deepEqual(failures(exactlyOnceVerdict({ facts: perfect(), oracle, fuzz, processes, minKills: 4 }), 'processes'), [
      'kills injected: expected ≥ 4, got 3',
      'crashes not caused by the injector: expected 0, got 1 (worker×1)',
    ]);
  });

  it('folds a reason to its first rule, without indexes', () => {
    assert.equal(reasonHead('items[12].quantity: must be an integer ≥ 1; items[13].quantity: must be an integer ≥ 1'), 'items[n].quantity: must be an integer ≥ 1');
    assert.equal(reasonHead('schema-version: unknown version "99" (expected 1, 2 or 3)'), 'schema-version: unknown version');
    assert.equal(reasonHead(null), '(none)');
  });
});
