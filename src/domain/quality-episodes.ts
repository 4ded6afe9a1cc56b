// Data-quality mails per breach episode, not per batch (docs/rules.md, "Quality mails"). Pure: the
// topic's quality-alerts workflow (src/workflows/quality-alerts.ts) is the one place that calls it,
// with the breaches of every partition's batches in the order they reached it, and sends what it
// decides. One decider per topic is what makes "one mail per episode" hold: batches of different
// partitions that each checked a shared marker and then sent raced and mailed twice.
//
// An episode is a run of breaches of one check and field, in Kafka time, with no gap of more than
// ALERT_COOLDOWN between them. Its first breach mails; while it lasts, a breach an
// ALERT_COOLDOWN of Kafka time after the episode's last mail mails again (a reminder: a replayed day
// of old orders, "late" in every batch, makes one mail per hour); a breach after more than
// ALERT_COOLDOWN without one starts a new episode, and mails.
import type { QualityEpisode, QualityEpisodes, QualityFinding } from '../contract/quality.ts';

export type { QualityEpisode, QualityEpisodes, QualityFinding };

/** One mail the decider asks for: its id is fixed here, so every retry of the send is the same mail. */
export interface QualityMail {
  alertId: string;
  finding: QualityFinding;
  episode: QualityEpisode;
}

export interface EpisodePolicy {
  topic: string;
  /** ALERT_COOLDOWN in ms: the gap that ends an episode and the time between two mails of one. */
  cooldownMs: number;
}

/** How many finding keys are remembered for de-duplication (a retried step hands its findings over again within minutes). */
export const SEEN_FINDINGS = 2000;
/** Episodes whose last breach is this much Kafka time behind the newest are forgotten. */
export const EPISODE_RETENTION_MS = 7 * 24 * 3_600_000;
/** At most this many episodes are kept (the oldest by last breach go first). */
export const MAX_EPISODES = 500;

export const emptyQualityEpisodes = (): QualityEpisodes => ({ episodes: [], seen: [] });

const findingKey = (f: QualityFinding): string => `${f.batchId}:${f.breach.check}:${f.breach.field}`;

/** `<topic>:dq:<check>:<field>:<episode start, ISO 8601>:<n>`: the n-th mail of the episode. */
export function qualityMailId(topic: string, episode: Pick<QualityEpisode, 'key' | 'startTs' | 'mails'>): string {
  return `${topic}:dq:${episode.key}:${new Date(episode.startTs).toISOString()}:${episode.mails}`;
}

/**
 * Decides the mails for `findings` (breached rows only count) and returns the new state. Within
 * one call, findings are taken in Kafka-time order; a finding that bridges two episodes merges
 * them, keeping the earlier start and the sum of their mails (so the next mail id is unused).
 */
export function decideQualityMails(state: QualityEpisodes, findings: readonly QualityFinding[], policy: EpisodePolicy): { state: QualityEpisodes; mails: QualityMail[] } {
  const gap = Math.max(0, policy.cooldownMs);
  let episodes = state.episodes.map((e) => ({ ...e }));
  const seen = new Set(state.seen);
  const seenOrder = [...state.seen];
  const mails: QualityMail[] = [];

  const ordered = findings.filter((f) => f.breach.breached).sort((a, b) => a.firstKafkaTs - b.firstKafkaTs || a.batchId.localeCompare(b.batchId));
  for (const finding of ordered) {
    const id = findingKey(finding);
    if (seen.has(id)) continue;
    seen.add(id);
    seenOrder.push(id);
    const key = `${finding.breach.check}:${finding.breach.field}`;
    const from = Math.min(finding.firstKafkaTs, finding.lastKafkaTs);
    const to = Math.max(finding.firstKafkaTs, finding.lastKafkaTs);
    // Overlapping, or less than a gap apart: the same episode (inclusive, so equal times never open a second one).
    const joined = episodes.filter((e) => e.key === key && from <= e.lastBreachTs + gap && to >= e.startTs - gap);

    if (joined.length === 0) {
      const episode: QualityEpisode = { key, startTs: from, lastBreachTs: to, lastMailTs: to, mails: 1, batches: 1 };
      episodes.push(episode);
      mails.push({ alertId: qualityMailId(policy.topic, episode), finding, episode: { ...episode } });
      continue;
    }
    const merged: QualityEpisode = {
      key,
      startTs: Math.min(from, ...joined.map((e) => e.startTs)),
      lastBreachTs: Math.max(to, ...joined.map((e) => e.lastBreachTs)),
      lastMailTs: Math.max(...joined.map((e) => e.lastMailTs)),
      mails: joined.reduce((n, e) => n + e.mails, 0),
      batches: joined.reduce((n, e) => n + e.batches, 1),
    };
    episodes = episodes.filter((e) => !joined.includes(e));
    episodes.push(merged);
    // A reminder: the episode goes on, an ALERT_COOLDOWN of Kafka time after its last mail (no
    // cooldown: every breached batch mails).
    if (gap === 0 || to >= merged.lastMailTs + gap) {
      merged.mails++;
      merged.lastMailTs = Math.max(merged.lastMailTs, to);
      mails.push({ alertId: qualityMailId(policy.topic, merged), finding, episode: { ...merged } });
    }
  }

  const newest = Math.max(-Infinity, ...episodes.map((e) => e.lastBreachTs));
  episodes = episodes
    .filter((e) => e.lastBreachTs >= newest - EPISODE_RETENTION_MS)
    .sort((a, b) => a.lastBreachTs - b.lastBreachTs || a.key.localeCompare(b.key))
    .slice(-MAX_EPISODES);
  return { state: { episodes, seen: seenOrder.slice(-SEEN_FINDINGS) }, mails };
}

/** The first and last Kafka timestamp of a batch's records (undefined without one): where its breaches fall in Kafka time. */
export function kafkaTsSpanOf(records: readonly { kafkaTs: number }[]): { first: number; last: number } | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (const { kafkaTs } of records) {
    if (!Number.isFinite(kafkaTs)) continue;
    first = Math.min(first, kafkaTs);
    last = Math.max(last, kafkaTs);
  }
  return Number.isFinite(first) ? { first, last } : undefined;
}
