// Every setting the code reads is documented where an operator looks: the README's settings table
// and .env.example. A setting added to src/config.ts without them fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SETTINGS } from '../../src/config.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

test('every setting has a row in the README settings table', () => {
  const readme = read('README.md');
  const missing = Object.keys(SETTINGS).filter((name) => !readme.includes(`| \`${name}\` |`));
  assert.deepEqual(missing, [], `README.md lacks a settings-table row for ${missing.join(', ')}`);
});

test('every setting is in .env.example', () => {
  const lines = read('.env.example').split('\n');
  const missing = Object.keys(SETTINGS).filter((name) => !lines.some((line) => line.startsWith(`${name}=`) || line.startsWith(`# ${name}=`)));
  assert.deepEqual(missing, [], `.env.example lacks ${missing.join(', ')}`);
});

test('.env.example gives each setting its default (those not derived from the machine)', () => {
  const lines = new Set(read('.env.example').split('\n'));
  const machineDependent = new Set(['STATE_DIR', 'STACK_CACHE_DIR']);
  const wrong = Object.entries(SETTINGS)
    .filter(([name, [, fallback]]) => !machineDependent.has(name) && !lines.has(`${name}=${fallback}`) && !lines.has(`# ${name}=${fallback}`))
    .map(([name]) => name);
  assert.deepEqual(wrong, [], `.env.example has another default for ${wrong.join(', ')}`);
});
