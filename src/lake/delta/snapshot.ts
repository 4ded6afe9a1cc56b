// A Delta table's state at a version, by replaying its commits in order (the protocol's action
// reconciliation): the newest protocol and metaData win, an `add` puts a file in the table (a
// later `add` of the same path replaces it), a `remove` takes it out and leaves a tombstone (what
// a checkpoint keeps and VACUUM deletes), and `txn` keeps the highest version per application.
// Pure: log-io.ts reads the commit files and checkpoints.
import type { AddAction, DeltaAction, MetadataAction, ProtocolAction, RemoveAction } from './protocol.ts';

export interface DeltaSnapshot {
  /** The newest version replayed; -1 for a table with no commit yet. */
  version: number;
  protocol?: ProtocolAction;
  metadata?: MetadataAction;
  /** The table's data files, by their path in the log. */
  files: Map<string, AddAction>;
  /** Highest version written per application id (`<topic>-<partition>`: a batch's end offset). */
  txns: Map<string, number>;
  /** Files taken out of the table and not added again, by path: their bytes stay until VACUUM. */
  tombstones: Map<string, RemoveAction>;
}

export function emptySnapshot(): DeltaSnapshot {
  return { version: -1, files: new Map(), txns: new Map(), tombstones: new Map() };
}

/** Applies the actions of commit `version` (the next one) to the snapshot, in place. */
export function applyCommit(snapshot: DeltaSnapshot, version: number, actions: readonly DeltaAction[]): DeltaSnapshot {
  if (version !== snapshot.version + 1) throw new RangeError(`commit ${version} does not follow version ${snapshot.version}`);
  for (const action of actions) {
    if ('protocol' in action) snapshot.protocol = action.protocol;
    else if ('metaData' in action) snapshot.metadata = action.metaData;
    else if ('add' in action) {
      snapshot.files.set(action.add.path, action.add);
      snapshot.tombstones.delete(action.add.path);
    } else if ('remove' in action) {
      snapshot.files.delete(action.remove.path);
      snapshot.tombstones.set(action.remove.path, action.remove);
    }
    else if ('txn' in action) snapshot.txns.set(action.txn.appId, Math.max(action.txn.version, snapshot.txns.get(action.txn.appId) ?? -1));
  }
  snapshot.version = version;
  return snapshot;
}

/** A copy that later commits can be applied to without changing this one. */
export function copySnapshot(snapshot: DeltaSnapshot): DeltaSnapshot {
  return { ...snapshot, files: new Map(snapshot.files), txns: new Map(snapshot.txns), tombstones: new Map(snapshot.tombstones) };
}
