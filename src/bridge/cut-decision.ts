// When the bridge closes a partition's open batch (docs/design.md §3, "The adaptive cut"): pure,
// so every rule is unit-tested without Kafka. Batch size trades latency for per-batch cost (each
// batch pays about a dozen Temporal round trips), and the right trade depends on the load:
//  - a full batch (BATCH_MAX_ORDERS records or BATCH_MAX_BYTES bytes) always goes;
//  - no backlog (the last fetch left nothing in Kafka for the partition, and the partition's
//    previous batch has closed) and the partition quiet for BATCH_IDLE_MS after its last record:
//    nothing more is coming soon, so waiting out BATCH_MAX_WAIT_MS would only add latency: a
//    light stream's orders reach silver in well under a second. An open predecessor is backlog
//    too: the workflows are behind, a batch cut now would only wait for it, and cutting a busy
//    partition into tiny batches multiplies the per-batch cost just when the pipeline is behind
//    (a first version without this rule fell further behind on a loaded machine);
//  - otherwise on time, BATCH_MAX_WAIT_MS after the first record; stretched (backlogWaitMs) while
//    Kafka already holds enough to fill the batch or the partition's previous batch still runs,
//    since cutting then only makes batches smaller, not sooner (docs/benchmarks.md, the R8 runs).

export interface CutLimits {
  maxOrders: number;
  maxBytes: number;
  maxWaitMs: number;
  /** Quiet gap after the last record that closes a batch when there is no backlog; 0 turns it off. */
  idleMs: number;
  /** How long a partial batch may wait while it can fill up from Kafka or its predecessor runs. */
  backlogWaitMs: number;
}

/** What the cut needs to know of a partition's buffer. */
export interface BufferedBatch {
  records: number;
  bytes: number;
  /** When the oldest buffered record arrived (or the buffer was last cut or restored). */
  firstArrivalMs?: number;
  /** When the newest buffered record arrived. */
  lastArrivalMs?: number;
  /** Set when a start failed and the batch was put back: it is retried on the max-wait rhythm, not every idle gap. */
  restoredAtMs?: number;
}

export interface PartitionLoad {
  /** Records Kafka held beyond the last fetch of the partition (0: the bridge is caught up). */
  pendingInKafka?: number;
  /** The partition's previous batch workflow has not closed yet. */
  predecessorOpen?: boolean;
}

export type CutReason = 'full' | 'idle' | 'max-wait' | 'backlog-wait';

/** Why the batch should be cut now, or undefined to keep filling it. */
export function decideCut(batch: BufferedBatch, nowMs: number, limits: CutLimits, load: PartitionLoad = {}): CutReason | undefined {
  if (batch.records === 0) return undefined;
  if (batch.records >= limits.maxOrders || batch.bytes >= limits.maxBytes) return 'full';

  const pending = load.pendingInKafka ?? 0;
  const justRestored = batch.restoredAtMs !== undefined && nowMs - batch.restoredAtMs < limits.maxWaitMs;
  const quietMs = nowMs - (batch.lastArrivalMs ?? nowMs);
  const backlog = pending > 0 || load.predecessorOpen === true;
  if (limits.idleMs > 0 && !backlog && !justRestored && quietMs >= limits.idleMs) return 'idle';

  const waitedMs = nowMs - (batch.firstArrivalMs ?? nowMs);
  const fillable = pending >= limits.maxOrders - batch.records;
  const stretch = fillable || load.predecessorOpen === true;
  if (!stretch) return waitedMs >= limits.maxWaitMs ? 'max-wait' : undefined;
  return waitedMs >= Math.max(limits.maxWaitMs, limits.backlogWaitMs) ? 'backlog-wait' : undefined;
}
