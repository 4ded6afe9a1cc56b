// Splits messages into sends that a broker accepts. A Kafka broker refuses a record batch larger
// than `message.max.bytes` (1 MiB by default) with MESSAGE_TOO_LARGE, which no retry can cure:
// a batch that quarantines a few large records would then fail its DLQ copy forever and hold back
// its partition. Pure.

/** Bytes per send, with room under the broker's 1 MiB default for the batch and record overhead. */
export const MAX_SEND_BYTES = 512 * 1024;

export interface SizedMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer | undefined>;
}

const bytes = (v: string | Buffer | null | undefined): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

/** An upper bound of a message's size in a record batch (the per-record overhead is a few dozen bytes). */
export function messageBytes(message: SizedMessage): number {
  let n = 64 + bytes(message.key) + bytes(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) n += 8 + Buffer.byteLength(name) + bytes(value);
  return n;
}

/** Consecutive groups of at most `maxBytes` (a message larger than that goes alone), in order. */
export function chunkBySize<T extends SizedMessage>(messages: readonly T[], maxBytes = MAX_SEND_BYTES): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const message of messages) {
    const n = messageBytes(message);
    if (current.length > 0 && size + n > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Header values are for routing and a first look; the whole text stays in the lake. */
export const MAX_HEADER_CHARS = 2_000;

export function headerText(text: string, maxChars = MAX_HEADER_CHARS): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
