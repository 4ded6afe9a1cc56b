// Structured logs (pino) on stderr, so stdout stays free for CLI output.
//
// Two shapes of the same events: JSON, one object per line, for machines (LOG_FORMAT=json, or
// stderr is not a terminal: a log file, a supervisor, a test); and one readable line per event for
// a person at a terminal (LOG_FORMAT=pretty, or auto at a TTY): time, level, process, message and
// the fields as key=value, coloured by level. Both are written synchronously, so a process that
// exits right after its last line (src/cli/lifecycle.ts) loses nothing. The readable form is a
// small formatter here rather than pino-pretty: it runs in-process (pino-pretty as a transport is
// a worker thread that a quick exit can cut short) and needs no dependency.
import { writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';

export type LogFormat = 'auto' | 'pretty' | 'json';
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', format = process.env.LOG_FORMAT ?? 'auto'): Logger {
  if (!readable(format)) return pino({ name, level }, pino.destination(2));
  const colour = process.stderr.isTTY === true && process.env.NO_COLOR === undefined;
  return pino({ name, level }, { write: (line: string) => writeSync(2, `${formatLine(line, { colour })}\n`) });
}

/** Whether this format, on this process's stderr, is the readable one. */
export function readable(format: string): boolean {
  return format === 'pretty' || (format !== 'json' && process.stderr.isTTY === true);
}

const LEVELS: Record<number, [label: string, ansi: string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '90'],
  30: ['INFO ', '32'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '41;97'],
};
/** pino's own fields, shown in the line's fixed part rather than as key=value. */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/**
 * One pino JSON line as one readable line:
 * `16:04:05.123 INFO  worker  worker running  taskQueue=orders`.
 * An error field shows its message (and its cause's); its stack only at debug level and below,
 * because a stack on the console reads as a crash to a user, and these are handled errors.
 */
export function formatLine(json: string, { colour = false } = {}): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const [label, ansi] = LEVELS[level] ?? ['?    ', '0'];
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 23);
  const fields = Object.entries(entry)
    .filter(([key]) => !OWN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${fieldText(value, level <= 20)}`);
  const paint = (code: string, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const name = typeof entry.name === 'string' ? entry.name : '';
  return [paint('90', time), paint(ansi, label), paint('36', name.padEnd(9)), String(entry.msg ?? ''), ...fields].join(' ').trimEnd();
}

function fieldText(value: unknown, withStack: boolean): string {
  if (isSerializedError(value)) {
    const cause = isSerializedError(value.cause) ? ` (cause: ${value.cause.message})` : '';
    const text = JSON.stringify(`${value.message}${cause}`);
    return withStack && typeof value.stack === 'string' ? `${text}\n${value.stack}` : text;
  }
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function isSerializedError(value: unknown): value is { message: string; stack?: unknown; cause?: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' && 'stack' in value;
}

/**
 * kafkajs's log lines into a pino logger. Errors that kafkajs retries by itself during a normal
 * start or rebalance (the group coordinator still loading, a leader being elected) are debug
 * here: it logged them as ERROR, and a user saw an error line on every healthy start.
 */
const KAFKA_RETRIED_ON_START = /group coordinator is not available|coordinator is loading|not the correct coordinator|leader(ship)? (is )?not available|rebalance in progress|The group is rebalancing/i;

export function kafkaLogCreator(log: Logger) {
  // kafkajs's levels: NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5.
  return () =>
    ({ level, label, log: entry }: { namespace: string; level: number; label: string; log: { message: string; [key: string]: unknown } }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const text = `kafka: ${message}`;
      const context = { ...fields, kafkaLevel: label };
      const retried = KAFKA_RETRIED_ON_START.test(`${message} ${String(fields.error ?? '')}`);
      if (level <= 1 && !retried) log.error(context, text);
      else if (level === 2) log.warn(context, text);
      else log.debug(context, text);
    };
}

export type { Logger };
