// Partition state across batches (docs/design.md §4): batch [start, end] reads the state before
// `start` and writes the delta that leaves the state before end+1 — the offset the bridge commits —
// so the next batch finds it whatever the offset gaps. Snapshots and their garbage collection run
// in their own workflow, off the batches' path.
import { advanceState } from '../domain/partition-walk.ts';
import { stateDelta } from '../domain/state-delta.ts';
import { stateHolderKey, stateKey } from '../lake/keys.ts';
import { deltaEndsAt, StateListing } from '../state-store/state-log.ts';
import { collectableStateObjects } from '../state-store/retention.ts';
import { notCompletedInPartitionQuery, predecessorQuery } from '../temporal/batch-queries.ts';
import type { BatchRef, CheckpointResult, CheckpointStatus, StateSnapshotInput, StateSnapshotResult } from '../contract/batch.ts';
import type { BatchIo, SilverRows } from './batch-io.ts';
import { alertPolicyOf, type ActivityDeps } from './deps.ts';

/**
 * The checkpoint stage: the partition state after the batch, as a delta written to the lake (the
 * batch's last write), shared by the writeCheckpoint activity and derive.ts. One per worker: it
 * remembers which partitions' holder hint it wrote.
 */
export function createStateAdvance(deps: ActivityDeps, io: BatchIo) {
  /** Partitions whose holder hint this worker wrote last. */
  const hintWritten = new Map<number, string>();
  return async function advancePartitionState(ref: BatchRef, { state: before, orders, items, step }: SilverRows): Promise<CheckpointResult> {
    const first = ref.firstBatch === true;
    const after = advanceState(before, orders, items, { dedupWindowMs: deps.config.DEDUP_WINDOW_HOURS * 3_600_000, rules: deps.rules, alertPolicy: alertPolicyOf(deps.config) }, step);
    const delta = stateDelta(before, after, { partition: ref.partition, fromOffset: ref.startOffset, toOffset: ref.endOffset + 1, first }, orders, items);
    const { deltaBytes, snapshotDue } = await io.states.advance(delta);
    // Say once that this worker holds the partition (not on every batch: in steady state nobody else writes it).
    if (deps.stateTaskQueue && hintWritten.get(ref.partition) !== deps.stateTaskQueue) {
      const hint = JSON.stringify({ stateQueue: deps.stateTaskQueue });
      await deps.lake.put(stateHolderKey(ref.partition), new TextEncoder().encode(hint), 'application/json');
      hintWritten.set(ref.partition, deps.stateTaskQueue);
    }
    return { deltaBytes, snapshotDue, stateQueue: deps.stateTaskQueue };
  };
}

export type StateAdvance = ReturnType<typeof createStateAdvance>;

export function createCheckpointActivities(deps: ActivityDeps, io: BatchIo, advance: StateAdvance) {
  const { states } = io;
  return {
    /**
     * Whether the partition's state before this batch exists, and which worker holds it hot.
     * `findBlocker: false` skips naming the predecessor: that is a visibility query, costly on the
     * server, and a batch of a backlog asks many times a second while its predecessor is simply
     * still running.
     */
    async checkpointStatus(ref: BatchRef & { firstBatch: boolean; findBlocker?: boolean }): Promise<CheckpointStatus> {
      const { partition, startOffset } = ref;
      // An old whole-state checkpoint counts too: that is how a partition upgrades to deltas.
      const ready = ref.firstBatch || (await deltaEndsAt(deps.lake, partition, startOffset)) || (await deps.lake.exists(stateKey(partition, startOffset)));
      if (ready) return { ready: true, stateQueue: await readOwnerHint(deps, partition) };
      return { ready: false, blockedBy: ref.findBlocker === false ? undefined : await findPredecessor(deps, ref) };
    },

    /** This worker's own task queue: the batch sends its stages there so they find the state hot. */
    async stateTaskQueue(): Promise<string | undefined> {
      return deps.stateTaskQueue;
    },

    async writeCheckpoint(ref: BatchRef & { silverKeys: string[]; itemKeys: string[] }): Promise<CheckpointResult> {
      return advance(ref, await io.readSilver(ref));
    },

    /** Writes the partition's state before `offset` as a snapshot, then deletes what no replayable batch needs any more. */
    async writeStateSnapshot(input: StateSnapshotInput): Promise<StateSnapshotResult> {
      const snapshot = await states.writeSnapshot(input.partition, input.offset);
      const listing = await StateListing.read(deps.lake, input.partition);
      const oldestNeeded = await oldestUnfinishedStart(deps, input.topic, input.partition);
      const garbage = collectableStateObjects(listing, deps.config.STATE_RETENTION_HOURS * 3_600_000, oldestNeeded);
      for (const key of garbage) await deps.lake.delete(key);
      deps.log.info({ partition: input.partition, offset: input.offset, bytes: snapshot.bytes, ids: snapshot.ids, customers: snapshot.customers, deleted: garbage.length }, 'state snapshot written');
      return { ...snapshot, deletedObjects: garbage.length };
    },
  };
}

async function readOwnerHint(deps: ActivityDeps, partition: number): Promise<string | undefined> {
  const bytes = await deps.lake.get(stateHolderKey(partition));
  if (!bytes) return undefined;
  try {
    const hint = JSON.parse(new TextDecoder().decode(bytes)) as { stateQueue?: unknown };
    return typeof hint.stateQueue === 'string' ? hint.stateQueue : undefined;
  } catch {
    return undefined; // only a hint: any worker can rebuild the state
  }
}

/** The batch that ends right before this one, found through its search attributes. */
async function findPredecessor(deps: ActivityDeps, ref: BatchRef): Promise<string | undefined> {
  const query = predecessorQuery(ref.topic, ref.partition, ref.startOffset);
  for await (const execution of deps.temporal.workflow.list({ query, pageSize: 1 })) {
    return execution.workflowId;
  }
  return undefined;
}

/** The lowest start offset of the partition's batches that did not complete (running or failed: replay needs their state). */
async function oldestUnfinishedStart(deps: ActivityDeps, topic: string, partition: number): Promise<number | undefined> {
  const query = notCompletedInPartitionQuery(topic, partition);
  let oldest: number | undefined;
  for await (const execution of deps.temporal.workflow.list({ query, pageSize: 1000 })) {
    const start = Number(execution.workflowId.slice(`${topic}-${partition}-`.length));
    if (Number.isSafeInteger(start)) oldest = oldest === undefined ? start : Math.min(oldest, start);
  }
  return oldest;
}
