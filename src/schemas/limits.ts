// Bounds of the order contract (docs/contract.md §1, as validated). Each is far beyond anything a real shop
// sends, and each keeps a value inside what the pipeline can store and add up: a quantity fits
// the INT32 Parquet column even summed over every line of an order, an amount stays exact to the
// cent in US dollars after any crypto rate, and no running total can reach Infinity. A breach is a
// quarantine reason naming the field and the rule, like every other contract breach.

/** orderId, customerId and productId: a UUID has 36 characters. */
export const ID_MAX_CHARS = 128;
/** shippingAddress: "<street>, <city>, <country code>". */
export const ADDRESS_MAX_CHARS = 1_000;
/** message: a note to the shop. */
export const MESSAGE_MAX_CHARS = 20_000;
/** items: lines of one order. */
export const ITEMS_MAX = 1_000;
/** items[].quantity: per line; ITEMS_MAX × QUANTITY_MAX = 1e9 < 2^31 − 1 (the INT32 itemCount column). */
export const QUANTITY_MAX = 1_000_000;
/**
 * totalAmount, in its currency: 100 million. In cents after the highest crypto rate (~1e5 USD per
 * coin) that is 1e15, still below 2^53, so cents stay exact.
 */
export const TOTAL_AMOUNT_MAX = 100_000_000;
/** orderDate (as a UTC instant) and dateOrder: from ORDER_DATE_MIN up to, not including, ORDER_DATE_END. */
export const ORDER_DATE_MIN = '1970-01-01';
export const ORDER_DATE_END = '2100-01-01';
/** The last day allowed, for rule texts. */
export const ORDER_DATE_MAX = '2099-12-31';

export const ORDER_DATE_MIN_MS = Date.parse(`${ORDER_DATE_MIN}T00:00:00Z`);
export const ORDER_DATE_END_MS = Date.parse(`${ORDER_DATE_END}T00:00:00Z`);

/** Kafka timestamps the pipeline can place on a calendar (ISO years 0000–9999). */
export const KAFKA_TS_MIN_MS = Date.parse('0000-01-01T00:00:00.000Z');
export const KAFKA_TS_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** True for a Kafka timestamp with a four-digit year (anything else has no YYYY-MM-DD date). */
export function isPlausibleKafkaTimestamp(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= KAFKA_TS_MIN_MS && ms <= KAFKA_TS_MAX_MS;
}

export const KAFKA_TS_RULE = 'must be within years 0000–9999';
