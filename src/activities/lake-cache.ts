// Reads lake objects that never change once written (every key is derived from its batch and
// always holds the same bytes), so a small in-process cache is safe and saves the stages of one
// batch from parsing the same Parquet and state files again.
//
// Bounded by entries and by weight (rows, for Parquet parts): the cache only has to bridge the
// stages of the batches in flight, and with large batches a count of entries alone let it hold
// hundreds of MB of rows the worker never reads again (docs/benchmarks.md, Pipeline).

export class ImmutableCache<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight = Infinity,
    private readonly weightOf: (value: V) => number = () => 1,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key); // move to the back: least recently used goes first
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = await load();
    this.set(key, value);
    return value;
  }

  /** The cached value, if any, without loading it (and without changing the eviction order). */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Remembers a value just written, so the next stage need not read it back. */
  set(key: string, value: V): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.weight -= old.weight;
    }
    const weight = this.weightOf(value);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    // Evict least recently used first, but always keep the newest entry.
    while (this.entries.size > 1 && (this.entries.size > this.maxEntries || this.weight > this.maxWeight)) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
