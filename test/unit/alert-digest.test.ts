// Digest mode: fraud mails wait in the lake's outbox and go out as one digest mail, once, even when
// the digest is retried after a failure half-way.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { flushDigest, queueForDigest } from '../../src/activities/alert-digest.ts';
import { digestEntryOf, renderFraudDigestEmail, type DigestEntry } from '../../src/domain/alert-digest-email.ts';
import { ALERT_KIND_HEADER, alertMessageId } from '../../src/domain/alert-email.ts';
import { evaluateFraud, mailsOfAlertRow } from '../../src/domain/fraud/evaluate.ts';
import { DEFAULT_FRAUD_RULES } from '../../src/domain/fraud/rules.ts';
import { emptyPartitionState } from '../../src/domain/state.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { digestPendingPrefix } from '../../src/lake/keys.ts';
import { linesOf, MINUTE_MS, PLACES, shippedTo, silverOrder, T0 } from './domain-fixtures.ts';

const envelope = { from: 'orders-pipeline@localhost', to: 'fraud-team@localhost' };

/** The digest entries of a batch with a velocity burst (customer 1) and a dear order shipped abroad (customer 2). */
function entries(): DigestEntry[] {
  const burst = Array.from({ length: 7 }, (_, i) => silverOrder({ orderId: `v${i}`, orderTs: T0 + i * MINUTE_MS }));
  const abroad = shippedTo(PLACES.tokyo!, { orderId: 'x', customerId: '2', totalAmountUsd: 4500, distanceFromHomeKm: 8918.6 });
  const orders = [...burst, abroad];
  const { alerts } = evaluateFraud(DEFAULT_FRAUD_RULES, emptyPartitionState(), orders, linesOf(orders), 'orders-0-0');
  return alerts.flatMap((row) => mailsOfAlertRow(row).map((mail) => digestEntryOf(row, mail, 'http://127.0.0.1:8233/x')));
}

describe('fraud digest', () => {
  it('lists every alert of the period in one mail, most severe first, with links', () => {
    const list = entries();
    assert.equal(list.length, 2);
    const mail = renderFraudDigestEmail('orders:digest:1', list, 'http://127.0.0.1:3000', envelope);
    assert.equal(mail.subject, '[fraud-digest] 2 fraud alerts: 1 high, 1 medium');
    assert.equal(mail.messageId, alertMessageId('orders:digest:1'));
    assert.equal(mail.headers[ALERT_KIND_HEADER], 'fraud-digest');
    assert.ok(mail.text.indexOf('velocity') < mail.text.indexOf('high-value, foreign-shipping'), 'high before medium');
    assert.ok(mail.html.includes('<a href="http://127.0.0.1:8233/x">orders-0-0</a>'));
    assert.ok(mail.html.includes('<a href="http://127.0.0.1:3000">Dashboard</a>'));
  });

  it('sends the outbox once, finishes a digest a failed attempt started, and never lists a mail twice', async () => {
    const lake = new FileLakeStore(mkdtempSync(path.join(os.tmpdir(), 'digest-')));
    const [first, second] = entries() as [DigestEntry, DigestEntry];
    const sent: { id: string; mails: string[] }[] = [];
    const send = async (id: string, _day: string | undefined, list: DigestEntry[]): Promise<void> => {
      sent.push({ id, mails: list.map((e) => e.mailId).sort() });
    };

    assert.equal(await flushDigest(lake, 'orders', send), undefined, 'nothing queued, no digest');
    assert.equal(await queueForDigest(lake, 'orders', first), true);
    assert.equal(await queueForDigest(lake, 'orders', first), true, 'queued twice (a retried batch): one entry');

    // The first attempt dies after sending, before clearing the outbox; a second mail arrives meanwhile.
    await assert.rejects(flushDigest(lake, 'orders', async (id, day, list) => {
      await send(id, day, list);
      throw new Error('worker died');
    }));
    await queueForDigest(lake, 'orders', second);
    const retried = await flushDigest(lake, 'orders', send);
    assert.equal(retried?.alerts, 1, 'the retry finishes the digest it had cut');
    assert.equal(sent[0]!.id, sent[1]!.id, 'with the same id, so the sent-marker (or the receiver) drops the repeat');

    assert.equal(await queueForDigest(lake, 'orders', first), false, 'a mail a digest listed is not queued again');
    const next = await flushDigest(lake, 'orders', send);
    assert.equal(next?.alerts, 1);
    assert.deepEqual(sent.at(-1)!.mails, [second.mailId]);
    assert.deepEqual(await lake.list(digestPendingPrefix('orders')), [], 'the outbox is empty');
  });
});
