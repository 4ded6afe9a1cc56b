// Data-quality breaches as they travel between a batch and its topic's quality-alerts workflow
// (docs/design.md §3, docs/rules.md "Quality mails"): the lake's dq_metrics row and the episode state
// the workflow carries across continue-as-new. Plain data.

export interface DqMetricRow {
  batchId: string;
  check: string;
  field: string;
  count: number;
  total: number;
  breached: boolean;
  /** count / total (0 when total is 0). */
  rate: number;
  /** The configured rate above which the check is breached. */
  maxRate: number;
  /** JSON object with what explains the count (e.g. quarantine reasons and their counts); "{}" when nothing. */
  detail: string;
}

/** One breached check of one batch, as the batch's alert step hands it over. */
export interface QualityFinding {
  batchId: string;
  /** Kafka timestamps (ms) of the batch's first and last record. */
  firstKafkaTs: number;
  lastKafkaTs: number;
  breach: DqMetricRow;
}

export interface QualityEpisode {
  /** `<check>:<field>` */
  key: string;
  /** Kafka time of its first and latest breach. */
  startTs: number;
  lastBreachTs: number;
  /** Kafka time of the breach that sent its latest mail. */
  lastMailTs: number;
  mails: number;
  batches: number;
}

export interface QualityEpisodes {
  episodes: QualityEpisode[];
  /** Findings already decided (`<batchId>:<check>:<field>`), newest last: a finding handed over twice (a retried alert step) counts once. */
  seen: string[];
}
