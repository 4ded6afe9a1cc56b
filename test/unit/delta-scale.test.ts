// What keeps the Delta log's cost per commit round flat as a table grows: snapshots that share
// their file maps, and a checkpoint cadence that stretches for big tables.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCommit, checkpointDueAt, copySnapshot, emptySnapshot, type AddAction } from '../../src/lake/delta/index.ts';
import { PersistentMap } from '../../src/lake/delta/persistent-map.ts';

const add = (path: string, size = 1): { add: AddAction } => ({ add: { path, partitionValues: {}, size, modificationTime: 0, dataChange: true } });

describe('PersistentMap', () => {
  it('iterates in insertion order like a Map, keeps a re-set key in its place, and never changes an old version', () => {
    const one = PersistentMap.of([['b', 1], ['a', 2], ['c', 3]] as [string, number][]);
    const editor = one.edit();
    editor.set('a', 20);
    editor.delete('b');
    editor.set('d', 4);
    const two = editor.done();
    assert.deepEqual([...one], [['b', 1], ['a', 2], ['c', 3]]);
    assert.deepEqual([...two], [['a', 20], ['c', 3], ['d', 4]]);
    const same = new Map([['b', 1], ['a', 2], ['c', 3]]);
    same.set('a', 20);
    same.delete('b');
    same.set('d', 4);
    assert.deepEqual([...two], [...same]);
    assert.equal(two.size, 3);
    assert.equal(one.get('b'), 1);
    assert.equal(two.has('b'), false);
    assert.deepEqual([...two.keys()], ['a', 'c', 'd']);
  });
});

describe('snapshots', () => {
  it('a copy stays as it was when later commits are applied to the original', () => {
    const v0 = applyCommit(emptySnapshot(), 0, [add('a'), add('b'), { txn: { appId: 'orders-0', version: 9 } }]);
    const kept = copySnapshot(v0);
    applyCommit(v0, 1, [{ remove: { path: 'a', deletionTimestamp: 5, dataChange: true } }, add('c'), { txn: { appId: 'orders-0', version: 19 } }]);
    assert.deepEqual([...kept.files.keys()], ['a', 'b']);
    assert.equal(kept.tombstones.size, 0);
    assert.equal(kept.txns.get('orders-0'), 9);
    assert.equal(kept.version, 0);
    assert.deepEqual([...v0.files.keys()], ['b', 'c']);
    assert.deepEqual([...v0.tombstones.keys()], ['a']);
    assert.equal(v0.txns.get('orders-0'), 19);
  });
});

describe('checkpointDueAt', () => {
  it('checkpoints every `interval` versions while a table is small', () => {
    const due = Array.from({ length: 40 }, (_, v) => v).filter((v) => checkpointDueAt(v, 5_000, 10));
    assert.deepEqual(due, [10, 20, 30]);
  });

  it('stretches the interval by powers of two so a checkpoint rewrites at most ~1,000 files per version', () => {
    const every = (files: number): number => Array.from({ length: 2_000 }, (_, v) => v + 1).find((v) => checkpointDueAt(v, files, 10))!;
    assert.equal(every(10_000), 10);
    assert.equal(every(25_000), 40);
    assert.equal(every(250_000), 320);
    // A table that grows past a step still meets the next checkpoint: the longer intervals are multiples of the shorter.
    assert.ok(checkpointDueAt(640, 250_000, 10) && checkpointDueAt(640, 10_000, 10));
    assert.equal(checkpointDueAt(0, 0, 10), false);
  });
});
