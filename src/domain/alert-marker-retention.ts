// How long sent-markers are kept (docs/lake.md, "Sent-markers"; docs/guarantees.md). A marker only
// has to outlive the time in which its mail could be decided again: a replay or re-run of the batch
// that decided it, which needs that batch's state, kept for STATE_RETENTION_HOURS of Kafka time
// (docs/design.md §4). Markers live in one folder per day, so retention deletes whole days and
// never reads a marker. Pure: the maintenance activity lists and deletes.
import { datesBetween } from './dates.ts';

const DAY_MS = 86_400_000;

/** How many days back a maintenance run looks for day folders past retention: a year of missed runs is caught up. */
export const MARKER_LOOKBACK_DAYS = 366;

/** Days of markers kept behind today: the state's retention in whole days, plus one day of margin. */
export function alertMarkerRetentionDays(stateRetentionHours: number): number {
  if (!Number.isFinite(stateRetentionHours) || stateRetentionHours <= 0) throw new RangeError(`state retention must be a positive number of hours, got ${stateRetentionHours}`);
  return Math.ceil(stateRetentionHours / 24) + 1;
}

/**
 * The marker days a run at `nowMs` deletes, oldest first: every day before (today − retentionDays),
 * as far back as `lookbackDays` before that. Today and the `retentionDays` days before it are kept.
 */
export function expiredMarkerDays(nowMs: number, retentionDays: number, lookbackDays: number = MARKER_LOOKBACK_DAYS): string[] {
  if (!Number.isSafeInteger(retentionDays) || retentionDays < 0) throw new RangeError(`retention must be a whole number of days, got ${retentionDays}`);
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const newestExpired = today - (retentionDays + 1) * DAY_MS;
  const oldest = newestExpired - Math.max(0, lookbackDays - 1) * DAY_MS;
  const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  return datesBetween(iso(oldest), iso(newestExpired));
}
