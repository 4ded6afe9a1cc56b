// Sent-markers in day folders (docs/lake.md, "Sent-markers"): where a mail's marker goes, that a
// marker under the old flat key still counts as sent, which days retention deletes, and that the
// deletion takes whole past days and nothing else.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { expireAlertMarkers } from '../../src/activities/alert-marker-retention.ts';
import { digestMarkerDay, flushDigest, queueForDigest } from '../../src/activities/alert-digest.ts';
import { isMarkedSent, sentMarkerKey } from '../../src/activities/sent-markers.ts';
import { alertMarkerRetentionDays, expiredMarkerDays } from '../../src/domain/alert-marker-retention.ts';
import type { DigestEntry } from '../../src/domain/alert-digest-email.ts';
import { FileLakeStore } from '../../src/lake/file-store.ts';
import { alertSentDayPrefix, alertSentKey, legacyAlertSentKey, markerDayOf } from '../../src/lake/keys.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const tempLake = (): FileLakeStore => new FileLakeStore(mkdtempSync(path.join(os.tmpdir(), 'markers-')));
const NOW = Date.parse('2026-12-07T13:00:00Z');

const entry = (mailId: string): DigestEntry => ({
  mailId,
  alertId: mailId.replace(/:\d+$/, ''),
  customerId: '1',
  rules: ['velocity'],
  severity: 'high',
  score: 3,
  orders: 7,
  windowStart: 0,
  windowEnd: 1,
  escalatedFrom: null,
  batchId: 'orders-0-0',
  runUrl: 'http://127.0.0.1:8233/x',
});

describe('sent-markers in day folders', () => {
  it('files a mail under the UTC date of its batch Kafka time, with the id encoded as before', () => {
    assert.equal(markerDayOf(Date.parse('2026-12-06T23:59:59.999Z')), '2026-12-06');
    assert.equal(markerDayOf(Date.parse('2026-12-07T00:00:00Z')), '2026-12-07');
    assert.throws(() => markerDayOf(Number.NaN), RangeError);
    assert.equal(alertSentKey('2026-12-07', 'orders:fraud:ab12:1'), 'alerts/sent/day=2026-12-07/orders%3Afraud%3Aab12%3A1');
    assert.equal(alertSentDayPrefix('2026-12-07'), 'alerts/sent/day=2026-12-07/');
    assert.throws(() => alertSentKey('7/12/2026', 'x'), /YYYY-MM-DD/);
    assert.equal(legacyAlertSentKey('orders:fraud:ab12:1'), 'alerts/sent/orders%3Afraud%3Aab12%3A1');
    assert.equal(sentMarkerKey(undefined, 'a'), 'alerts/sent/a', 'a mail without a day keeps the flat marker');
    assert.equal(sentMarkerKey('2026-12-07', 'a'), 'alerts/sent/day=2026-12-07/a');
  });

  it('counts a mail as sent when its day marker or its flat marker (written before day folders) exists', async () => {
    const lake = tempLake();
    assert.equal(await isMarkedSent(lake, '2026-12-07', 'm:1'), false);
    await lake.put(legacyAlertSentKey('m:1'), bytes('{}'));
    assert.equal(await isMarkedSent(lake, '2026-12-07', 'm:1'), true, 'flat marker from before the upgrade');
    assert.equal(await isMarkedSent(lake, undefined, 'm:1'), true);
    await lake.put(alertSentKey('2026-12-07', 'm:2'), bytes('{}'));
    assert.equal(await isMarkedSent(lake, '2026-12-07', 'm:2'), true);
    assert.equal(await isMarkedSent(lake, '2026-12-06', 'm:2'), false, 'another day is another folder');
  });

  it('marks digest entries in their day folders, old entries without a day under the flat key', async () => {
    const lake = tempLake();
    const dated = { ...entry('orders:fraud:aa:1'), markerDay: '2026-12-07' };
    const old = entry('orders:fraud:bb:1');
    assert.equal(await queueForDigest(lake, 'orders', dated), true);
    assert.equal(await queueForDigest(lake, 'orders', old), true);
    const days: (string | undefined)[] = [];
    await flushDigest(lake, 'orders', async (_id, day) => {
      days.push(day);
    });
    assert.deepEqual(days, ['2026-12-07'], 'the digest mail takes the newest day of its entries');
    assert.equal(await lake.exists(alertSentKey('2026-12-07', dated.mailId)), true);
    assert.equal(await lake.exists(legacyAlertSentKey(old.mailId)), true);
    assert.equal(await queueForDigest(lake, 'orders', dated), false, 'a listed mail is not queued again');
    assert.equal(digestMarkerDay([old]), undefined);
    assert.equal(digestMarkerDay([{ ...old, markerDay: '2026-12-01' }, dated]), '2026-12-07');
  });
});

describe('sent-marker retention', () => {
  it('keeps the state retention in whole days plus one day', () => {
    assert.equal(alertMarkerRetentionDays(168), 8);
    assert.equal(alertMarkerRetentionDays(169), 9);
    assert.equal(alertMarkerRetentionDays(1), 2);
    assert.throws(() => alertMarkerRetentionDays(0), RangeError);
  });

  it('deletes the days before today minus the retention, looking back a bounded number of days', () => {
    const days = expiredMarkerDays(NOW, 8, 3);
    assert.deepEqual(days, ['2026-11-26', '2026-11-27', '2026-11-28']);
    assert.equal(expiredMarkerDays(NOW, 8).length, 366);
    assert.equal(expiredMarkerDays(NOW, 8).at(-1), '2026-11-28', 'today (12-07) and the 8 days before it are kept');
    assert.equal(expiredMarkerDays(Date.parse('2026-12-07T23:59:59Z'), 8).at(-1), '2026-11-28', 'the same all day long');
  });

  it('deletes whole day folders past retention, keeps recent days and flat markers, and does nothing the second time', async () => {
    const lake = tempLake();
    await lake.put(alertSentKey('2026-11-20', 'a:1'), bytes('{}'));
    await lake.put(alertSentKey('2026-11-28', 'b:1'), bytes('{}'));
    await lake.put(alertSentKey('2026-11-28', 'b:2'), bytes('{}'));
    await lake.put(alertSentKey('2026-11-29', 'c:1'), bytes('{}'));
    await lake.put(alertSentKey('2026-12-07', 'd:1'), bytes('{}'));
    await lake.put(legacyAlertSentKey('e:1'), bytes('{}'));

    const first = await expireAlertMarkers(lake, NOW, 168);
    assert.deepEqual(first, { retentionDays: 8, days: ['2026-11-20', '2026-11-28'], markers: 3 });
    assert.deepEqual(await lake.list('alerts/sent/'), [alertSentKey('2026-11-29', 'c:1'), alertSentKey('2026-12-07', 'd:1'), legacyAlertSentKey('e:1')].sort());
    assert.deepEqual(await expireAlertMarkers(lake, NOW, 168), { retentionDays: 8, days: [], markers: 0 });
  });
});
