// What tells a test that a lake object was written again, even with the same bytes: its store's
// stamp (ETag and LastModified on S3, size and mtime on disk), next to a hash of its bytes.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Config } from '../../src/config.ts';
import { s3ClientFor } from '../../src/lake/s3-store.ts';
import { openLake, parseLakeUri, s3SettingsOf } from '../../src/lake/store.ts';

type LakeConfig = Pick<Config, 'LAKE_URI' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>;

/** Every object under `prefix` with its store stamp, by key relative to the lake root. */
export async function objectStamps(config: LakeConfig, prefix: string): Promise<Map<string, string>> {
  const location = parseLakeUri(config.LAKE_URI);
  const stamps = new Map<string, string>();
  if (location.kind === 'file') {
    for (const key of await openLake(config).list(prefix)) {
      const info = await stat(path.join(location.root, ...key.split('/')));
      stamps.set(key, `${info.size} ${info.mtimeMs}`);
    }
    return stamps;
  }
  const client = s3ClientFor(s3SettingsOf(config));
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.prefix}${prefix}`, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key) stamps.set(object.Key.slice(location.prefix.length), `${object.ETag ?? ''} ${object.LastModified?.toISOString() ?? ''} ${object.Size ?? 0}`);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return stamps;
}

/** sha256 of each key's bytes and its stamp, as one string per key; a key that is gone maps to 'missing'. */
export async function fingerprints(config: LakeConfig, keys: readonly string[], prefixes: readonly string[]): Promise<Map<string, string>> {
  const lake = openLake(config);
  const stamps = new Map<string, string>();
  for (const prefix of prefixes) for (const [key, stamp] of await objectStamps(config, prefix)) stamps.set(key, stamp);
  const out = new Map<string, string>();
  for (const key of keys) {
    const bytes = await lake.get(key);
    out.set(key, bytes ? `${createHash('sha256').update(bytes).digest('hex')} ${stamps.get(key) ?? 'unlisted'}` : 'missing');
  }
  return out;
}
