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

/**
 * Control characters a terminal would act on (C0 but newline, DEL, C1 such as CSI U+009B) and the
 * invisible bidi controls that reorder what a line seems to say (U+202E "right-to-left override"),
 * shown as visible \u escapes. For text output that quotes records a producer wrote: a quarantined
 * payload or a customer id must not move the cursor, recolour the screen or disguise itself.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
