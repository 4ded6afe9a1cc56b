// Field schemas shared by the event versions, each with the rule text that reasons quote:
// a rejected event's reason reads "<field>: <rule>", e.g. "items[2].quantity: must be an integer ≥ 1".
import { z } from 'zod';
import { ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES } from '../domain/order.ts';
import * as limits from './limits.ts';

export const IS_REQUIRED = 'is required';

/** Zod error map for one field: "is required" when absent, else the field's rule. */
const rule = (text: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? IS_REQUIRED : text) });

/** The bound rules (limits.ts) read as their own reasons, e.g. "orderId: must be at most 128 characters". */
const atMostChars = (max: number) => `must be at most ${max} characters`;
const nonEmptyString = (text = 'must be a non-empty string') => z.string(rule(text)).min(1, text);
const id = () => nonEmptyString().max(limits.ID_MAX_CHARS, atMostChars(limits.ID_MAX_CHARS));

export const orderId = id();
export const customerId = id();
export const shippingAddress = z.string(rule('must be a string')).max(limits.ADDRESS_MAX_CHARS, atMostChars(limits.ADDRESS_MAX_CHARS));

const TOTAL_AMOUNT_RULE = 'must be a number ≥ 0';
export const totalAmount = z
  .number(rule(TOTAL_AMOUNT_RULE))
  .min(0, TOTAL_AMOUNT_RULE)
  .max(limits.TOTAL_AMOUNT_MAX, `must be ≤ ${limits.TOTAL_AMOUNT_MAX}`);

const QUANTITY_RULE = 'must be an integer ≥ 1';
export const orderItem = z.object(
  {
    productId: z.string(rule('must be a string')).max(limits.ID_MAX_CHARS, atMostChars(limits.ID_MAX_CHARS)),
    quantity: z
      .number(rule(QUANTITY_RULE))
      .int(QUANTITY_RULE)
      .min(1, QUANTITY_RULE)
      .max(limits.QUANTITY_MAX, `must be an integer ≤ ${limits.QUANTITY_MAX}`),
  },
  rule('must be an object { productId, quantity }'),
);

const ITEMS_RULE = 'must be an array of at least one item';
export const items = z
  .array(orderItem, rule(ITEMS_RULE))
  .min(1, ITEMS_RULE)
  .max(limits.ITEMS_MAX, `must have at most ${limits.ITEMS_MAX} items`);

const oneOf = (values: readonly string[]) => `must be one of ${values.join(', ')}`;
export const paymentMethod = z.enum(PAYMENT_METHODS, rule(oneOf(PAYMENT_METHODS)));
export const paymentStatus = z.enum(PAYMENT_STATUSES, rule(oneOf(PAYMENT_STATUSES)));
export const orderStatus = z.enum(ORDER_STATUSES, rule(oneOf(ORDER_STATUSES)));

/** v2+: optional on the wire; readers fill "" when it is absent (docs/contract.md §1.2). */
export const message = z.string(rule('must be a string')).max(limits.MESSAGE_MAX_CHARS, atMostChars(limits.MESSAGE_MAX_CHARS)).default('');

/** Orders from before 1970 or after 2099 are typos or attacks; their dates would also break the date-keyed lake. */
const DATE_RANGE_RULE = `must be between ${limits.ORDER_DATE_MIN} and ${limits.ORDER_DATE_MAX} (UTC)`;
// A value the format rule already rejects (NaN here) gets that one reason, not a second one.
const inDateRange = (ms: number): boolean => Number.isNaN(ms) || (ms >= limits.ORDER_DATE_MIN_MS && ms < limits.ORDER_DATE_END_MS);

/** v1/v2 order date: "YYYY-MM-DD HH:MM:SS", a real calendar date and time, read as UTC. */
export const LEGACY_DATETIME_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
const LEGACY_DATETIME_RULE = 'must be a date-time string YYYY-MM-DD HH:MM:SS';
export const legacyOrderDate = z
  .string(rule(LEGACY_DATETIME_RULE))
  .regex(LEGACY_DATETIME_PATTERN, LEGACY_DATETIME_RULE)
  .refine((s) => isCalendarDate(s.slice(0, 10)), LEGACY_DATETIME_RULE)
  .refine((s) => !LEGACY_DATETIME_PATTERN.test(s) || inDateRange(Date.parse(`${s.replace(' ', 'T')}Z`)), DATE_RANGE_RULE);

/** v3 order date: ISO 8601 date-time with seconds and an offset (Z or ±HH:MM). */
const ISO_DATETIME_RULE = 'must be an ISO 8601 date-time with offset, e.g. 2026-11-24T13:05:00Z';
export const isoOrderDate = z.iso.datetime({ offset: true, ...rule(ISO_DATETIME_RULE) }).refine((s) => inDateRange(Date.parse(s)), DATE_RANGE_RULE);

const DATE_RULE = 'must be a date string YYYY-MM-DD';
export const dateOrder = z.iso.date(rule(DATE_RULE)).refine((s) => inDateRange(Date.parse(`${s}T00:00:00Z`)), DATE_RANGE_RULE);

/** True for a YYYY-MM-DD string naming a day that exists (no 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date;
}

/** The UTC calendar date of an ISO date-time with offset. */
export function utcDateOf(isoDateTime: string): string {
  return new Date(isoDateTime).toISOString().slice(0, 10);
}
