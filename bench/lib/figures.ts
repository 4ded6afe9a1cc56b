// Pure joins of what the lake says into the bench's figures: silver parts and checkpoints into
// completions, orders and alerts into latencies. Unit-tested in test/unit/bench-stats.test.ts.
import type { Completion } from './stats.ts';

export interface TimedPart {
  partition: number;
  endOffset: number;
  lastModifiedMs: number;
  rows: { orderId: string; kafkaTs: number }[];
}

/** Orders visible in silver: one completion per silver part. */
export function silverCompletions(parts: readonly TimedPart[]): Completion[] {
  return parts.map((p) => ({ atMs: p.lastModifiedMs, orders: p.rows.length }));
}

/**
 * Orders through gold: a batch's checkpoint is written after its aggregate, fraud and quality
 * stages, so its LastModified is when the batch's orders are in gold; the orders are its silver rows.
 */
export function goldCompletions(parts: readonly TimedPart[], checkpoints: readonly { partition: number; endOffset: number; lastModifiedMs: number }[]): Completion[] {
  const ordersOf = new Map<string, number>();
  for (const p of parts) ordersOf.set(`${p.partition}:${p.endOffset}`, (ordersOf.get(`${p.partition}:${p.endOffset}`) ?? 0) + p.rows.length);
  return checkpoints.map((c) => ({ atMs: c.lastModifiedMs, orders: ordersOf.get(`${c.partition}:${c.endOffset}`) ?? 0 }));
}

/** Kafka timestamp → silver part stored, per order whose Kafka timestamp is at or after `sinceMs`. */
export function silverLatencies(parts: readonly TimedPart[], sinceMs: number): number[] {
  const out: number[] = [];
  for (const part of parts) for (const row of part.rows) if (row.kafkaTs >= sinceMs) out.push(part.lastModifiedMs - row.kafkaTs);
  return out;
}

export interface SentAlert {
  alertId: string;
  /** When the SMTP server accepted the mail (the sent-marker's acceptedAt). */
  acceptedAtMs: number;
}

/**
 * Kafka timestamp of the newest order a fraud alert flags (the order that completed the pattern)
 * → the alert accepted by SMTP. Alerts whose orders are unknown or older than `sinceMs` are left out.
 */
export function alertLatencies(sent: readonly SentAlert[], fraudAlerts: readonly { alertId: string; orderIds: string }[], kafkaTsOf: ReadonlyMap<string, number>, sinceMs: number): number[] {
  const ordersOf = new Map(fraudAlerts.map((a) => [a.alertId, a.orderIds.split(',')]));
  const out: number[] = [];
  for (const alert of sent) {
    const ids = ordersOf.get(alert.alertId);
    if (!ids) continue; // a data-quality alert: no order to time it from
    const newest = Math.max(...ids.map((id) => kafkaTsOf.get(id) ?? -Infinity));
    if (Number.isFinite(newest) && newest >= sinceMs) out.push(alert.acceptedAtMs - newest);
  }
  return out;
}

/** A commit file of a table's Delta log: when it was stored, and the data files it added. */
export interface TimedCommit {
  version: number;
  lastModifiedMs: number;
  /** Lake keys of its `add`s. */
  added: string[];
}

/** A batch's commit latency: from a moment of the batch (its silver part stored, its derivation done) to the commit that added its part stored. */
export interface BatchCommitLatency {
  batch: string;
  fromPartMs: number;
  fromDerivedMs: number | null;
}

/**
 * Per batch, how long its silver rows waited in the lake before a reader of the Delta log could see
 * them: from the batch's (last) silver part stored to the log commit that added it stored, and from
 * the batch's derivation done (its state delta, the last object the derivation writes) to that
 * commit. The first commit that adds a part counts (a later OPTIMIZE or backfill is not a batch's commit).
 */
export function commitLatencies(parts: readonly Pick<TimedPart & { key: string }, 'key' | 'partition' | 'endOffset' | 'lastModifiedMs'>[], commits: readonly TimedCommit[], derived: readonly { partition: number; endOffset: number; lastModifiedMs: number }[]): BatchCommitLatency[] {
  const committedAt = new Map<string, number>();
  for (const commit of [...commits].sort((a, b) => a.version - b.version)) for (const key of commit.added) if (!committedAt.has(key)) committedAt.set(key, commit.lastModifiedMs);
  const derivedAt = new Map(derived.map((d) => [`${d.partition}-${d.endOffset}`, d.lastModifiedMs]));
  const batches = new Map<string, { partMs: number; commitMs: number }>();
  for (const part of parts) {
    const commitMs = committedAt.get(part.key);
    if (commitMs === undefined) continue; // never committed (a run stopped before its commit)
    const batch = `${part.partition}-${part.endOffset}`;
    const seen = batches.get(batch);
    batches.set(batch, { partMs: Math.max(seen?.partMs ?? -Infinity, part.lastModifiedMs), commitMs: Math.max(seen?.commitMs ?? -Infinity, commitMs) });
  }
  return [...batches].map(([batch, { partMs, commitMs }]) => {
    const done = derivedAt.get(batch);
    return { batch, fromPartMs: commitMs - partMs, fromDerivedMs: done === undefined ? null : commitMs - done };
  });
}
