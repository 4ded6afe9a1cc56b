// The workflow bundle, built once per version of the code instead of at every worker start.
// Worker.create with `workflowsPath` runs webpack each time: seconds of CPU on every restart (the
// crash tests restart workers dozens of times) and webpack's memory left in the worker. The bundle
// is keyed by a hash of every source file and the lockfile, so any change to the code or to the
// SDK builds a new one; a stale bundle can never be picked up.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundlePath } from '@temporalio/worker';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Build caches live under node_modules/.cache by convention (and go with a fresh `npm ci`). */
export const BUNDLE_CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'streaming-orders');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []))
    .sort();
}

/** A hash of what the bundle is made from: every .ts file under src/ and the lockfile. */
export function codeHash(root = ROOT): string {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(path.join(root, 'src')), path.join(root, 'package-lock.json')]) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The bundle for this code: read from the cache, or built and stored there first. */
export async function workflowBundle(workflowsPath: string, log: (line: string) => void = () => {}, { cacheDir = BUNDLE_CACHE_DIR, root = ROOT } = {}): Promise<WorkflowBundlePath> {
  const codePath = path.join(cacheDir, `workflow-bundle-${codeHash(root)}.js`);
  if (existsSync(codePath)) return { codePath };
  const began = Date.now();
  // webpack's report (assets, module lists: dozens of lines) stays out of the console; its
  // warnings and errors reach the log. The one line that matters is logged below.
  const quiet = () => {};
  const logger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: (message: string) => log(`workflow bundle: ${message}`), error: (message: string) => log(`workflow bundle: ${message}`) };
  const { code } = await bundleWorkflowCode({ workflowsPath, ignoreModules: [], logger });
  mkdirSync(cacheDir, { recursive: true });
  // Two workers starting together may both build it: each writes its own file and renames it
  // into place, so a reader never sees half a bundle.
  const partial = `${codePath}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, codePath);
  log(`workflow bundle built in ${Date.now() - began} ms: ${codePath}`);
  return { codePath };
}
