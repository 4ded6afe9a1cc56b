// Which state objects of a partition nothing needs any more (docs/design.md §4). State stays
// rebuildable for STATE_RETENTION_HOURS of Kafka time behind the newest snapshot, and always at the
// start of any batch that did not complete (a failed batch must stay replayable however old it is).
import type { StateListing } from './state-log.ts';

/**
 * Keys to delete: everything before the boundary snapshot, where the boundary is the newest
 * snapshot at least the retention older than the newest one, and not after the oldest batch that
 * still needs its state. No boundary, nothing to delete.
 */
export function collectableStateObjects(listing: StateListing, retentionMs: number, oldestUnfinishedStart: number | undefined): string[] {
  const snapshots = [...listing.snapshots.values()].sort((a, b) => a.offset - b.offset);
  if (snapshots.length === 0) return [];
  const newestTs = Math.max(...snapshots.map((s) => s.arrivalWatermarkTs));
  const candidates = snapshots.filter((s) => s.arrivalWatermarkTs <= newestTs - retentionMs && (oldestUnfinishedStart === undefined || s.offset <= oldestUnfinishedStart));
  const boundary = candidates.at(-1);
  if (!boundary) return [];
  return [
    ...snapshots.filter((s) => s.offset < boundary.offset).map((s) => s.key),
    ...[...listing.checkpoints.values()].filter((c) => c.offset < boundary.offset).map((c) => c.key),
    ...[...listing.deltasByTo.values()].filter((d) => d.toOffset <= boundary.offset).map((d) => d.key),
  ].sort();
}
