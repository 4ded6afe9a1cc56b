// Deletes the day folders of sent-markers past their retention (docs/lake.md, "Sent-markers"), as
// part of the lake maintenance's VACUUM, never on a batch's path. Whole days go: no marker is read,
// so the cost is one listing per day looked at and one DELETE per marker. Idempotent: a retry or a
// second run finds the deleted days empty.
import { alertMarkerRetentionDays, expiredMarkerDays } from '../domain/alert-marker-retention.ts';
import { alertSentDayPrefix } from '../lake/keys.ts';
import type { LakeStore } from '../lake/store.ts';
import type { AlertMarkersExpired } from '../contract/lake-maintenance.ts';
import type { ActivityDeps } from './deps.ts';
import { forEachConcurrently } from './concurrently.ts';

/** DELETEs in flight at once: a day at the benchmark's rate holds about a million markers. */
const DELETE_CONCURRENCY = 32;

/** Deletes every marker of the days past retention at `nowMs`; returns the days that held any and how many markers went. */
export async function expireAlertMarkers(lake: LakeStore, nowMs: number, stateRetentionHours: number): Promise<AlertMarkersExpired> {
  const retentionDays = alertMarkerRetentionDays(stateRetentionHours);
  const result: AlertMarkersExpired = { retentionDays, days: [], markers: 0 };
  for (const day of expiredMarkerDays(nowMs, retentionDays)) {
    const keys = await lake.list(alertSentDayPrefix(day));
    if (keys.length === 0) continue;
    await forEachConcurrently(keys, DELETE_CONCURRENCY, async (key) => {
      await lake.delete(key);
      result.markers++;
    });
    result.days.push(day);
  }
  return result;
}

export function createAlertMarkerActivities(deps: Pick<ActivityDeps, 'lake'> & { config: Pick<ActivityDeps['config'], 'STATE_RETENTION_HOURS'> }) {
  return {
    /** The maintenance's marker retention: day folders older than STATE_RETENTION_HOURS (in days) plus one day (the boundary heartbeats). */
    async expireAlertMarkers(input: { nowMs: number }): Promise<AlertMarkersExpired> {
      return expireAlertMarkers(deps.lake, input.nowMs, deps.config.STATE_RETENTION_HOURS);
    },
  };
}
