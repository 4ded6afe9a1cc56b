// The batch contract: inputs and outputs of the workflows and of every activity, shared by
// workflows, activities, the bridge and the CLI (docs/contract.md). The ground floor of the import
// graph: this folder imports nothing else from src/ (the layering is checked by `npm run lint`,
// docs/design.md). Plain data only: workflows carry keys, offsets and counts, never orders (claim check).
import type { QualityEpisodes, QualityFinding } from './quality.ts';

/** A slice of one partition: offsets start..end inclusive. Its id is `<topic>-<partition>-<start>`. */
export interface BatchInput {
  topic: string;
  partition: number;
  startOffset: number;
  endOffset: number;
  /** The raw zone object holding the batch's records as they arrived. */
  rawKey: string;
  recordCount: number;
  /** True only for the first batch ever of a partition: it starts from empty state. */
  firstBatch: boolean;
  /** UTC date of the first record's Kafka timestamp, YYYY-MM-DD. */
  batchDate: string;
}

export interface BatchRef {
  topic: string;
  partition: number;
  startOffset: number;
  endOffset: number;
  batchId: string;
  /** The partition's first batch: its state before starts empty (absent in histories from before: false). */
  firstBatch?: boolean;
  /**
   * A backfill's re-derivation: the batch's data parts go under new names tagged with this
   * (`backfillRewriteTag`), never over the parts a Delta version already names (docs/design.md §12).
   * Absent for the stream, and in backfills from before `patched('backfill-new-keys')`.
   */
  rewrite?: string;
}

export interface CheckpointStatus {
  ready: boolean;
  /** Workflow id of the batch that ends just before this one, when it is known. */
  blockedBy?: string;
  /** The task queue of the worker that last moved the partition's state (a hint: it holds the state hot). */
  stateQueue?: string;
}

/** What writing a batch's state delta did. */
export interface CheckpointResult {
  deltaBytes: number;
  /** Enough deltas since the last snapshot: the batch starts a snapshot of the partition's state. */
  snapshotDue: boolean;
  /** The task queue of the worker holding the partition's state now. */
  stateQueue?: string;
}

/** Input of the state snapshot workflow: the partition's state before `offset`. */
export interface StateSnapshotInput {
  topic: string;
  partition: number;
  offset: number;
}

export interface StateSnapshotResult {
  key: string;
  bytes: number;
  ids: number;
  customers: number;
  deletedObjects: number;
}

/** Payload of the checkpoint-ready signal (absent in signals from before: just a wake-up). */
export interface CheckpointReadyInfo {
  stateQueue?: string;
}

export const stateSnapshotWorkflowId = (topic: string, partition: number, offset: number): string => `state-snapshot-${topic}-${partition}-${offset}`;

export interface IngestResult {
  validCount: number;
  invalidCount: number;
  duplicateCount: number;
  bronzeKeys: string[];
  quarantineKey?: string;
  orderDates: string[];
}

export interface EnrichResult {
  orderCount: number;
  itemCount: number;
  unresolvedAddressCount: number;
  silverKeys: string[];
  itemKeys: string[];
}

export interface SilverInput extends BatchRef {
  silverKeys: string[];
  itemKeys: string[];
  /** UTC date of the batch (first record's Kafka date): where undated per-batch rows are filed. */
  batchDate: string;
}

export interface QualityInput extends SilverInput {
  bronzeKeys: string[];
  quarantineKey?: string;
}

export interface GoldResult {
  keys: string[];
}

export interface FraudResult {
  alertIds: string[];
  keys: string[];
}

export interface QualityResult {
  breachedChecks: string[];
  keys: string[];
  /** Kafka timestamps (ms) of the batch's first and last record (valid or not): where its breaches fall in Kafka time. */
  kafkaTs?: KafkaTsSpan;
}

export interface KafkaTsSpan {
  first: number;
  last: number;
}

/** Input of the one-activity derivation (docs/design.md §2): the whole batch from raw to its checkpoint. */
export interface DeriveInput extends BatchRef {
  rawKey: string;
  /** Copy invalid records to the DLQ (the stream does; a backfill does not repeat it). */
  copyToDlq: boolean;
  /** UTC date of the batch (first record's Kafka date): where undated per-batch rows are filed. */
  batchDate: string;
}

/** What each stage of a derived batch returned, the checkpoint's included. */
export interface DeriveResult {
  ingest: IngestResult;
  enrich: EnrichResult;
  gold: GoldResult;
  fraud: FraudResult;
  quality: QualityResult;
  checkpoint: CheckpointResult;
}

export interface AlertInput extends BatchRef {
  fraudKeys: string[];
  dqKeys: string[];
  silverKeys: string[];
  /** The batch's Kafka time (from its quality check); a batch recorded before it was returned reads it from silver. */
  kafkaTs?: KafkaTsSpan;
}

export interface AlertResult {
  sent: number;
  alreadySent: number;
  /** Data-quality breaches handed to the topic's quality-alerts workflow (it decides and sends their mails). */
  qualityFindings?: number;
  /** Digest mode: fraud mails put into the outbox for the next digest. */
  queued?: number;
}

/**
 * The alert workflow of one batch (docs/design.md §2 step 6): started by the batch after its Delta
 * commit and left running when the batch ends, so SMTP never holds a batch open. Its id is derived
 * from the batch's, so a re-run batch finds it already started (or finished: a new run then finds
 * every mail's sent-marker and sends nothing again).
 */
export const batchAlertsWorkflowId = (batchId: string): string => `alerts-${batchId}`;

/** The digest workflow of a topic (ALERT_DIGEST_MINUTES > 0): one per topic, started by the workers. */
export const alertDigestWorkflowId = (topic: string): string => `alert-digest-${topic}`;

export interface AlertDigestInput {
  topic: string;
  everyMinutes: number;
}

/**
 * The data-quality alerts of a topic: one long-running workflow per topic, started by the first
 * batch that hands it a breach (signal-with-start), the only sender of the topic's quality mails.
 */
export const qualityAlertsWorkflowId = (topic: string): string => `quality-alerts-${topic}`;

/** The signal that hands a batch's breaches to the topic's quality-alerts workflow. */
export const QUALITY_FINDINGS_SIGNAL = 'qualityFindings';

export interface QualityFindingsSignal {
  findings: QualityFinding[];
  /** ALERT_COOLDOWN of the worker that sent them: the latest setting wins. */
  cooldownMs: number;
}

export interface QualityAlertsInput {
  topic: string;
  cooldownMs: number;
  /** Carried over by continue-as-new. */
  state?: QualityEpisodes;
  pending?: QualityFinding[];
}

export interface BatchResult {
  batchId: string;
  orderCount: number;
  invalidCount: number;
  duplicateCount: number;
  fraudCount: number;
  dqIssueCount: number;
  /** Mails the batch sent itself: only runs from before its alerts moved to their own workflow. */
  alertsSent?: number;
  /** The workflow the batch handed its alerts to (its result has the counts); absent when the batch had none. */
  alertsWorkflowId?: string;
  lakeKeys: string[];
}

/**
 * A batch's workflow id: `<topic>-<partition>-<startOffset>`, so `orders-3-1200` for the default
 * topic. The topic in the id keeps two pipelines (or two test runs) in one namespace apart.
 */
export const batchWorkflowId = (topic: string, partition: number, startOffset: number): string => `${topic}-${partition}-${startOffset}`;

export function parseBatchWorkflowId(id: string): { topic: string; partition: number; startOffset: number } | undefined {
  const m = /^(.+)-(\d+)-(\d+)$/.exec(id);
  return m ? { topic: m[1]!, partition: Number(m[2]), startOffset: Number(m[3]) } : undefined;
}

/** Signal a batch sends its successor once the successor's checkpoint exists. */
export const CHECKPOINT_READY_SIGNAL = 'checkpointReady';

// ── Backfill: re-derive silver and gold for a range of batch dates (docs/design.md §7) ──

/** Where a backfill reads the records: the raw zone, or Kafka again (rewriting the raw objects). */
export type BackfillSource = 'raw' | 'kafka';

export interface BackfillInput {
  topic: string;
  /** First and last batch date, YYYY-MM-DD, inclusive (a batch's date: its first record's Kafka date). */
  from: string;
  to: string;
  source: BackfillSource;
  /** Partitions derived at once; the dates of one partition always run in order. */
  concurrency: number;
}

/** One child workflow's share: the batches of one partition that arrived on one date. */
export interface BackfillUnit {
  date: string;
  partition: number;
  batches: number;
}

export interface BackfillDayInput {
  topic: string;
  date: string;
  partition: number;
  source: BackfillSource;
  /** Id of the parent, told after every batch so its progress query stays live. */
  parentId: string;
  /** The parent's tag for the parts it re-derives (`backfillRewriteTag`); absent in backfills from before it. */
  rewrite?: string;
  /** Continue-as-new cursor: batches ending at or before this offset are done. */
  afterOffset?: number;
  done?: { batches: number; orders: number };
}

export interface BackfillBatch {
  startOffset: number;
  endOffset: number;
  rawKey: string;
  firstBatch: boolean;
}

export interface BackfillProgress {
  unitsTotal: number;
  unitsDone: number;
  batchesTotal: number;
  batchesDone: number;
  orders: number;
  running: string[];
  failed: { unit: string; error: string }[];
}

/** One backfill per topic and date range: running the same command again attaches to it or redoes it. */
export const backfillWorkflowId = (topic: string, from: string, to: string): string => `backfill-${topic}-${from}-${to}`;

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const UINT64 = (1n << 64n) - 1n;

/**
 * The tag a backfill run writes its parts under (`….backfill-<tag>.parquet`, docs/design.md §12):
 * 16 hex digits of FNV-1a over its workflow id and run id. Pure, so the workflow computes it (no
 * Node crypto there): every activity of the run writes the same keys on a retry, and running the
 * same backfill again (same workflow id, a new run) writes new ones.
 */
export function backfillRewriteTag(workflowId: string, runId: string): string {
  let hash = FNV64_OFFSET;
  const text = `${workflowId}\n${runId}`;
  // UTF-16 code units rather than UTF-8 bytes: the same for the ASCII ids Temporal gives, and no TextEncoder needed in the workflow sandbox.
  for (let i = 0; i < text.length; i++) hash = ((hash ^ BigInt(text.charCodeAt(i))) * FNV64_PRIME) & UINT64;
  return hash.toString(16).padStart(16, '0');
}

export const BACKFILL_PROGRESS_QUERY = 'backfillProgress';
export const BACKFILL_BATCH_DONE_SIGNAL = 'backfillBatchDone';
