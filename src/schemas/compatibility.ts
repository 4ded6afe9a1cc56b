// Schema-evolution guard. checkCompatibility(older, newer) compares two zod object schemas through
// their JSON Schema (zod's own export, input side: fields with a default count as optional) and
// lists every change that would break a reader:
//   backward: a reader built for `newer` reading events written for `older` (new code, old data);
//   forward:  a reader built for `older` reading events written for `newer` (old code, new data;
//             unknown fields are ignored, so adding an optional field is fine).
// Custom refinements (e.g. v3's dateOrder/orderDate consistency) are not visible to it.
import { z } from 'zod';

export type CompatibilityIssueKind =
  | 'removed'
  | 'renamed'
  | 'required-without-default'
  | 'made-required'
  | 'made-optional'
  | 'type-changed'
  | 'narrowed'
  | 'widened'
  | 'format-changed';

export interface CompatibilityIssue {
  /** Dotted path; "[]" stands for every element of an array, e.g. "items[].quantity". */
  field: string;
  kind: CompatibilityIssueKind;
  breaks: 'backward' | 'forward' | 'both';
  detail: string;
}

export interface CompatibilityReport {
  /** True when no issue breaks either direction. */
  compatible: boolean;
  backward: boolean;
  forward: boolean;
  issues: CompatibilityIssue[];
}

type Node = Record<string, unknown>;

const asNode = (value: unknown): Node => (value !== null && typeof value === 'object' ? (value as Node) : {});

function typesOf(node: Node): Set<string> {
  const t = node.type;
  if (typeof t === 'string') return new Set([t]);
  if (Array.isArray(t)) return new Set(t.map(String));
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(node[key])) return new Set((node[key] as unknown[]).flatMap((n) => [...typesOf(asNode(n))]));
  }
  return new Set();
}

/** Does a value of JSON type `t` always fit one of `accepted`? ("integer" fits "number".) */
const fits = (t: string, accepted: Set<string>): boolean => accepted.has(t) || (t === 'integer' && accepted.has('number'));

const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

function compareBound(field: string, older: Node, newer: Node, key: string, isLower: boolean, issues: CompatibilityIssue[]): void {
  // zod writes ±MAX_SAFE_INTEGER bounds for every .int(): that is the integer type, not a rule.
  const bound = (node: Node): number | undefined =>
    typeof node[key] === 'number' && Math.abs(node[key] as number) !== Number.MAX_SAFE_INTEGER ? (node[key] as number) : undefined;
  const a = bound(older);
  const b = bound(newer);
  if (a === b) return;
  // Tighter: a lower bound that rose (or appeared), an upper bound that fell (or appeared).
  const tighter = a === undefined ? true : b === undefined ? false : isLower ? b > a : b < a;
  issues.push({
    field,
    kind: tighter ? 'narrowed' : 'widened',
    breaks: tighter ? 'backward' : 'forward',
    detail: `${key} ${a ?? 'none'} → ${b ?? 'none'}`,
  });
}

function compareNodes(field: string, older: Node, newer: Node, issues: CompatibilityIssue[]): void {
  const olderTypes = typesOf(older);
  const newerTypes = typesOf(newer);
  if (olderTypes.size > 0 && newerTypes.size > 0) {
    const lost = [...olderTypes].filter((t) => !fits(t, newerTypes));
    const gained = [...newerTypes].filter((t) => !fits(t, olderTypes));
    const detail = `type ${[...olderTypes].join('|')} → ${[...newerTypes].join('|')}`;
    const overlaps = (t: string, others: Set<string>): boolean => fits(t, others) || (t === 'number' && others.has('integer'));
    if (![...olderTypes].some((t) => overlaps(t, newerTypes))) {
      issues.push({ field, kind: 'type-changed', breaks: 'both', detail });
      return;
    }
    if (lost.length > 0) issues.push({ field, kind: 'narrowed', breaks: 'backward', detail });
    if (gained.length > 0) issues.push({ field, kind: 'widened', breaks: 'forward', detail });
  }

  if (Array.isArray(older.enum) || Array.isArray(newer.enum)) {
    const a = new Set((older.enum as unknown[] | undefined) ?? []);
    const b = new Set((newer.enum as unknown[] | undefined) ?? []);
    const removed = Array.isArray(newer.enum) ? [...a].filter((v) => !b.has(v)) : [];
    const added = Array.isArray(older.enum) ? [...b].filter((v) => !a.has(v)) : [];
    if (!Array.isArray(older.enum)) issues.push({ field, kind: 'narrowed', breaks: 'backward', detail: `now limited to ${[...b].join(', ')}` });
    else if (removed.length > 0) issues.push({ field, kind: 'narrowed', breaks: 'backward', detail: `values removed: ${removed.join(', ')}` });
    if (added.length > 0) issues.push({ field, kind: 'widened', breaks: 'forward', detail: `values added: ${added.join(', ')}` });
  }

  const formatOf = (node: Node): string | undefined =>
    node.pattern === undefined && node.format === undefined ? undefined : stableJson({ pattern: node.pattern, format: node.format });
  const olderFormat = formatOf(older);
  const newerFormat = formatOf(newer);
  if (olderFormat !== newerFormat) {
    if (olderFormat !== undefined && newerFormat !== undefined) {
      issues.push({ field, kind: 'format-changed', breaks: 'both', detail: `format ${String(older.format ?? older.pattern)} → ${String(newer.format ?? newer.pattern)}` });
    } else {
      const added = newerFormat !== undefined;
      issues.push({ field, kind: added ? 'narrowed' : 'widened', breaks: added ? 'backward' : 'forward', detail: `format ${added ? 'added' : 'removed'}` });
    }
  }

  compareBound(field, older, newer, 'minimum', true, issues);
  compareBound(field, older, newer, 'exclusiveMinimum', true, issues);
  compareBound(field, older, newer, 'maximum', false, issues);
  compareBound(field, older, newer, 'exclusiveMaximum', false, issues);
  compareBound(field, older, newer, 'minLength', true, issues);
  compareBound(field, older, newer, 'maxLength', false, issues);
  compareBound(field, older, newer, 'minItems', true, issues);
  compareBound(field, older, newer, 'maxItems', false, issues);

  if (older.items !== undefined || newer.items !== undefined) {
    compareNodes(`${field}[]`, asNode(older.items), asNode(newer.items), issues);
  }
  if (older.properties !== undefined || newer.properties !== undefined) {
    compareObjects(field, older, newer, issues);
  }
}

function compareObjects(prefix: string, older: Node, newer: Node, issues: CompatibilityIssue[]): void {
  const at = (name: string): string => (prefix === '' ? name : `${prefix}.${name}`);
  const olderProps = asNode(older.properties);
  const newerProps = asNode(newer.properties);
  const olderRequired = new Set((older.required as string[] | undefined) ?? []);
  const newerRequired = new Set((newer.required as string[] | undefined) ?? []);

  const removed = Object.keys(olderProps).filter((name) => !(name in newerProps));
  const added = Object.keys(newerProps).filter((name) => !(name in olderProps));
  const renamedTo = new Set<string>();
  for (const name of removed) {
    // A field that vanished while one with the very same schema appeared was most likely renamed.
    const twin = added.find((candidate) => !renamedTo.has(candidate) && stableJson(newerProps[candidate]) === stableJson(olderProps[name]));
    if (twin) {
      renamedTo.add(twin);
      issues.push({ field: at(name), kind: 'renamed', breaks: 'both', detail: `renamed to ${at(twin)}` });
    } else {
      issues.push({ field: at(name), kind: 'removed', breaks: olderRequired.has(name) ? 'both' : 'forward', detail: 'field removed' });
    }
  }
  for (const name of added) {
    if (renamedTo.has(name)) continue;
    if (newerRequired.has(name)) {
      issues.push({ field: at(name), kind: 'required-without-default', breaks: 'backward', detail: 'new required field without a default: older events lack it' });
    }
  }
  for (const name of Object.keys(olderProps)) {
    if (!(name in newerProps)) continue;
    if (!olderRequired.has(name) && newerRequired.has(name)) {
      issues.push({ field: at(name), kind: 'made-required', breaks: 'backward', detail: 'optional field became required' });
    } else if (olderRequired.has(name) && !newerRequired.has(name)) {
      issues.push({ field: at(name), kind: 'made-optional', breaks: 'forward', detail: 'required field became optional: older readers need it' });
    }
    compareNodes(at(name), asNode(olderProps[name]), asNode(newerProps[name]), issues);
  }
}

/** JSON Schema of the event a writer may send for this schema (defaults make fields optional). */
export function wireJsonSchema(schema: z.ZodType): Node {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
}

export function checkCompatibility(older: z.ZodType, newer: z.ZodType): CompatibilityReport {
  const issues: CompatibilityIssue[] = [];
  compareNodes('', wireJsonSchema(older), wireJsonSchema(newer), issues);
  const breaks = (direction: 'backward' | 'forward'): boolean => issues.some((i) => i.breaks === direction || i.breaks === 'both');
  return { compatible: issues.length === 0, backward: !breaks('backward'), forward: !breaks('forward'), issues };
}
