// Calendar days as YYYY-MM-DD strings (UTC), for date ranges such as a backfill's.
import { isCalendarDate } from '../schemas/fields.ts';

const DAY_MS = 86_400_000;

/** Every day from `from` to `to`, both included; empty when `to` is before `from`. */
export function datesBetween(from: string, to: string): string[] {
  for (const date of [from, to]) if (!isCalendarDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const days: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += DAY_MS) days.push(new Date(ms).toISOString().slice(0, 10));
  return days;
}
