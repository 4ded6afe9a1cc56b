// Where the local stack keeps things: binaries in the per-user cache, data/logs/pids in STACK_DIR.
import path from 'node:path';
import type { Config } from '../config.ts';

/** The checkout's root: a relative STACK_DIR is taken from here, whatever the caller's working directory. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface StackPaths {
  root: string;
  cache: string;
  logs: string;
  pids: string;
  temporal: string;
  kafka: string;
  s3: string;
  mail: string;
}

export function stackPaths(config: Pick<Config, 'STACK_DIR' | 'STACK_CACHE_DIR'>): StackPaths {
  const root = path.resolve(PROJECT_ROOT, config.STACK_DIR);
  return {
    root,
    cache: path.resolve(PROJECT_ROOT, config.STACK_CACHE_DIR),
    logs: path.join(root, 'logs'),
    pids: path.join(root, 'pids'),
    temporal: path.join(root, 'temporal'),
    kafka: path.join(root, 'kafka'),
    s3: path.join(root, 's3'),
    mail: path.join(root, 'mail'),
  };
}

/** host and port of a `host:port` or a URL. */
export function hostPort(addressOrUrl: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(addressOrUrl.includes('://') ? addressOrUrl : `tcp://${addressOrUrl}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : defaultPort };
}
