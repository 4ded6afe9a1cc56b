// The worker's partition states (docs/design.md §4). For each partition it holds a hot store, at the
// offset where its latest batch left it, so in steady state a batch reads its slice and applies its
// delta locally and loads nothing from the lake. A batch the store is behind catches up from the
// lake's deltas; a batch before it (replay, backfill) gets a separate cold store rebuilt from a
// snapshot and deltas. All stores share one memory budget (each store's SQLite page cache).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { CorruptStateError, type PartitionState, type StateDelta, type StateKeys } from '../domain/state.ts';
import { encodeDelta } from '../domain/state-codec.ts';
import { stateDeltaKey, stateSnapshotKey } from '../lake/keys.ts';
import type { LakeStore } from '../lake/store.ts';
import { PartitionStateStore, type SliceConfig } from './partition-store.ts';
import { readCheckpointAsDelta, readDelta, StateListing, type RebuildPlan } from './state-log.ts';

export interface PartitionStatesOptions {
  lake: LakeStore;
  /** Folder for this process's store files (emptied at start: they are caches of the lake). */
  dir: string;
  /** Page cache of all stores together (STATE_MEMORY_MB). */
  memoryMb: number;
  slice: SliceConfig;
  /** Snapshot after this many deltas or bytes of deltas since the last one. */
  snapshotEveryBatches: number;
  snapshotEveryBytes: number;
  /** Called while a long rebuild runs (the activity heartbeats). */
  onProgress?: () => void;
}

/** Deltas fetched at once while catching up. */
const FETCH_CONCURRENCY = 8;

interface Held {
  store: PartitionStateStore;
  /** Deltas applied since the state was last known to be in a snapshot: decides when to take one. */
  sinceSnapshot: { batches: number; bytes: number };
}

export interface AdvanceResult {
  deltaKey: string;
  deltaBytes: number;
  /** Enough deltas since the last snapshot: the caller should have one written. */
  snapshotDue: boolean;
}

export class PartitionStates {
  private readonly hot = new Map<number, Held>();
  private readonly cold = new Map<number, Held>();
  private readonly locks = new Map<number, Promise<unknown>>();

  constructor(private readonly options: PartitionStatesOptions) {
    rmSync(options.dir, { recursive: true, force: true });
    mkdirSync(options.dir, { recursive: true });
  }

  /** The slice of the state before `offset` that a batch with these keys reads. */
  async slice(partition: number, offset: number, firstBatch: boolean, keys: StateKeys): Promise<PartitionState> {
    return this.locked(partition, async () => (await this.storeAt(partition, offset, firstBatch)).store.slice(keys, this.options.slice));
  }

  /**
   * Writes the batch's delta to the lake (its key and bytes follow from the batch, so a retry
   * writes the same object) and moves the local store past it.
   */
  async advance(delta: StateDelta): Promise<AdvanceResult> {
    const bytes = encodeDelta(delta);
    const deltaKey = stateDeltaKey(delta.partition, delta.fromOffset, delta.toOffset, delta.first);
    return this.locked(delta.partition, async () => {
      const held = await this.storeAt(delta.partition, delta.fromOffset, delta.first);
      await this.options.lake.put(deltaKey, bytes, 'application/gzip');
      held.store.apply(delta, this.options.slice.dedupWindowMs);
      held.sinceSnapshot.batches += 1;
      held.sinceSnapshot.bytes += bytes.byteLength;
      const due = held.sinceSnapshot.batches >= this.options.snapshotEveryBatches || held.sinceSnapshot.bytes >= this.options.snapshotEveryBytes;
      if (due) held.sinceSnapshot = { batches: 0, bytes: 0 };
      return { deltaKey, deltaBytes: bytes.byteLength, snapshotDue: due };
    });
  }

  /**
   * Writes the state before `offset` to the lake as a snapshot, built apart from the hot store
   * (off the batches' path): the newest snapshot before it plus the deltas since. Returns the key
   * and the counts it holds.
   */
  async writeSnapshot(partition: number, offset: number): Promise<{ key: string; bytes: number; ids: number; customers: number }> {
    const listing = await StateListing.read(this.options.lake, partition);
    const plan = listing.plan(offset);
    const store = await this.build(plan, 'snapshot');
    try {
      const key = stateSnapshotKey(partition, offset, store.meta.arrivalWatermarkTs);
      const counts = store.counts();
      store.checkpointFile();
      store.close();
      await this.options.lake.putFile(key, store.file, 'application/vnd.sqlite3');
      return { key, bytes: statSync(store.file).size, ...counts };
    } finally {
      removeStoreFile(store);
    }
  }

  /** Sizes of the hot stores, for the worker's metrics. */
  hotCounts(): { partition: number; offset: number; ids: number; customers: number }[] {
    return [...this.hot].map(([partition, held]) => ({ partition, offset: held.store.offset, ...held.store.counts() }));
  }

  close(): void {
    for (const held of [...this.hot.values(), ...this.cold.values()]) removeStoreFile(held.store);
    this.hot.clear();
    this.cold.clear();
  }

  /** A store standing before `offset`: the hot one, caught up if it is behind, or a cold one for the past. */
  private async storeAt(partition: number, offset: number, firstBatch: boolean): Promise<Held> {
    const hot = this.hot.get(partition);
    if (hot?.store.offset === offset) return hot;
    const cold = this.cold.get(partition);
    if (cold?.store.offset === offset) return cold;

    // Where it goes: the newest state is hot; anything older than the hot store is cold.
    const slot = !hot || hot.store.offset < offset ? this.hot : this.cold;
    const current = slot.get(partition);

    let held: Held;
    if (firstBatch) {
      held = { store: this.createStore(partition, offset, 'first'), sinceSnapshot: { batches: 0, bytes: 0 } };
    } else {
      const listing = await StateListing.read(this.options.lake, partition);
      const behind = current && current.store.offset < offset ? current.store.offset : undefined;
      const plan = listing.plan(offset, behind);
      if (plan.base === undefined && plan.fromOffset === behind && current) {
        await this.applyAll(current.store, plan);
        current.sinceSnapshot.batches += plan.deltas.length;
        return current;
      }
      held = { store: await this.build(plan, slot === this.hot ? 'hot' : 'cold'), sinceSnapshot: { batches: plan.deltas.length, bytes: 0 } };
    }
    if (current) removeStoreFile(current.store);
    slot.set(partition, held);
    this.shareBudget();
    return held;
  }

  /** A new store at the plan's offset: its base (downloaded snapshot, old checkpoint, or empty) plus its deltas. */
  private async build(plan: RebuildPlan, purpose: string): Promise<PartitionStateStore> {
    const { lake } = this.options;
    const file = this.fileFor(plan.partition, purpose);
    let store: PartitionStateStore;
    if (plan.base?.kind === 'snapshot') {
      if (!(await lake.getFile(plan.base.key, file))) throw new CorruptStateError(`snapshot ${plan.base.key} is missing (it was listed a moment ago)`);
      store = PartitionStateStore.open(file, this.budgetPerStore(1), `snapshot ${plan.base.key}`);
      if (store.meta.partition !== plan.partition || store.offset !== plan.base.offset) {
        store.close();
        throw new CorruptStateError(`snapshot ${plan.base.key} holds offset ${store.offset} of partition ${store.meta.partition}, not what its key says`);
      }
    } else {
      store = PartitionStateStore.create(file, plan.partition, plan.fromOffset, this.budgetPerStore(1));
      if (plan.base?.kind === 'checkpoint') store.apply(await readCheckpointAsDelta(lake, plan.base), this.options.slice.dedupWindowMs);
    }
    try {
      await this.applyAll(store, plan);
    } catch (error) {
      removeStoreFile(store);
      throw error;
    }
    return store;
  }

  private async applyAll(store: PartitionStateStore, plan: RebuildPlan): Promise<void> {
    for (let i = 0; i < plan.deltas.length; i += FETCH_CONCURRENCY) {
      const deltas = await Promise.all(plan.deltas.slice(i, i + FETCH_CONCURRENCY).map((d) => readDelta(this.options.lake, d)));
      for (const delta of deltas) store.apply(delta, this.options.slice.dedupWindowMs);
      this.options.onProgress?.();
    }
  }

  private createStore(partition: number, offset: number, purpose: string): PartitionStateStore {
    return PartitionStateStore.create(this.fileFor(partition, purpose), partition, offset, this.budgetPerStore(1));
  }

  private fileFor(partition: number, purpose: string): string {
    return path.join(this.options.dir, `p${partition}-${purpose}-${randomBytes(4).toString('hex')}.sqlite`);
  }

  private budgetPerStore(extra: number): number {
    return this.options.memoryMb / Math.max(1, this.hot.size + this.cold.size + extra);
  }

  private shareBudget(): void {
    const each = this.budgetPerStore(0);
    for (const held of [...this.hot.values(), ...this.cold.values()]) held.store.setCacheMb(each);
  }

  /** Runs one partition's store operations one at a time (activities of a partition may overlap). */
  private async locked<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(partition) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.locks.set(partition, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(partition) === tail) this.locks.delete(partition);
    }
  }
}

function removeStoreFile(store: PartitionStateStore): void {
  store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${store.file}${suffix}`, { force: true });
}
