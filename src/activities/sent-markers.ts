// Where a mail's sent-marker is (docs/lake.md, "Sent-markers"): in its day's folder, or, for a mail
// without a day (a digest entry queued before day folders existed), under the flat key as before.
// A mail counts as sent when either its day marker or its flat marker is there: markers written
// before day folders existed keep stopping a second send across the upgrade.
import { alertSentKey, legacyAlertSentKey } from '../lake/keys.ts';
import type { LakeStore } from '../lake/lake-store.ts';

/** The key a mail's marker is written to. */
export function sentMarkerKey(day: string | undefined, mailId: string): string {
  return day === undefined ? legacyAlertSentKey(mailId) : alertSentKey(day, mailId);
}

/** Whether the mail was accepted before: its day marker or its flat marker exists (both looked up at once). */
export async function isMarkedSent(lake: LakeStore, day: string | undefined, mailId: string): Promise<boolean> {
  const legacy = legacyAlertSentKey(mailId);
  if (day === undefined) return lake.exists(legacy);
  const found = await Promise.all([lake.exists(alertSentKey(day, mailId)), lake.exists(legacy)]);
  return found.some(Boolean);
}
