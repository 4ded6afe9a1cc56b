// The registry: picks an event's version from the `schema-version` header or, without it, from its
// shape (docs/contract.md §1.1), validates it against that version's schema and upcasts it to the canonical
// Order. It never throws for bad input: a rejected event comes back with a reason naming the field
// and the rule, ready for the quarantine.
import type { z } from 'zod';
import type { Order } from '../domain/order.ts';
import { HEADER_SCHEMA_VERSION } from '../contract/kafka-headers.ts';
import { canonicalOrder, upcastV1toV2, upcastV2toV3 } from './upcast.ts';
import { OrderV1Schema } from './v1.ts';
import { OrderV2Schema } from './v2.ts';
import { OrderV3Schema } from './v3.ts';

export const SCHEMA_VERSIONS = [1, 2, 3] as const;
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number];
export const LATEST_SCHEMA_VERSION: SchemaVersion = 3;

export const SCHEMAS = { 1: OrderV1Schema, 2: OrderV2Schema, 3: OrderV3Schema } as const;

/** Kafka headers as kafkajs or the bridge hand them over. */
export type MessageHeaders = Readonly<Record<string, string | Buffer | readonly (string | Buffer)[] | undefined>> | undefined;

export type DecodeResult =
  | { ok: true; order: Order; schemaVersion: SchemaVersion; versionFrom: 'header' | 'shape' }
  | { ok: false; reason: string; schemaVersion?: SchemaVersion };

/** Version of a header-less event by its shape: v3 has `dateOrder`, v2 has `message`, else v1. */
export function versionByShape(event: Record<string, unknown>): SchemaVersion {
  if (Object.hasOwn(event, 'dateOrder')) return 3;
  if (Object.hasOwn(event, 'message')) return 2;
  return 1;
}

/** The header's value as text, or undefined when the message has no such header. */
export function headerText(headers: MessageHeaders, name = HEADER_SCHEMA_VERSION): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** "items[2].quantity" from a zod issue path; "value" for the event itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'value' : out;
}

/** Fields named in one reason; an order with 20,000 broken lines must not make a megabyte reason. */
export const MAX_REASON_FIELDS = 10;

/** One reason for all of an event's issues: "field: rule; field: rule" (one entry per field, at most MAX_REASON_FIELDS). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const issue of issues) {
    const field = formatPath(issue.path);
    if (seen.has(field)) continue;
    seen.add(field);
    parts.push(`${field}: ${issue.message}`);
  }
  if (parts.length <= MAX_REASON_FIELDS) return parts.join('; ');
  return `${parts.slice(0, MAX_REASON_FIELDS).join('; ')}; and ${parts.length - MAX_REASON_FIELDS} more fields`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A producer's value quoted in a reason: enough to recognise it, never a megabyte header copied into every quarantine row. */
const QUOTED_MAX_CHARS = 40;
const shortened = (text: string): string => (text.length <= QUOTED_MAX_CHARS ? text : `${text.slice(0, QUOTED_MAX_CHARS)}…`);

/** Parses one order event of any version into the canonical (v3) Order, or says why it cannot. */
export function decodeOrder(value: Buffer | Uint8Array | string, headers?: MessageHeaders): DecodeResult {
  let declared: SchemaVersion | undefined;
  const header = headerText(headers);
  if (header !== undefined) {
    const version = Number(header.trim());
    if (!(SCHEMA_VERSIONS as readonly number[]).includes(version) || header.trim() === '') {
      return { ok: false, reason: `${HEADER_SCHEMA_VERSION}: unknown version ${JSON.stringify(shortened(header))} (expected 1, 2 or 3)` };
    }
    declared = version as SchemaVersion;
  }

  let text: string;
  if (typeof value === 'string') {
    text = value;
  } else {
    try {
      text = utf8.decode(value);
    } catch {
      return { ok: false, reason: 'value: not valid UTF-8', schemaVersion: declared };
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'value: not valid JSON', schemaVersion: declared };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'value: must be a JSON object', schemaVersion: declared };
  }

  const schemaVersion = declared ?? versionByShape(json as Record<string, unknown>);
  const versionFrom = declared === undefined ? 'shape' : 'header';
  switch (schemaVersion) {
    case 1: {
      const parsed = OrderV1Schema.safeParse(json);
      if (!parsed.success) return { ok: false, reason: formatIssues(parsed.error.issues), schemaVersion };
      return { ok: true, order: upcastV2toV3(upcastV1toV2(parsed.data)), schemaVersion, versionFrom };
    }
    case 2: {
      const parsed = OrderV2Schema.safeParse(json);
      if (!parsed.success) return { ok: false, reason: formatIssues(parsed.error.issues), schemaVersion };
      return { ok: true, order: upcastV2toV3(parsed.data), schemaVersion, versionFrom };
    }
    case 3: {
      const parsed = OrderV3Schema.safeParse(json);
      if (!parsed.success) return { ok: false, reason: formatIssues(parsed.error.issues), schemaVersion };
      return { ok: true, order: canonicalOrder(parsed.data), schemaVersion, versionFrom };
    }
  }
}
