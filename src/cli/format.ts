// Small pure helpers for CLI output and input: durations such as `2h`, and plain-text tables.
import { UsageError } from '../errors.ts';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `2h`, `7d`, `1w` → milliseconds; anything else is a usage error naming the option. */
export function parseDuration(text: string, option = '--since'): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} takes a duration such as 30m, 2h or 7d, not ${JSON.stringify(text)}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** A non-negative integer option, or a usage error naming it. */
export function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${option} takes a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => String(cell)))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  return cells
    .map((row) => row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd())
    .join('\n');
}
