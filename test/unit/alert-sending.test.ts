// How a batch's alert mails go out: the pooled SMTP transport and the bounded concurrency.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachConcurrently } from '../../src/activities/concurrently.ts';
import { pooledSmtpUrl, SMTP_POOL_CONNECTIONS } from '../../src/activities/smtp-transport.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('forEachConcurrently', () => {
  it('keeps at most `limit` steps in flight and starts them in item order', async () => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      peak = Math.max(peak, ++inFlight);
      for (let i = 0; i < 8 - n; i++) await tick();
      inFlight--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(started, [1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing after a failure, lets started steps finish, then throws the failure', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    await assert.rejects(
      forEachConcurrently([1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await tick();
        if (n === 1) throw new Error('SMTP refused 1');
        await tick();
        finished.push(n);
      }),
      /SMTP refused 1/,
    );
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(finished, [2]);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await forEachConcurrently([], 4, async () => void calls++);
    assert.equal(calls, 0);
  });
});

describe('pooledSmtpUrl', () => {
  it('pools connections unless the URL says otherwise, keeping credentials and options', () => {
    assert.equal(pooledSmtpUrl('smtp://127.0.0.1:1025'), `smtp://127.0.0.1:1025?pool=true&maxConnections=${SMTP_POOL_CONNECTIONS}`);
    const url = new URL(pooledSmtpUrl('smtps://us%40er:p%3Ass@mail.example:465/?tls.rejectUnauthorized=false'));
    assert.equal(url.username, 'us%40er');
    assert.equal(url.password, 'p%3Ass');
    assert.equal(url.searchParams.get('tls.rejectUnauthorized'), 'false');
    assert.equal(url.searchParams.get('pool'), 'true');
    assert.equal(new URL(pooledSmtpUrl('smtp://h:25?pool=false&maxConnections=1')).search, '?pool=false&maxConnections=1');
  });
});
