// A map whose changed copies share structure with the original (immutable-js's OrderedMap behind
// a Map-like face). A table's snapshot holds one entry per data file: a day of small batches is
// 10^5 files, and copying a JavaScript Map that size for every commit took ~100 ms, several times
// per table per commit round (docs/benchmarks.md, "Delta log at a day's files"). Here a new
// version costs the entries it changes. Iteration is in insertion order, as a Map's.
import { OrderedMap } from 'immutable';

/** Changes to a PersistentMap, made in place; `done()` gives the new map (the original never changes). */
export interface MapEditor<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): void;
  delete(key: K): void;
  done(): PersistentMap<K, V>;
}

export class PersistentMap<K, V> implements Iterable<[K, V]> {
  private constructor(private readonly inner: OrderedMap<K, V>) {}

  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap(OrderedMap<K, V>());
  }

  static of<K, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    const editor = PersistentMap.empty<K, V>().edit();
    for (const [key, value] of entries) editor.set(key, value);
    return editor.done();
  }

  get size(): number {
    return this.inner.size;
  }

  get(key: K): V | undefined {
    return this.inner.get(key);
  }

  has(key: K): boolean {
    return this.inner.has(key);
  }

  keys(): IterableIterator<K> {
    return this.inner.keys();
  }

  values(): IterableIterator<V> {
    return this.inner.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.inner.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.inner.entries();
  }

  /** An editor for a new map that starts as this one; this one is not changed. */
  edit(): MapEditor<K, V> {
    const mutable = this.inner.asMutable();
    return {
      get: (key) => mutable.get(key),
      has: (key) => mutable.has(key),
      set: (key, value) => void mutable.set(key, value),
      delete: (key) => void mutable.delete(key),
      done: () => new PersistentMap(mutable.asImmutable()),
    };
  }
}
