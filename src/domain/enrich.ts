// Bronze → silver for one order: USD amounts, the shipping address resolved through the
// gazetteer, the customer's demographics and home, and the item lines joined with the catalog.
// Pure: all reference data comes through the ReferenceData interface.
import { parseShippingAddress } from '../reference/address.ts';
import type { ReferenceData } from '../reference/types.ts';
import { finite, finiteOrNull } from './finite.ts';
import { haversineKm } from './geo.ts';
import type { Order, RecordPosition } from './order.ts';
import type { SilverItemRow, SilverOrderRow } from './rows.ts';
import { roundCents } from './money.ts';

export { roundCents };

/** What silver holds for a city, country or category it cannot resolve. */
export const UNKNOWN = 'Unknown';

export interface EnrichedOrder {
  order: SilverOrderRow;
  items: SilverItemRow[];
  /** The shipping address did not resolve to a place (no city in it, or a city the gazetteer does not know). */
  unresolvedAddress: boolean;
  /** Lines whose product is not in the catalog (kept, with category "Unknown" and price 0). */
  unknownProducts: number;
}

const normalizeAddress = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

export function enrichOrder(order: Order, pos: RecordPosition & { schemaVersion: number }, ref: ReferenceData): EnrichedOrder {
  const orderTs = Date.parse(order.orderDate);
  // Where the failure names the record: offsets, never the order's content (it may reach Temporal).
  const at = { partition: pos.partition, offset: pos.offset };
  const totalAmountUsd = finite(roundCents(order.totalAmount * ref.usdPerUnit(order.paymentMethod, order.dateOrder)), 'totalAmountUsd', at);

  const address = parseShippingAddress(order.shippingAddress);
  const place = address.city !== undefined && address.country !== undefined ? ref.geocode(address.city, address.country) : undefined;
  const city = place?.city ?? address.city ?? UNKNOWN;
  const country = place?.country ?? address.country ?? UNKNOWN;

  const customer = ref.customer(order.customerId);
  let shipsToHome = false;
  let distanceFromHomeKm: number | null = null;
  if (customer) {
    shipsToHome =
      address.city !== undefined
        ? normalizeAddress(order.shippingAddress) === normalizeAddress(customer.homeAddress)
        : normalizeAddress(address.street) === normalizeAddress(parseShippingAddress(customer.homeAddress).street);
    if (place) distanceFromHomeKm = Math.round(haversineKm({ lat: customer.homeLat, lon: customer.homeLon }, place) * 10) / 10;
  }

  let unknownProducts = 0;
  const items: SilverItemRow[] = order.items.map((item) => {
    const product = ref.product(item.productId);
    if (!product) unknownProducts++;
    const unitPriceUsd = product?.unitPriceUsd ?? 0;
    return {
      orderId: order.orderId,
      customerId: order.customerId,
      orderTs,
      orderDate: order.dateOrder,
      productId: item.productId,
      productName: product?.name ?? '',
      category: product?.category ?? UNKNOWN,
      quantity: item.quantity,
      unitPriceUsd,
      lineAmountUsd: finite(roundCents(unitPriceUsd * item.quantity), 'lineAmountUsd', at),
    };
  });

  return {
    order: {
      orderId: order.orderId,
      customerId: order.customerId,
      orderTs,
      orderDate: order.dateOrder,
      totalAmount: order.totalAmount,
      totalAmountUsd,
      paymentMethod: order.paymentMethod,
      paymentStatus: order.paymentStatus,
      orderStatus: order.orderStatus,
      message: order.message,
      shippingStreet: address.street,
      city,
      country,
      lat: place?.lat ?? null,
      lon: place?.lon ?? null,
      itemCount: finite(order.items.reduce((n, i) => n + i.quantity, 0), 'itemCount', at),
      schemaVersion: pos.schemaVersion,
      partition: pos.partition,
      offset: pos.offset,
      kafkaTs: pos.kafkaTs,
      customerName: customer?.name ?? '',
      customerSegment: customer?.segment ?? '',
      customerAgeBand: customer?.ageBand ?? '',
      homeCity: customer?.homeCity ?? '',
      homeCountry: customer?.homeCountry ?? '',
      distanceFromHomeKm: finiteOrNull(distanceFromHomeKm, 'distanceFromHomeKm', at),
      shipsToHome,
    },
    items,
    unresolvedAddress: place === undefined,
    unknownProducts,
  };
}

export interface EnrichedBatch {
  orders: SilverOrderRow[];
  items: SilverItemRow[];
  unresolvedAddressCount: number;
}

/**
 * Enriches a batch's bronze rows that are not repeats. Shared by the enrich activity and the
 * benchmark's plain-consumer baseline, so both do the same work.
 */
export function enrichBronzeRows(bronze: readonly { payload: string; duplicate: boolean; partition: number; offset: number; kafkaTs: number; schemaVersion: number }[], ref: ReferenceData): EnrichedBatch {
  const orders: SilverOrderRow[] = [];
  const items: SilverItemRow[] = [];
  let unresolvedAddressCount = 0;
  for (const row of bronze) {
    if (row.duplicate) continue;
    const enriched = enrichOrder(JSON.parse(row.payload) as Order, row, ref);
    orders.push(enriched.order);
    for (const item of enriched.items) items.push(item);
    if (enriched.unresolvedAddress) unresolvedAddressCount++;
  }
  return { orders, items, unresolvedAddressCount };
}
