// Reads lake objects that never change once written (every key is derived from its batch and
// always holds the same bytes), so a small in-process cache is safe and saves the stages of one
// batch from parsing the same Parquet and state files again.

export class ImmutableCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key); // move to the back: least recently used goes first
      this.entries.set(key, hit);
      return hit;
    }
    const value = await load();
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  /** Remembers a value just written, so the next stage need not read it back. */
  set(key: string, value: V): void {
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
