import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImmutableCache } from '../../src/activities/lake-cache.ts';

describe('ImmutableCache', () => {
  it('loads a key once and serves it from memory after', async () => {
    const cache = new ImmutableCache<number>(4);
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get('a', load), 1);
    assert.equal(await cache.get('a', load), 1);
    assert.equal(loads, 1);
  });

  it('evicts the least recently used entry beyond its entry count', async () => {
    const cache = new ImmutableCache<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    await cache.get('a', async () => 'reloaded');
    cache.set('c', 'C');
    assert.equal(await cache.get('b', async () => 'reloaded b'), 'reloaded b', 'b was the least recently used');
    assert.equal(await cache.get('a', async () => 'reloaded a'), 'reloaded a', 'then a went to make room for b');
  });

  it('evicts by weight (rows) too, but always keeps the newest entry however heavy', async () => {
    const cache = new ImmutableCache<number[]>(100, 5, (rows) => rows.length);
    cache.set('a', [1, 2, 3]);
    cache.set('b', [1, 2]);
    assert.equal(cache.size, 2);
    cache.set('c', [1]);
    assert.equal(cache.size, 2, 'a (3 rows) left so that b and c (3 rows) fit in 5');
    cache.set('huge', [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(cache.size, 1);
    assert.deepEqual(await cache.get('huge', async () => []), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('replaces an entry written again without counting its weight twice', () => {
    const cache = new ImmutableCache<number[]>(100, 4, (rows) => rows.length);
    cache.set('a', [1, 2]);
    cache.set('a', [1, 2]);
    cache.set('b', [1, 2]);
    assert.equal(cache.size, 2);
  });
});
