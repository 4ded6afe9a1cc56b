// delta-rs (Python `deltalake`) as an independent reader of the lake's Delta tables, for tests:
// what a data team would point at the same S3 path.
import path from 'node:path';
import type { Config } from '../../src/config.ts';
import { parseLakeUri } from '../../src/lake/store.ts';
import { s3Credentials } from '../../src/secrets.ts';
import { DELTA_RS_PACKAGES, pythonVenv, run } from './python-venv.ts';

type LakeConfig = Pick<Config, 'LAKE_URI' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>;

export interface DeltaRsTable {
  version: number;
  /** Absent when only the log was read. */
  rows?: number;
  /** Data files of the current snapshot, as URIs. */
  files: string[];
  /** Commits in the table's history. */
  commits: number;
  /** Sorted values of the requested column, as text. */
  values?: string[];
}

const SCRIPT = path.join(import.meta.dirname, 'delta_read.py');

/** The table root and storage options delta-rs needs for this lake. */
export function deltaRsLocation(config: LakeConfig): { root: string; storage_options?: Record<string, string> } {
  const location = parseLakeUri(config.LAKE_URI);
  if (location.kind === 'file') return { root: location.root };
  const credentials = s3Credentials(config);
  return {
    root: `s3://${location.bucket}/${location.prefix.replace(/\/$/, '')}`,
    storage_options: {
      AWS_ENDPOINT_URL: config.S3_ENDPOINT,
      AWS_REGION: config.S3_REGION,
      AWS_ALLOW_HTTP: 'true',
      ...(credentials ? { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey } : {}),
    },
  };
}

/**
 * Reads the tables with delta-rs; `column` asks for that column's values too, `version` for that
 * version of the table (time travel) instead of the newest. `rows: false` reads
 * the logs only: the local S3 server (rclone) answers some ranged GETs of Parquet footers with the
 * whole object, which delta-rs's object store refuses, so tests read rows from a local copy.
 */
export async function readWithDeltaRs(config: LakeConfig, tables: { path: string; column?: string; version?: number }[], options: { rows?: boolean } = {}): Promise<Record<string, DeltaRsTable>> {
  const python = await pythonVenv('delta-rs-1.6.6', DELTA_RS_PACKAGES);
  const out = await run(python, [SCRIPT, JSON.stringify({ ...deltaRsLocation(config), tables, rows: options.rows ?? true })], { timeoutMs: 300_000 });
  try {
    return JSON.parse(out) as Record<string, DeltaRsTable>;
  } catch {
    throw new Error(`delta-rs printed no JSON: ${out.slice(0, 500)}`);
  }
}
