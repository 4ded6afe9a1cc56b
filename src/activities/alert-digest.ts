// Digest mode (ALERT_DIGEST_MINUTES > 0): the batches put their fraud mails into an outbox in the
// lake instead of sending them, and the digest workflow sends one mail listing them every N
// minutes. Sending a digest is made of steps that are each safe to repeat:
//  1. cut: the outbox's current content becomes the plan (written once; a retry finds it and
//     sends the same digest, whatever has arrived in the outbox since);
//  2. send the plan's mail once (the sent-marker, as for every alert mail);
//  3. mark each listed mail as sent (so a retried batch does not queue it again), clear the
//     plan's mails from the outbox, then the plan.
import { digestId, type DigestEntry } from '../domain/alert-digest-email.ts';
import { digestPendingKey, digestPendingPrefix, digestPlanKey } from '../lake/keys.ts';
import type { LakeStore } from '../lake/lake-store.ts';
import { isMarkedSent, sentMarkerKey } from './sent-markers.ts';

/**
 * A queued fraud mail with its marker day (the UTC date of the Kafka time of the batch that decided
 * it); entries queued before day folders have none and keep the flat marker.
 */
export type QueuedDigestEntry = DigestEntry & { markerDay?: string };

interface DigestPlan {
  digestId: string;
  entries: QueuedDigestEntry[];
}

/** The digest mail's own marker day: the newest of its entries' (fixed by the plan, so a retry checks the same folder). */
export function digestMarkerDay(entries: readonly QueuedDigestEntry[]): string | undefined {
  const days = entries.map((e) => e.markerDay).filter((d): d is string => d !== undefined).sort();
  return days.at(-1);
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const parse = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;

/**
 * Puts a fraud mail into the topic's outbox, unless a digest already listed it; the same mail twice
 * is one entry (the key is its mail id). Returns whether it was queued now.
 */
export async function queueForDigest(lake: LakeStore, topic: string, entry: QueuedDigestEntry): Promise<boolean> {
  if (await isMarkedSent(lake, entry.markerDay, entry.mailId)) return false;
  await lake.put(digestPendingKey(topic, entry.mailId), json(entry), 'application/json');
  return true;
}

/**
 * Sends the digest of the outbox (or finishes the one a failed attempt started). `send` must send
 * at most once per digest id. Returns the digest sent, or undefined when the outbox was empty.
 */
export async function flushDigest(lake: LakeStore, topic: string, send: (id: string, markerDay: string | undefined, entries: DigestEntry[]) => Promise<void>): Promise<{ digestId: string; alerts: number } | undefined> {
  const planKey = digestPlanKey(topic);
  const existing = await lake.get(planKey);
  let plan: DigestPlan;
  if (existing) {
    plan = parse<DigestPlan>(existing);
  } else {
    const keys = await lake.list(digestPendingPrefix(topic));
    if (keys.length === 0) return undefined;
    const entries: QueuedDigestEntry[] = [];
    for (const key of keys) {
      const bytes = await lake.get(key);
      if (bytes) entries.push(parse<QueuedDigestEntry>(bytes));
    }
    if (entries.length === 0) return undefined;
    plan = { digestId: digestId(topic, entries), entries };
    await lake.put(planKey, json(plan), 'application/json');
  }
  await send(plan.digestId, digestMarkerDay(plan.entries), plan.entries);
  for (const entry of plan.entries) {
    await lake.put(sentMarkerKey(entry.markerDay, entry.mailId), json({ mailId: entry.mailId, digestId: plan.digestId }), 'application/json');
    await lake.delete(digestPendingKey(topic, entry.mailId));
  }
  await lake.delete(planKey);
  return { digestId: plan.digestId, alerts: plan.entries.length };
}
