// The pure parts behind `orders batches`, `replay` and `backfill`: option parsing, tables, the
// visibility query, and the date ranges a backfill covers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, parseCount, parseDuration } from '../../src/cli/format.ts';
import { datesBetween } from '../../src/domain/dates.ts';
import { UsageError } from '../../src/errors.ts';
import { batchListQuery } from '../../src/temporal/batch-runs.ts';

describe('CLI option parsing', () => {
  it('reads durations in seconds, minutes, hours, days and weeks', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('1w'), 604_800_000);
  });

  it('refuses other durations with a usage error naming the option', () => {
    for (const bad of ['', '2', 'h', '2 hours', '-1h', '2y']) {
      assert.throws(() => parseDuration(bad, '--since'), (error: unknown) => error instanceof UsageError && error.message.startsWith('--since takes a duration'), bad);
    }
  });

  it('reads whole numbers and refuses anything else', () => {
    assert.equal(parseCount('0', '--limit'), 0);
    assert.equal(parseCount('42', '--limit'), 42);
    for (const bad of ['-1', '1.5', 'ten', '']) assert.throws(() => parseCount(bad, '--limit'), /--limit takes a whole number/);
  });
});

describe('formatTable', () => {
  it('pads text left and numbers right, and trims trailing space', () => {
    const table = formatTable(['id', 'orders', 'note'], [['orders-0-0', 60, ''], ['orders-10-1200', 7, 'x']]);
    assert.equal(table, ['id              orders  note', 'orders-0-0          60', 'orders-10-1200       7  x'].join('\n'));
  });

  it('prints the header alone when there are no rows', () => {
    assert.equal(formatTable(['a', 'b'], []), 'a  b');
  });
});

describe('batchListQuery', () => {
  it('selects the batch runs of one topic', () => {
    assert.equal(batchListQuery('orders'), 'WorkflowType = "processOrderBatch" AND WorkflowId STARTS_WITH "orders-"');
  });

  it('counts timed-out, terminated and canceled runs as failed', () => {
    const query = batchListQuery('orders', { state: 'failed' });
    for (const status of ['Failed', 'TimedOut', 'Terminated', 'Canceled']) assert.ok(query.includes(`ExecutionStatus = "${status}"`), status);
  });

  it('finds blocked runs by their BlockedBy attribute and quotes the Partition keyword', () => {
    const query = batchListQuery('orders', { state: 'blocked', partition: 3, since: new Date('2026-11-25T10:00:00Z') });
    assert.match(query, /ExecutionStatus = "Running" AND BlockedBy IS NOT NULL/);
    assert.match(query, /StartTime >= "2026-11-25T10:00:00.000Z"/);
    assert.match(query, /`Partition` = 3$/);
  });
});

describe('datesBetween', () => {
  it('lists every day, both ends included, across a month and a leap day', () => {
    assert.deepEqual(datesBetween('2028-02-28', '2028-03-01'), ['2028-02-28', '2028-02-29', '2028-03-01']);
    assert.deepEqual(datesBetween('2026-11-25', '2026-11-25'), ['2026-11-25']);
  });

  it('is empty when the range runs backwards, and refuses what is not a date', () => {
    assert.deepEqual(datesBetween('2026-11-26', '2026-11-25'), []);
    assert.throws(() => datesBetween('2026-02-30', '2026-03-01'), /not a calendar date/);
    assert.throws(() => datesBetween('yesterday', '2026-03-01'), /not a calendar date/);
  });
});

describe('terminalSafe', () => {
  it('shows control, C1 and bidi characters as escapes and keeps newlines and ordinary text, CJK included', async () => {
    const { terminalSafe } = await import('../../src/cli/format.ts');
    assert.equal(terminalSafe('a\u001b[31mred\u0007\nnext 注文 \u202Egnp.exe \u009b2J'), 'a\\u001b[31mred\\u0007\nnext 注文 \\u202egnp.exe \\u009b2J');
  });
});
