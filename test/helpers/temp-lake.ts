// A `file://` lake in a fresh temporary folder for the tests of one `describe`: made before its
// tests, deleted after them. Returns a getter, since the lake exists only once `before` has run.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { FileLakeStore } from '../../src/lake/file-store.ts';

export function useTempLake(prefix: string): () => FileLakeStore {
  let dir: string | undefined;
  let lake: FileLakeStore | undefined;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    lake = new FileLakeStore(dir);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!lake) throw new Error('useTempLake: the lake exists only inside the tests of its describe');
    return lake;
  };
}
