// One order on the wire (docs/contract.md §1): a planned order made into the event of its schema
// version, with its defect applied. Draws from the wire's random stream in a fixed order, so a
// seed gives the same bytes; the generator (generator.ts) keeps the truth and the statistics.
import { haversineKm } from '../domain/geo.ts';
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../domain/order.ts';
import { parseShippingAddress } from '../reference/address.ts';
import type { Random } from '../reference/prng.ts';
import { PRODUCTS } from '../reference/products.ts';
import type { Customer } from '../reference/types.ts';
import type { CustomerProfile } from './behaviour.ts';
import { isoWithOffset, legacyDateTime, MESSAGES, ORDER_STATUS_WEIGHTS, PAYMENT_STATUS_WEIGHTS, round2, round8, type OrderPlan } from './generator-settings.ts';
import type { TruthItem } from './types.ts';

export interface WireOrder {
  plan: OrderPlan;
  customer: Customer;
  profile: CustomerProfile;
  version: number;
  orderId: string;
  /** Event time as the version can carry it (whole seconds before v3). */
  ts: number;
  /** USD per unit of the order's payment currency on its date. */
  usdPerUnit: number;
}

/** The event (and its text) of one planned order, with what the truth file records about it. */
export function wireEvent(w: Random, { plan, customer, profile, version, orderId, ts, usdPerUnit }: WireOrder) {
  const defect = plan.defect;
  const iso = new Date(ts).toISOString();
  const date = iso.slice(0, 10);

  const items: TruthItem[] = plan.lines.map(({ n, q }) => {
    const product = PRODUCTS[n - 1]!;
    return { productId: product.productId, quantity: q, unitPriceUsd: product.unitPriceUsd, lineUsd: q * product.unitPriceUsd, category: product.category };
  });
  const listUsd = items.reduce((sum, i) => sum + (i.lineUsd ?? 0), 0);
  const totalAmount = usdPerUnit === 1 ? round2(listUsd) : round8(listUsd / usdPerUnit);
  const usdTotal = round2(totalAmount * usdPerUnit);

  let shippingAddress: string;
  let shipCity: string | null;
  let shipCountry: string | null;
  let shipKm: number | null;
  if (plan.ship) {
    shippingAddress = `${plan.ship.street}, ${plan.ship.city.city}, ${plan.ship.city.country}`;
    shipCity = plan.ship.city.city;
    shipCountry = plan.ship.city.country;
    shipKm = Math.round(haversineKm({ lat: customer.homeLat, lon: customer.homeLon }, plan.ship.city) * 10) / 10;
  } else if (version === 1 && plan.patternId === null && w.chance(0.4)) {
    // Older events may hold only the street (docs/contract.md §1.2).
    shippingAddress = parseShippingAddress(customer.homeAddress).street;
    shipCity = shipCountry = shipKm = null;
  } else {
    shippingAddress = customer.homeAddress;
    shipCity = customer.homeCity;
    shipCountry = customer.homeCountry;
    shipKm = 0;
  }

  const paymentStatus = PAYMENT_STATUSES[w.weightedIndex(PAYMENT_STATUS_WEIGHTS)]!;
  const orderStatus = ORDER_STATUSES[w.weightedIndex(ORDER_STATUS_WEIGHTS)]!;
  const withMessage = version === 2 ? w.chance(0.7) : version === 3 ? w.chance(0.9) : false;
  const message = withMessage ? w.pick(MESSAGES) : undefined;

  const event: Record<string, unknown> = { orderId };
  if (version === 3) {
    event.orderDate = w.chance(0.25) ? isoWithOffset(ts, profile.utcOffsetHours) : iso;
    event.dateOrder = date;
  } else {
    event.orderDate = legacyDateTime(iso);
  }
  event.customerId = customer.customerId;
  event.shippingAddress = shippingAddress;
  event.totalAmount = totalAmount;
  event.items = items.map((i) => ({ productId: i.productId, quantity: i.quantity }));
  event.paymentMethod = plan.paymentMethod;
  event.paymentStatus = paymentStatus;
  event.orderStatus = orderStatus;
  if (message !== undefined) event.message = message;

  let value: string | undefined;
  switch (defect) {
    case 'missing-field': {
      const required = Object.keys(event).filter((k) => k !== 'message');
      delete event[w.pick(required)];
      break;
    }
    case 'wrong-type': {
      const variant = w.int(0, 3);
      if (variant === 0) event.totalAmount = String(totalAmount);
      else if (variant === 1) event.customerId = Number(customer.customerId);
      else if (variant === 2) (event.items as { quantity: unknown }[])[0]!.quantity = String(items[0]!.quantity);
      else event.orderDate = ts;
      break;
    }
    case 'negative-amount':
      event.totalAmount = -totalAmount;
      break;
    case 'empty-items':
      event.items = [];
      break;
    case 'unknown-product': {
      const k = w.int(0, items.length - 1);
      const unknown = `P${w.int(101, 999)}`;
      (event.items as { productId: string }[])[k]!.productId = unknown;
      items[k] = { productId: unknown, quantity: items[k]!.quantity, unitPriceUsd: null, lineUsd: null, category: null };
      break;
    }
    case 'malformed-json': {
      const text = JSON.stringify(event);
      value = w.chance(0.7) ? text.slice(0, w.int(1, text.length - 2)) : `${text.slice(0, -1)},}`;
      break;
    }
    default:
      break;
  }
  value ??= JSON.stringify(event);

  return { items, totalAmount, usdTotal, shipCity, shipCountry, shipKm, paymentStatus, orderStatus, event, value };
}
