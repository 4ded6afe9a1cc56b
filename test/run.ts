// `npm run test:run`: brings the local stack up when it is not already up, runs every test file
// with Node's test runner (its summary prints pass/fail counts), and stops only what it started.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { loadConfig } from '../src/config.ts';
import { stackDown, stackStatus, stackUp } from '../src/stack/index.ts';

const config = loadConfig();
const only = process.argv.slice(2);
const files = only.length > 0 ? only : [...globSync('test/unit/**/*.test.ts'), ...globSync('test/workflow/**/*.test.ts'), ...globSync('test/integration/**/*.test.ts')].sort();

const before = await stackStatus(config);
const wasUp = before.every((service) => service.healthy);
const started = wasUp ? [] : await stackUp(config);

const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: process.env,
});

if (!wasUp) await stackDown(config, { only: started });
process.exit(result.status ?? 1);
