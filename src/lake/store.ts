// One interface over the lake's object store: `s3://bucket[/prefix]` (any S3-compatible endpoint)
// or `file://path` (the embedded default for a laptop without any server). Keys are relative to
// the lake root, use '/' as separator, and are the same on both back ends.
import path from 'node:path';
import type { Config } from '../config.ts';
import { FileLakeStore } from './file-store.ts';
import { s3Credentials } from '../secrets.ts';
import type { LakeStore } from './lake-store.ts';
import { S3LakeStore, type S3Settings } from './s3-store.ts';

// The interface has its own module so that the back ends need not import this one, which imports them.
export type { LakeStore } from './lake-store.ts';

export type LakeLocation =
  | { kind: 'file'; root: string }
  | { kind: 's3'; bucket: string; prefix: string };

/**
 * Parses LAKE_URI. `file:///abs/dir` is absolute; `file://rel/dir` is relative to the working
 * directory. `s3://bucket/some/prefix` keeps every key under `some/prefix/`.
 */
export function parseLakeUri(uri: string, cwd: string = process.cwd()): LakeLocation {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (s3) {
    const bucket = s3[1]!;
    const prefix = s3[2]!.replace(/\/+$/, '');
    return { kind: 's3', bucket, prefix: prefix === '' ? '' : `${prefix}/` };
  }
  const file = /^file:\/\/(.+)$/.exec(uri);
  if (file) {
    const raw = decodeURIComponent(file[1]!);
    // file://localhost/abs is the same as file:///abs.
    const local = raw.startsWith('localhost/') ? raw.slice('localhost'.length) : raw;
    return { kind: 'file', root: path.resolve(cwd, local) };
  }
  throw new RangeError(`LAKE_URI must be s3://bucket[/prefix] or file://path, got ${JSON.stringify(uri)}`);
}

type LakeConfig = Pick<Config, 'LAKE_URI' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>;

/** The lake named by LAKE_URI. S3 stores share one client per endpoint and key in the process. */
export function openLake(config: LakeConfig): LakeStore {
  const location = parseLakeUri(config.LAKE_URI);
  if (location.kind === 'file') return new FileLakeStore(location.root);
  return new S3LakeStore(s3SettingsOf(config), location.bucket, location.prefix);
}

/** Endpoint, region and credentials (explicit keys, the local stack's, or the AWS default chain). */
export function s3SettingsOf(config: Omit<LakeConfig, 'LAKE_URI'>): S3Settings {
  return { endpoint: config.S3_ENDPOINT, region: config.S3_REGION, credentials: s3Credentials(config) };
}
