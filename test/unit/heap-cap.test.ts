import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerHeapArgs, workerHeapMb } from '../../src/workers/heap-cap.ts';

test('the worker starts with the configured heap cap, the default when unset', () => {
  assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: '512' }), ['--max-old-space-size=512']);
  assert.deepEqual(workerHeapArgs({}), ['--max-old-space-size=1024']);
});

test("an operator's own --max-old-space-size wins, in node's flags or NODE_OPTIONS", () => {
  assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: '512' }, ['--max-old-space-size=2048']), []);
  assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: '512', NODE_OPTIONS: '--enable-source-maps --max-old-space-size=2048' }), []);
  assert.deepEqual(workerHeapArgs({ NODE_OPTIONS: '--max_old_space_size=700' }), []);
});

test('an invalid value gives no flag: the config check then stops the worker naming WORKER_HEAP_MB', () => {
  for (const bad of ['', 'lots', '-5', '0', '1.5']) {
    assert.equal(workerHeapMb({ WORKER_HEAP_MB: bad }), undefined, bad);
    assert.deepEqual(workerHeapArgs({ WORKER_HEAP_MB: bad }), [], bad);
  }
});
