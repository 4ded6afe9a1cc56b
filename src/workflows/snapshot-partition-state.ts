// A snapshot of one partition's state (docs/design.md §4), started by the batch whose delta made
// one due and left running when that batch ends: the batches of the partition never wait for it.
// It writes the state before `offset` as one SQLite file, then deletes the snapshots and deltas
// that retention and unfinished batches no longer need.
import { snapshots } from './batch-stages.ts';
import type { StateSnapshotInput, StateSnapshotResult } from '../contract/batch.ts';

export async function snapshotPartitionState(input: StateSnapshotInput): Promise<StateSnapshotResult> {
  return snapshots.writeStateSnapshot(input);
}
