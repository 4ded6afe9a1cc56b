// Small hand-made reference data and row builders for the pure domain tests (enrich, state,
// aggregate, fraud, quality, alert e-mails). Not a test file itself.
import type { Order } from '../../src/domain/order.ts';
import type { SilverItemRow, SilverOrderRow } from '../../src/domain/rows.ts';
import type { Customer, Place, Product, ReferenceData } from '../../src/reference/types.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** 2026-11-24T10:00:00Z */
export const T0 = Date.parse('2026-11-24T10:00:00Z');

export const PLACES: Record<string, Place> = {
  berlin: { city: 'Berlin', country: 'DE', lat: 52.52, lon: 13.405 },
  potsdam: { city: 'Potsdam', country: 'DE', lat: 52.3906, lon: 13.0645 },
  munich: { city: 'Munich', country: 'DE', lat: 48.1351, lon: 11.582 },
  paris: { city: 'Paris', country: 'FR', lat: 48.8566, lon: 2.3522 },
  newYork: { city: 'New York', country: 'US', lat: 40.7128, lon: -74.006 },
  losAngeles: { city: 'Los Angeles', country: 'US', lat: 34.0522, lon: -118.2437 },
  tokyo: { city: 'Tokyo', country: 'JP', lat: 35.6762, lon: 139.6503 },
};

export const PRODUCTS: Product[] = [
  { productId: 'P001', name: 'Classic USB-C Cable', category: 'Electronics', unitPriceUsd: 10 },
  { productId: 'P002', name: 'Paperback Novel', category: 'Books', unitPriceUsd: 15 },
  { productId: 'P100', name: 'Game Console Bundle', category: 'Toys & Games', unitPriceUsd: 505 },
  { productId: 'P033', name: 'Odd Price', category: 'Grocery', unitPriceUsd: 1.005 },
];

export const CUSTOMERS: Customer[] = [
  {
    customerId: '1',
    name: 'Anna Schmidt',
    email: 'anna@example.com',
    segment: 'consumer',
    ageBand: '25-34',
    homeAddress: 'Lindenstraße 5, Berlin, DE',
    homeCity: 'Berlin',
    homeCountry: 'DE',
    homeLat: PLACES.berlin!.lat,
    homeLon: PLACES.berlin!.lon,
  },
  {
    customerId: '2',
    name: 'James Smith',
    email: 'james@example.com',
    segment: 'vip',
    ageBand: '45-54',
    homeAddress: '12 Main Street, New York, US',
    homeCity: 'New York',
    homeCountry: 'US',
    homeLat: PLACES.newYork!.lat,
    homeLon: PLACES.newYork!.lon,
  },
];

/** US dollars per coin: BTC 50,000 and ETH 2,000 from 2026-11-01, BTC 60,000 from 2026-11-25. */
export function stubReference(): ReferenceData {
  return {
    product: (id) => PRODUCTS.find((p) => p.productId === id),
    customer: (id) => CUSTOMERS.find((c) => c.customerId === id),
    usdPerUnit: (method, date) => {
      if (method === 'BITCOIN') return date >= '2026-11-25' ? 60_000 : 50_000;
      if (method === 'ETHEREUM') return 2_000;
      return 1;
    },
    geocode: (city, country) => Object.values(PLACES).find((p) => p.city.toLowerCase() === city.trim().toLowerCase() && p.country === country.toUpperCase()),
  };
}

export function canonicalOrder(overrides: Partial<Order> = {}): Order {
  return {
    orderId: 'o-1',
    orderDate: '2026-11-24T10:00:00.000Z',
    dateOrder: '2026-11-24',
    customerId: '1',
    shippingAddress: 'Lindenstraße 5, Berlin, DE',
    totalAmount: 35,
    items: [
      { productId: 'P001', quantity: 2 },
      { productId: 'P002', quantity: 1 },
    ],
    paymentMethod: 'CREDIT CARD',
    paymentStatus: 'PAID',
    orderStatus: 'PLACED',
    message: '',
    ...overrides,
  };
}

let offset = 0;

/** A silver order row of customer 1 at home in Berlin, with the given fields replaced. */
export function silverOrder(overrides: Partial<SilverOrderRow> = {}): SilverOrderRow {
  const orderTs = overrides.orderTs ?? T0;
  return {
    orderId: `o-${offset}`,
    customerId: '1',
    orderTs,
    orderDate: new Date(orderTs).toISOString().slice(0, 10),
    totalAmount: 100,
    totalAmountUsd: 100,
    paymentMethod: 'CREDIT CARD',
    paymentStatus: 'PAID',
    orderStatus: 'PLACED',
    message: '',
    shippingStreet: 'Lindenstraße 5',
    city: 'Berlin',
    country: 'DE',
    lat: PLACES.berlin!.lat,
    lon: PLACES.berlin!.lon,
    itemCount: 1,
    schemaVersion: 3,
    partition: 0,
    offset: offset++,
    kafkaTs: orderTs + 1000,
    customerName: 'Anna Schmidt',
    customerSegment: 'consumer',
    customerAgeBand: '25-34',
    homeCity: 'Berlin',
    homeCountry: 'DE',
    distanceFromHomeKm: 0,
    shipsToHome: true,
    ...overrides,
  };
}

/** The same order shipped to `place` (distance from a Berlin home filled in by the caller when it matters). */
export function shippedTo(place: Place, overrides: Partial<SilverOrderRow> = {}): SilverOrderRow {
  return silverOrder({ city: place.city, country: place.country, lat: place.lat, lon: place.lon, shipsToHome: false, ...overrides });
}

export function itemOf(order: SilverOrderRow, overrides: Partial<SilverItemRow> = {}): SilverItemRow {
  const quantity = overrides.quantity ?? 1;
  const unitPriceUsd = overrides.unitPriceUsd ?? order.totalAmountUsd / quantity;
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    orderTs: order.orderTs,
    orderDate: order.orderDate,
    productId: 'P001',
    productName: 'Classic USB-C Cable',
    category: 'Electronics',
    quantity,
    unitPriceUsd,
    lineAmountUsd: Math.round(unitPriceUsd * quantity * 100) / 100,
    ...overrides,
  };
}

/** One line per order, worth the order's total. */
export const linesOf = (orders: readonly SilverOrderRow[]): SilverItemRow[] => orders.map((o) => itemOf(o));
