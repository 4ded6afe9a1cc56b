// The CLI loads only the verb it runs (that is what keeps `orders batches list` quick), and the
// whole list when it needs it (help, a typo).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerVerbs } from '../../src/cli/verbs.ts';
import { exitStatusFor } from '../../src/cli/lifecycle.ts';

const registered = async (args: string[]): Promise<string[]> => {
  const program = new Command('orders');
  await registerVerbs(program, args);
  return program.commands.map((command) => command.name());
};

test('a named verb registers only itself', async () => {
  assert.deepEqual(await registered(['batches', 'list', '--limit', '1']), ['batches']);
  assert.deepEqual(await registered(['--', 'report']), ['report']);
});

test('no verb, help or an unknown verb registers every verb, in help order', async () => {
  const all = ['start', 'stack', 'worker', 'bridge', 'simulate', 'dashboard', 'batches', 'replay', 'backfill', 'dlq', 'report', 'lake'];
  assert.deepEqual(await registered([]), all);
  assert.deepEqual(await registered(['--help']), all);
  assert.deepEqual(await registered(['help', 'batches']), all);
  assert.deepEqual(await registered(['batchs']), all);
});

test('exit status after a clean stop: 130 after Ctrl-C, 0 after SIGTERM', () => {
  assert.equal(exitStatusFor('SIGINT'), 130);
  assert.equal(exitStatusFor('SIGTERM'), 0);
});
