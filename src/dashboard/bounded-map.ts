// A Map with a budget: each value has a weight (a part's row count, or 1), and once the weights
// add up to more than the budget the oldest entries (insertion order; re-setting a key makes it
// the newest) are evicted, each handed to `onEvict` so that whatever was derived from it can be
// dropped or counted. The dashboard runs for weeks against a growing lake (docs/dashboard.md, memory).

export class BoundedMap<K, V> extends Map<K, V> {
  private weight = 0;
  /** Entries evicted since the last clear(). */
  evicted = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    super();
  }

  /** The weights of the entries held. */
  get totalWeight(): number {
    return this.weight;
  }

  override set(key: K, value: V): this {
    this.delete(key);
    super.set(key, value);
    this.weight += this.weigh(value);
    // The entry just set stays even when it alone is over the budget: the newest data is the page's.
    for (const [oldKey, oldValue] of super.entries()) {
      if (this.weight <= this.maxWeight || oldKey === key) break;
      super.delete(oldKey);
      this.weight -= this.weigh(oldValue);
      this.evicted++;
      this.onEvict?.(oldKey, oldValue);
    }
    return this;
  }

  override delete(key: K): boolean {
    if (!super.has(key)) return false;
    this.weight -= this.weigh(super.get(key) as V);
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.weight = 0;
    this.evicted = 0;
  }
}

/** The weight of a part: its rows. */
export const rowCount = (rows: readonly unknown[]): number => rows.length;
