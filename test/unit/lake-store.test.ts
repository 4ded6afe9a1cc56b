import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { LakeUnavailableError } from '../../src/lake/errors.ts';
import { FileLakeStore, TEMP_PREFIX } from '../../src/lake/file-store.ts';
import { S3LakeStore } from '../../src/lake/s3-store.ts';
import { openLake, parseLakeUri } from '../../src/lake/store.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined): string | undefined => (data ? new TextDecoder().decode(data) : undefined);

void describe('the lake URI', () => {
  void it('names a file:// lake by absolute or working-directory-relative path', () => {
    assert.deepEqual(parseLakeUri('file:///var/lake'), { kind: 'file', root: '/var/lake' });
    assert.deepEqual(parseLakeUri('file://.stack/lake', '/repo'), { kind: 'file', root: '/repo/.stack/lake' });
    assert.deepEqual(parseLakeUri('file://localhost/var/lake'), { kind: 'file', root: '/var/lake' });
  });

  void it('names an s3:// lake by bucket and an optional prefix that every key goes under', () => {
    assert.deepEqual(parseLakeUri('s3://orders-lake'), { kind: 's3', bucket: 'orders-lake', prefix: '' });
    assert.deepEqual(parseLakeUri('s3://orders-lake/'), { kind: 's3', bucket: 'orders-lake', prefix: '' });
    assert.deepEqual(parseLakeUri('s3://orders-lake/team/dev/'), { kind: 's3', bucket: 'orders-lake', prefix: 'team/dev/' });
    assert.throws(() => parseLakeUri('gs://x'), /LAKE_URI/);
  });

  void it('opens the store the URI names, sharing one S3 client between stores with the same settings', () => {
    const file = openLake(loadConfig({ LAKE_URI: 'file:///tmp/some-lake' }));
    assert.ok(file instanceof FileLakeStore);
    assert.equal(file.uri, 'file:///tmp/some-lake');
    const a = openLake(loadConfig({ LAKE_URI: 's3://orders-lake/a' }));
    const b = openLake(loadConfig({ LAKE_URI: 's3://orders-lake/b' }));
    assert.ok(a instanceof S3LakeStore && b instanceof S3LakeStore);
    assert.equal(a.uri, 's3://orders-lake/a/');
    assert.equal((a as unknown as { client: unknown }).client, (b as unknown as { client: unknown }).client);
  });
});

void describe('the s3:// lake store without a server', () => {
  void it('fails with a retryable error naming the S3 server when nothing answers at the endpoint', { timeout: 30_000 }, async () => {
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    const lake = openLake(loadConfig({ LAKE_URI: 's3://orders-lake/p', S3_ENDPOINT: 'http://127.0.0.1:9' }));
    for (const attempt of [() => lake.get('a/b'), () => lake.put('a/b', bytes('x')), () => lake.list('a/')]) {
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof LakeUnavailableError, String(error));
        assert.equal(error.retryable, true);
        assert.match(error.message, /S3 server at http:\/\/127\.0\.0\.1:9 is not reachable/);
        return true;
      });
    }
  });
});

void describe('the file:// lake store', () => {
  let root: string;
  let lake: FileLakeStore;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lake-store-'));
    lake = new FileLakeStore(root);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  void it('puts, gets, tells existence of and deletes objects under nested keys', async () => {
    const key = 'silver/orders/order_date=2025-03-01/part-0-1-2.parquet';
    assert.equal(await lake.get(key), undefined);
    assert.equal(await lake.exists(key), false);
    await lake.put(key, bytes('first'));
    assert.equal(text(await lake.get(key)), 'first');
    assert.equal(await lake.exists(key), true);
    await lake.put(key, bytes('second'), 'application/octet-stream');
    assert.equal(text(await lake.get(key)), 'second');
    await lake.delete(key);
    assert.equal(await lake.get(key), undefined);
    await lake.delete(key); // deleting a missing object is fine
    assert.equal(await lake.exists('silver/orders'), false, 'a folder is not an object');
  });

  void it('lists every key under a prefix in lexical order, including prefixes that end inside a name', async () => {
    const keys = ['state/partition=1/at=00000000000000000010.json', 'state/partition=1/at=00000000000000000002.json', 'state/partition=10/at=00000000000000000001.json', 'state/partition=2/at=00000000000000000005.json', 'other/x'];
    for (const key of keys) await lake.put(key, bytes(key));
    assert.deepEqual(await lake.list('state/partition=1/'), ['state/partition=1/at=00000000000000000002.json', 'state/partition=1/at=00000000000000000010.json']);
    assert.deepEqual(await lake.list('state/partition=1'), [
      'state/partition=1/at=00000000000000000002.json',
      'state/partition=1/at=00000000000000000010.json',
      'state/partition=10/at=00000000000000000001.json',
    ]);
    assert.deepEqual(await lake.list('state/partition=1/at=0000000000000000001'), ['state/partition=1/at=00000000000000000010.json']);
    assert.deepEqual(await lake.list('nothing/here/'), []);
    assert.equal((await lake.list('')).length, keys.length);
  });

  void it('refuses a key that would leave the lake folder', async () => {
    await assert.rejects(lake.put('../escape', bytes('x')), RangeError);
    await assert.rejects(lake.get('a/../../etc/passwd'), RangeError);
  });

  void it('lets concurrent readers see only whole objects while the same key is overwritten', async () => {
    const key = 'gold/customer_totals/partition=0/at=00000000000000000001.parquet';
    const versions = [1, 2, 3, 4, 5, 6].map((v) => new Uint8Array(256 * 1024 * v).fill(v));
    await lake.put(key, versions[0]!);
    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 5; round++) for (const v of versions) await lake.put(key, v);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const got = await lake.get(key);
      assert.ok(got, 'the object never disappears');
      const value = got[0]!;
      assert.equal(got.length, 256 * 1024 * value, `a read saw ${got.length} bytes of version ${value}`);
      assert.ok(got.every((b) => b === value));
      reads++;
    }
    await writer;
    assert.ok(reads > 0);
  });

  void it('never leaves half an object when the writing process is killed, and sweeps its temporary files', { timeout: 60_000 }, async () => {
    const key = 'bronze/orders/order_date=2025-03-01/part-0-00000000000000000000-00000000000000000099.parquet';
    const size = 8 * 1024 * 1024;
    const storeUrl = pathToFileURL(path.resolve(import.meta.dirname, '../../src/lake/file-store.ts')).href;
    // The child overwrites the key forever with 8 MiB objects, each filled with one byte value.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { FileLakeStore } = await import(${JSON.stringify(storeUrl)});
      const lake = new FileLakeStore(${JSON.stringify(root)});
      for (let v = 1; ; v = (v % 250) + 1) await lake.put(${JSON.stringify(key)}, new Uint8Array(${size}).fill(v));
    `], { stdio: 'ignore' });
    try {
      while (!(await lake.exists(key))) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const got = await lake.get(key);
    assert.ok(got);
    assert.equal(got.length, size);
    assert.ok(got.every((b) => b === got[0]), 'the object is one whole version');
    // A temporary file the kill left behind is never listed, and the sweep removes it.
    const folder = path.join(root, 'bronze/orders/order_date=2025-03-01');
    await writeFile(path.join(folder, `${TEMP_PREFIX}leftover`), 'partial');
    assert.deepEqual(await lake.list('bronze/'), [key]);
    assert.ok((await lake.sweepTempFiles()) >= 1);
    assert.deepEqual(await readdir(folder), [path.basename(key)]);
  });
});
