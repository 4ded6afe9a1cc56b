// The lake on a local directory. A put writes a temporary file in the target's folder, flushes it
// and renames it over the target: rename is atomic within a file system, so a crash at any moment
// leaves either the old object or the new one, never half a file. Temporary files start with
// TEMP_PREFIX and are never listed; a crash may leave one behind, and `sweepTempFiles` removes them.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LakeError } from './errors.ts';
import { assertValidKey, assertValidPrefix } from './keys.ts';
import type { LakeStore } from './lake-store.ts';

export const TEMP_PREFIX = '.tmp-';

const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/** Local disk errors that may pass (a full disk, too many open files) are worth retrying. */
const RETRYABLE_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EIO']);

export class FileLakeStore implements LakeStore {
  readonly uri: string;

  constructor(readonly root: string) {
    this.uri = pathToFileURL(root).href;
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    if (key.split('/').some((segment) => segment.startsWith(TEMP_PREFIX))) throw new RangeError(`lake key segments must not start with ${TEMP_PREFIX}: ${key}`);
    return path.join(this.root, ...key.split('/'));
  }

  private fail(operation: string, key: string, error: unknown): LakeError {
    const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
    return new LakeError(`lake ${operation} ${key} in ${this.uri} failed (${code})`, operation, key, {
      retryable: RETRYABLE_CODES.has(code),
      cause: error,
    });
  }

  /** The content type is not kept: a file's type is its extension. */
  async put(key: string, bytes: Uint8Array, _contentType?: string): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    const temp = path.join(dir, `${TEMP_PREFIX}${path.basename(target)}-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.fail('put', key, error);
    }
  }

  async putFile(key: string, file: string): Promise<void> {
    const target = this.pathOf(key);
    const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${path.basename(target)}-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(file, temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.fail('put', key, error);
    }
  }

  async getFile(key: string, file: string): Promise<boolean> {
    try {
      await copyFile(this.pathOf(key), file);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.fail('get', key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.pathOf(key);
    try {
      const buffer = await readFile(file);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isMissing(error)) return undefined;
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw this.fail('get', key, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try {
      return (await stat(file)).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.fail('exists', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    // Walk the deepest folder the prefix names, then keep keys that start with the whole prefix
    // (a prefix such as `state/partition=1/at=0000` ends inside a file name).
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const keys: string[] = [];
    await this.walk(folder, keys);
    return keys.filter((key) => key.startsWith(prefix)).sort(compareKeys);
  }

  private async walk(folder: string, into: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(path.join(this.root, ...folder.split('/').filter(Boolean)), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw this.fail('list', folder, error);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      if (entry.isDirectory()) await this.walk(`${folder}${entry.name}/`, into);
      else if (entry.isFile()) into.push(`${folder}${entry.name}`);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (error) {
      if (isMissing(error)) return;
      throw this.fail('delete', key, error);
    }
  }

  /** Removes temporary files left by a crash in the middle of a put; returns how many. */
  async sweepTempFiles(): Promise<number> {
    let removed = 0;
    const sweep = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await sweep(full);
        else if (entry.name.startsWith(TEMP_PREFIX)) {
          await rm(full, { force: true });
          removed++;
        }
      }
    };
    await sweep(this.root);
    return removed;
  }
}

/** Byte order of UTF-8 keys, as S3 lists them (JS string comparison is UTF-16 order). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
