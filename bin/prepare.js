#!/usr/bin/env node
// npm's `prepare` step (run by `npm ci`): compiles src/ to dist/, from which the CLI runs its quick
// verbs, when the TypeScript compiler is installed. A production install (`npm ci --omit=dev`)
// has no compiler: the build is skipped and the CLI runs every verb from src/ through tsx (a
// production dependency for that reason), correct and about a second slower to start.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

if (!existsSync(TSC)) {
  console.error('prepare: TypeScript is not installed (a production install): dist/ is not built, the CLI runs from src/ through tsx');
  process.exit(0);
}
const result = spawnSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
process.exit(result.status ?? 1);
