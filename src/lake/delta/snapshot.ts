// A Delta table's state at a version, by replaying its commits in order (the protocol's action
// reconciliation): the newest protocol and metaData win, an `add` puts a file in the table (a
// later `add` of the same path replaces it), a `remove` takes it out and leaves a tombstone (what
// a checkpoint keeps and VACUUM deletes), and `txn` keeps the highest version per application.
// Pure: log-io.ts reads the commit files and checkpoints.
import { PersistentMap } from './persistent-map.ts';
import type { AddAction, DeltaAction, MetadataAction, ProtocolAction, RemoveAction } from './protocol.ts';

export interface DeltaSnapshot {
  /** The newest version replayed; -1 for a table with no commit yet. */
  version: number;
  protocol?: ProtocolAction;
  metadata?: MetadataAction;
  /** The table's data files, by their path in the log (shared with the snapshots before and after it). */
  files: PersistentMap<string, AddAction>;
  /** Highest version written per application id (`<topic>-<partition>`: a batch's end offset). */
  txns: Map<string, number>;
  /** Files taken out of the table and not added again, by path: their bytes stay until VACUUM. */
  tombstones: PersistentMap<string, RemoveAction>;
}

export function emptySnapshot(): DeltaSnapshot {
  return { version: -1, files: PersistentMap.empty(), txns: new Map(), tombstones: PersistentMap.empty() };
}

/** Applies the actions of commit `version` (the next one) to the snapshot, in place (its file maps are replaced, not changed). */
export function applyCommit(snapshot: DeltaSnapshot, version: number, actions: readonly DeltaAction[]): DeltaSnapshot {
  if (version !== snapshot.version + 1) throw new RangeError(`commit ${version} does not follow version ${snapshot.version}`);
  const files = snapshot.files.edit();
  const tombstones = snapshot.tombstones.edit();
  for (const action of actions) {
    if ('protocol' in action) snapshot.protocol = action.protocol;
    else if ('metaData' in action) snapshot.metadata = action.metaData;
    else if ('add' in action) {
      files.set(action.add.path, action.add);
      tombstones.delete(action.add.path);
    } else if ('remove' in action) {
      files.delete(action.remove.path);
      tombstones.set(action.remove.path, action.remove);
    } else if ('txn' in action) snapshot.txns.set(action.txn.appId, Math.max(action.txn.version, snapshot.txns.get(action.txn.appId) ?? -1));
  }
  snapshot.files = files.done();
  snapshot.tombstones = tombstones.done();
  snapshot.version = version;
  return snapshot;
}

/** A copy that later commits can be applied to without changing this one (the file maps are shared, not copied). */
export function copySnapshot(snapshot: DeltaSnapshot): DeltaSnapshot {
  return { ...snapshot, txns: new Map(snapshot.txns) };
}

/**
 * The tombstones removed at or before `expiredUpToMs` taken out (the protocol's tombstone expiry: a
 * `remove` stays in the state until `delta.deletedFileRetentionDuration` has passed, then it is
 * dropped from the state and from checkpoints, as `checkpointActions` does). Returns the same map
 * when none has expired. O(tombstones): the caller runs it now and then, not per commit (DeltaLog).
 */
export function expireTombstones(tombstones: PersistentMap<string, RemoveAction>, expiredUpToMs: number): PersistentMap<string, RemoveAction> {
  let editor: ReturnType<PersistentMap<string, RemoveAction>['edit']> | undefined;
  for (const [path, remove] of tombstones) {
    if (remove.deletionTimestamp > expiredUpToMs) continue;
    editor ??= tombstones.edit();
    editor.delete(path);
  }
  return editor ? editor.done() : tombstones;
}

/** The time a commit states it was made (its commitInfo's); undefined without one. */
export function commitTimestampOf(actions: readonly DeltaAction[]): number | undefined {
  for (const action of actions) if ('commitInfo' in action && typeof action.commitInfo.timestamp === 'number') return action.commitInfo.timestamp;
  return undefined;
}
