// Python readers of the lake for tests (delta-rs, and PySpark with Delta): each in a virtualenv
// under STACK_CACHE_DIR, created on first use from PyPI and pinned here, so CI, which starts fresh,
// installs them the same way. Built in a temporary folder and renamed into place, so an
// interrupted install is never trusted.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { stackPaths } from '../../src/stack/paths.ts';

export const DELTA_RS_PACKAGES = ['deltalake==1.6.6', 'pyarrow==26.0.1'];

/** Runs a command; resolves with its stdout, rejects with its stderr's end when it fails. */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${path.basename(command)} ${args.slice(0, 2).join(' ')} exited with ${code ?? signal}: ${Buffer.concat(err).toString('utf8').slice(-3000)}`));
    });
  });
}

const installing = new Map<string, Promise<string>>();

/** The python of a virtualenv named `name` holding `packages`, created on first use. */
export function pythonVenv(name: string, packages: readonly string[]): Promise<string> {
  let pending = installing.get(name);
  if (!pending) {
    pending = (async () => {
      const { cache } = stackPaths(loadConfig());
      const target = path.join(cache, name);
      const python = path.join(target, 'bin', 'python');
      if (existsSync(python)) return python;
      await mkdir(cache, { recursive: true });
      const temp = await mkdtemp(path.join(cache, `.${name}.partial-`));
      try {
        await run('python3', ['-m', 'venv', temp]).catch((error: Error) => {
          throw new Error(`cannot create a Python virtualenv (on Debian: apt-get install python3-venv): ${error.message}`);
        });
        await run(path.join(temp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...packages], { timeoutMs: 900_000 });
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { recursive: true, force: true });
        if (!existsSync(python)) throw error;
      }
      return python;
    })();
    installing.set(name, pending);
    pending.catch(() => installing.delete(name));
  }
  return pending;
}
