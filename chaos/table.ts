// The chaos run's report: one line per check, grouped by section, the failures marked. Pure.
import type { Check } from '../test/helpers/exactly-once.ts';

const MAX_LABEL = 64;
const cell = (value: number | string | null): string => (value === null ? '' : typeof value === 'number' ? value.toLocaleString('en-US') : value);

export function formatChecks(checks: readonly Check[]): string {
  // Columns fit the short cells; a long one (a list of kills) runs past its column.
  const width = (cells: string[], min: number): number => Math.max(min, ...cells.filter((c) => c.length <= 16).map((c) => c.length));
  const labelWidth = Math.max(...checks.map((c) => Math.min(c.label.length, MAX_LABEL)), 5);
  const expectedWidth = width(checks.map((c) => cell(c.expected)), 8);
  const actualWidth = width(checks.map((c) => cell(c.actual)), 6);
  const lines: string[] = [];
  let section = '';
  for (const check of checks) {
    if (check.section !== section) {
      section = check.section;
      lines.push('', `${section.toUpperCase().padEnd(labelWidth)}  ${'expected'.padStart(expectedWidth)}  ${'actual'.padStart(actualWidth)}`);
    }
    const mark = check.ok ? '' : `  FAIL${check.detail ? `: ${check.detail}` : ''}`;
    const label = check.label.length > MAX_LABEL ? `${check.label.slice(0, MAX_LABEL - 1)}…` : check.label;
    lines.push(`${label.padEnd(labelWidth)}  ${cell(check.expected).padStart(expectedWidth)}  ${cell(check.actual).padStart(actualWidth)}${mark}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  lines.push('', failed === 0 ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks FAILED`);
  return lines.join('\n');
}
