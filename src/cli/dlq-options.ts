// The options of `orders dlq`, checked and turned into what the commands need: pure.
import { parseDlqId, type DlqId, type QuarantineFilter } from '../dlq/quarantined.ts';
import { UsageError } from '../errors.ts';
import { parseDuration } from './format.ts';

export interface RedriveOptions {
  id?: string[];
  all?: boolean;
  since?: string;
  reason?: string;
}

/** --since and --reason as a filter; `nowMs` is when the command runs. */
export function quarantineFilter(options: { since?: string; reason?: string }, nowMs = Date.now()): QuarantineFilter {
  return {
    sinceMs: options.since === undefined ? undefined : nowMs - parseDuration(options.since),
    reasonText: options.reason,
  };
}

export function dlqIdOption(text: string): DlqId {
  const id = parseDlqId(text);
  if (!id) throw new UsageError(`a DLQ id is <partition>-<offset> such as 3-1207, not ${JSON.stringify(text)}`);
  return id;
}

/** Either ids or --all (with its filters); anything else is a usage error. */
export function redriveSelection(options: RedriveOptions, nowMs = Date.now()): { ids?: DlqId[]; filter: QuarantineFilter } {
  const hasIds = options.id !== undefined && options.id.length > 0;
  if (hasIds === Boolean(options.all)) throw new UsageError('choose either --id ID... or --all');
  if (hasIds && (options.since !== undefined || options.reason !== undefined)) throw new UsageError('--since and --reason go with --all, not with --id');
  if (!hasIds) return { filter: quarantineFilter(options, nowMs) };
  return { ids: options.id!.map(dlqIdOption), filter: {} };
}
