// The durable log of a partition's state in the lake (docs/design.md §4): per-batch deltas, SQLite
// snapshots, and the whole-state checkpoints of older versions. The state before offset X is the
// newest base at or before X (a snapshot, an old checkpoint, or nothing before the partition's first
// batch) plus the chain of deltas from it to X. A chain that cannot be walked is an error that
// names the missing or corrupt object: the pipeline never starts from empty state by accident.
import { decodeDelta, parseState } from '../domain/state-codec.ts';
import { CorruptStateError, type StateDelta } from '../domain/state.ts';
import { parseStateObjectKey, stateDeltaPrefix, statePrefix, type StateObject } from '../lake/keys.ts';
import type { LakeStore } from '../lake/store.ts';

type DeltaObject = Extract<StateObject, { kind: 'delta' }>;
type SnapshotObject = Extract<StateObject, { kind: 'snapshot' }>;
type BaseObject = Extract<StateObject, { kind: 'snapshot' | 'checkpoint' }>;

/** How to reach the state before `offset`: a base, then deltas in order. */
export interface RebuildPlan {
  partition: number;
  offset: number;
  /** undefined: start from the store the caller already holds (at `fromOffset`) or, for a first batch's chain, from empty. */
  base: BaseObject | undefined;
  fromOffset: number;
  deltas: DeltaObject[];
}

/** Every state object of a partition, indexed for chain walks. One listing. */
export class StateListing {
  readonly deltasByTo = new Map<number, DeltaObject>();
  readonly snapshots = new Map<number, SnapshotObject>();
  readonly checkpoints = new Map<number, Extract<StateObject, { kind: 'checkpoint' }>>();

  constructor(
    readonly partition: number,
    keys: readonly string[],
  ) {
    for (const key of keys) {
      const object = parseStateObjectKey(key);
      if (!object || object.partition !== partition) continue;
      if (object.kind === 'delta') this.deltasByTo.set(object.toOffset, object);
      else if (object.kind === 'snapshot') this.snapshots.set(object.offset, object);
      else this.checkpoints.set(object.offset, object);
    }
  }

  static async read(lake: LakeStore, partition: number): Promise<StateListing> {
    return new StateListing(partition, await lake.list(statePrefix(partition)));
  }

  /**
   * The way to the state before `offset`, walking deltas back until a base, the offset `heldOffset`
   * of a store the caller holds, or the partition's first delta. Throws CorruptStateError when the
   * chain breaks.
   */
  plan(offset: number, heldOffset?: number): RebuildPlan {
    const deltas: DeltaObject[] = [];
    for (let at = offset; ; ) {
      if (at === heldOffset) return { partition: this.partition, offset, base: undefined, fromOffset: at, deltas: deltas.reverse() };
      const base = this.snapshots.get(at) ?? this.checkpoints.get(at);
      if (base) return { partition: this.partition, offset, base, fromOffset: at, deltas: deltas.reverse() };
      const delta = this.deltasByTo.get(at);
      if (!delta) {
        const wanted = deltas.length === 0 ? `the state before offset ${offset}` : `the state before offset ${at} (needed to rebuild offset ${offset})`;
        throw new CorruptStateError(
          `${wanted} of partition ${this.partition} is missing: no snapshot, checkpoint or delta ends there under ${statePrefix(this.partition)}`,
        );
      }
      deltas.push(delta);
      if (delta.first) return { partition: this.partition, offset, base: undefined, fromOffset: delta.fromOffset, deltas: deltas.reverse() };
      at = delta.fromOffset;
    }
  }

  /** Offsets the partition's state can be rebuilt at without a first batch: where deltas end, snapshots and checkpoints. */
  get earliestOffset(): number | undefined {
    const all = [...this.deltasByTo.values()].map((d) => d.fromOffset).concat([...this.snapshots.keys(), ...this.checkpoints.keys()]);
    return all.length === 0 ? undefined : Math.min(...all);
  }

  /** Start offsets of the partition's first batches (a `.first` delta starts there). */
  get firstBatchStarts(): Set<number> {
    return new Set([...this.deltasByTo.values()].filter((d) => d.first).map((d) => d.fromOffset));
  }
}

/** Whether the delta that leaves the state before `offset` exists (the batch before has finished its state). */
export async function deltaEndsAt(lake: LakeStore, partition: number, offset: number): Promise<boolean> {
  return (await lake.list(stateDeltaPrefix(partition, offset))).length > 0;
}

/** Reads one delta; a missing or unreadable one is a CorruptStateError naming the object. */
export async function readDelta(lake: LakeStore, object: DeltaObject): Promise<StateDelta> {
  const bytes = await lake.get(object.key);
  if (!bytes) throw new CorruptStateError(`delta ${object.key} is missing (it was listed a moment ago)`);
  let delta: StateDelta;
  try {
    delta = decodeDelta(bytes);
  } catch (error) {
    throw new CorruptStateError(`delta ${object.key} is unreadable: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (delta.partition !== object.partition || delta.fromOffset !== object.fromOffset || delta.toOffset !== object.toOffset || delta.first !== object.first) {
    throw new CorruptStateError(`delta ${object.key} holds [${delta.fromOffset}, ${delta.toOffset}) of partition ${delta.partition}, not what its key says`);
  }
  return delta;
}

/** Reads an old whole-state checkpoint as a delta from empty state (how a partition upgrades). */
export async function readCheckpointAsDelta(lake: LakeStore, object: BaseObject): Promise<StateDelta> {
  const bytes = await lake.get(object.key);
  if (!bytes) throw new CorruptStateError(`checkpoint ${object.key} is missing (it was listed a moment ago)`);
  let state;
  try {
    state = parseState(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new CorruptStateError(`checkpoint ${object.key} is unreadable: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return { ...state, partition: object.partition, fromOffset: object.offset, toOffset: object.offset, first: true };
}
