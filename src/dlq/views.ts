// How `orders dlq list|show|redrive` present quarantined records: pure, for tables and JSON.
import type { RawRecord } from '../lake/raw.ts';
import type { QuarantinedMessage } from './quarantined.ts';
import type { RedriveMarker } from './redrive-record.ts';
import type { RedriveResult } from './redrive.ts';

/** Reasons as ingest joins them ("field: rule; field: rule"), one per entry. */
export function reasonsOf(reason: string): string[] {
  return reason.split('; ').map((r) => r.trim()).filter((r) => r !== '');
}

/** The payload as JSON when it parses (so `--json` nests it), else the text as it came. */
export function payloadOf(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** One line of at most `max` characters: newlines folded, the rest cut with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

const isoTime = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');

export interface ListedMessage {
  id: string;
  partition: number;
  offset: number;
  kafkaTime: string;
  reason: string;
  batchId: string;
  /** The DLQ id of its redriven copy, when it was redriven. */
  redrivenAs?: string;
}

export function listedMessage(message: QuarantinedMessage, marker: RedriveMarker | undefined): ListedMessage {
  return {
    id: message.id,
    partition: message.partition,
    offset: message.offset,
    kafkaTime: isoTime(message.kafkaTs),
    reason: message.reason,
    batchId: message.batchId,
    ...(marker ? { redrivenAs: marker.copyId } : {}),
  };
}

export const LIST_HEADERS = ['id', 'kafka time', 'batch', 'redriven as', 'reason'];
const REASON_WIDTH = 80;

export function listRow(listed: ListedMessage): string[] {
  return [listed.id, listed.kafkaTime.slice(0, 19).replace('T', ' '), listed.batchId, listed.redrivenAs ?? '', oneLine(listed.reason, REASON_WIDTH)];
}

export interface ShownMessage extends ListedMessage {
  topic: string;
  reasons: string[];
  /** The Kafka key, from the raw zone (null: none; absent: the raw object is gone). */
  key?: string | null;
  headers?: Record<string, string>;
  payload: unknown;
  quarantineKey: string;
  batchUrl: string;
  redrive?: RedriveMarker;
  /** Earlier quarantined records this one is a redriven copy of, newest first. */
  redriveOf: { id: string; reason: string }[];
}

export function shownMessage(
  message: QuarantinedMessage,
  context: { topic: string; original?: RawRecord; marker?: RedriveMarker; batchUrl: string; redriveOf: { id: string; reason: string }[] },
): ShownMessage {
  return {
    ...listedMessage(message, context.marker),
    topic: context.topic,
    reasons: reasonsOf(message.reason),
    ...(context.original ? { key: context.original.key, headers: context.original.headers } : {}),
    payload: payloadOf(message.raw),
    quarantineKey: message.quarantineKey,
    batchUrl: context.batchUrl,
    ...(context.marker ? { redrive: context.marker } : {}),
    redriveOf: context.redriveOf,
  };
}

/** `dlq show` as text: labelled lines, then the payload as it arrived. */
export function shownText(shown: ShownMessage, raw: string): string {
  const lines: [string, string | undefined][] = [
    ['id', shown.id],
    ['topic', `${shown.topic} partition ${shown.partition} offset ${shown.offset}`],
    ['kafka time', shown.kafkaTime],
    ['batch', shown.batchId],
    ['web UI', shown.batchUrl],
    ['quarantine object', shown.quarantineKey],
    ['key', shown.key === undefined ? '(raw object gone)' : (shown.key ?? '(none)')],
    ['headers', shown.headers === undefined ? undefined : Object.entries(shown.headers).map(([k, v]) => `${k}=${v}`).join(', ') || '(none)'],
    ['redriven', shown.redrive ? `as ${shown.redrive.copyId} at ${shown.redrive.redrivenAt}` : 'no'],
  ];
  const out = lines.filter(([, v]) => v !== undefined).map(([label, value]) => `${label.padEnd(18)} ${value!}`);
  out.push(`reasons`, ...shown.reasons.map((r) => `  - ${r}`));
  for (const earlier of shown.redriveOf) out.push(`redrive of ${earlier.id}: ${earlier.reason}`);
  out.push('payload', raw);
  return out.join('\n');
}

export const REDRIVE_HEADERS = ['id', 'outcome', 'copy', 'at'];

export function redriveRow(result: RedriveResult): string[] {
  return [result.id, result.outcome + (result.fromRawZone === false ? ' (from quarantine text; raw object gone)' : ''), result.copyId, result.redrivenAt];
}

export function redriveSummary(results: readonly RedriveResult[]): string {
  const redriven = results.filter((r) => r.outcome === 'redriven').length;
  return `redriven ${redriven}, already redriven before ${results.length - redriven}`;
}
