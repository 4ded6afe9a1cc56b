// Commit requests to a topic's Delta committer workflow (docs/design.md §12, "Delta commits").
// Plain data: the lake keys a batch wrote, never its rows. Kept apart from batch.ts so the
// committer's contract can move on its own.

/** What a batch asks the committer to make visible. */
export interface DeltaCommitRequest {
  /** Workflow id told `deltaCommitted` once the request is in the tables (the batch, or a backfill child). */
  requester: string;
  partition: number;
  startOffset: number;
  endOffset: number;
  /** Every data file the batch wrote (bronze, silver, quarantine, gold parts). */
  keys: string[];
  /**
   * A backfill's re-derivation (docs/design.md §12): the batches listed in the manifests under
   * `manifestPrefix` are re-added whole (their bytes may have changed), and the files the table
   * holds for those batches that the re-derivation no longer wrote are removed, in one commit per
   * table. `removeKeys`: further files to take out in the same commit.
   */
  replace?: { manifestPrefix?: string; removeKeys?: string[] };
  /**
   * OPTIMIZE (docs/design.md §12, "Maintenance"): compacted files the lake-maintenance workflow
   * wrote, each to replace its sources in one commit per table (dataChange false). A request with
   * `compact` carries no batch: `keys` is empty and `partition`/offsets are -1.
   */
  compact?: CompactionRequest[];
}

export interface CompactionRequest {
  table: string;
  groups: { sources: string[]; target: string }[];
}

/** What a backfill child derived, kept in the lake until its backfill commits (claim check: no key lists in histories beyond a chunk). */
export interface BackfillManifest {
  batches: { partition: number; startOffset: number; endOffset: number; keys: string[] }[];
}

/** Where a backfill's manifests wait for its commit: `control/delta-backfill/<backfill id>/`. */
export const backfillManifestPrefix = (backfillId: string): string => `control/delta-backfill/${encodeURIComponent(backfillId)}/`;

/** One manifest per child chunk: `…/<date>-p<P>-<first start offset>.json`. */
export const backfillManifestKey = (backfillId: string, date: string, partition: number, firstStart: number): string =>
  `${backfillManifestPrefix(backfillId)}${date}-p${partition}-${String(firstStart).padStart(20, '0')}.json`;

export interface DeltaCommitInput {
  topic: string;
  requests: DeltaCommitRequest[];
  /** The commits' time, from the workflow, so a retried activity writes the same bytes. */
  timestampMs: number;
}

export interface DeltaTableCommit {
  table: string;
  version: number;
  added: number;
  removed: number;
  /** Data files in the table after the commit (sets the checkpoint cadence); absent from older results. */
  files?: number;
  /** Remove tombstones in the snapshot after the commit (a checkpoint rewrites them too); absent from older results. */
  tombstones?: number;
  /** 'OPTIMIZE' for a compaction commit; absent for batch and backfill commits. */
  operation?: 'OPTIMIZE';
}

export interface DeltaCommitOutcome {
  /** One entry per table that got a new version (tables where every file was already in are left out). */
  commits: DeltaTableCommit[];
  /** Tables whose new version is a multiple of DELTA_CHECKPOINT_INTERVAL: the committer checkpoints them after answering. */
  checkpointDue?: string[];
}

export interface DeltaCheckpointInput {
  tables: string[];
  /** From the workflow: which remove tombstones the checkpoints keep is decided against it. */
  timestampMs: number;
}

/** Payload of the signal back to a requester. */
export interface DeltaCommittedInfo {
  endOffset: number;
  commits: DeltaTableCommit[];
}

export interface DeltaCommitterInput {
  topic: string;
  /** Requests taken over from the run before (continue-as-new). */
  pending?: DeltaCommitRequest[];
}

/** One committer per topic: it serialises every commit to the topic's tables. */
export const deltaCommitterWorkflowId = (topic: string): string => `delta-commit-${topic}`;
export const DELTA_COMMIT_REQUEST_SIGNAL = 'deltaCommitRequest';
export const DELTA_COMMITTED_SIGNAL = 'deltaCommitted';
