import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bridgeHeapArgs, heapArgsFor, memoryEnvFor, startSettingsFor, workerHeapArgs, workerHeapMb } from '../../src/workers/heap-cap.ts';

test('the worker starts with the configured heap cap, the default when unset', () => {
  assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: '512', V8_SEMI_SPACE_MB: '0' }), ['--max-old-space-size=512']);
  assert.deepEqual(workerHeapArgs({}), ['--max-old-space-size=1024', '--max-semi-space-size=16']);
});

test("an operator's own --max-old-space-size wins, in node's flags or NODE_OPTIONS", () => {
  assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: '512' }, ['--max-old-space-size=2048']), ['--max-semi-space-size=16']);
  assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: '512', NODE_OPTIONS: '--enable-source-maps --max-old-space-size=2048' }), ['--max-semi-space-size=16']);
  assert.deepEqual(workerHeapArgs({ NODE_OPTIONS: '--max_old_space_size=700 --max-semi-space-size=64' }), []);
});

test('an invalid value gives no flag: the config check then stops the worker naming WORKER_HEAP_MB', () => {
  for (const bad of ['', 'lots', '-5', '0', '1.5']) {
    assert.equal(workerHeapMb({ WORKER_HEAP_MB: bad }), undefined, bad);
    assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: bad, V8_SEMI_SPACE_MB: '0' }), [], bad);
  }
});

test('the worker and the bridge start with the young generation of V8_SEMI_SPACE_MB; 0 leaves V8 its own size', () => {
  assert.deepEqual(bridgeHeapArgs({}), ['--max-semi-space-size=16']);
  assert.deepEqual(bridgeHeapArgs({ V8_SEMI_SPACE_MB: '8' }), ['--max-semi-space-size=8']);
  assert.deepEqual(bridgeHeapArgs({ V8_SEMI_SPACE_MB: '0' }), []);
  assert.deepEqual(bridgeHeapArgs({ V8_SEMI_SPACE_MB: 'big' }), []);
  assert.deepEqual(bridgeHeapArgs({ NODE_OPTIONS: '--max_semi_space_size=32' }), []);
  assert.deepEqual(heapArgsFor('worker', { WORKER_HEAP_MB: '512', V8_SEMI_SPACE_MB: '4' }), ['--max-old-space-size=512', '--max-semi-space-size=4']);
  assert.deepEqual(heapArgsFor('bridge', {}), ['--max-semi-space-size=16']);
  assert.deepEqual(heapArgsFor('dashboard', {}), []);
  assert.deepEqual(heapArgsFor(undefined, {}), []);
});

test('worker and bridge start with MALLOC_ARENA_MAX=2 unless the environment sets it; other verbs get nothing', () => {
  assert.deepEqual(memoryEnvFor('worker', {}), { MALLOC_ARENA_MAX: '2' });
  assert.deepEqual(memoryEnvFor('bridge', {}), { MALLOC_ARENA_MAX: '2' });
  assert.deepEqual(memoryEnvFor('worker', { MALLOC_ARENA_MAX: '8' }), {});
  assert.deepEqual(memoryEnvFor('dashboard', {}), {});
  assert.deepEqual(memoryEnvFor(undefined, {}), {});
});

test('a verb starts with its flags and environment together: worker both, dashboard neither', () => {
  assert.deepEqual(startSettingsFor('worker', {}), { flags: ['--max-old-space-size=1024', '--max-semi-space-size=16'], env: { MALLOC_ARENA_MAX: '2' } });
  assert.deepEqual(startSettingsFor('dashboard', {}), { flags: [], env: {} });
});
