// Upcasters: each turns a parsed event of one version into the next, so any version reaches v3.
import type { Order } from '../domain/order.ts';
import type { OrderV1 } from './v1.ts';
import type { OrderV2 } from './v2.ts';
import type { OrderV3 } from './v3.ts';

/** v1 → v2: the message did not exist; readers fill "". */
export function upcastV1toV2(event: OrderV1): OrderV2 {
  return { ...event, message: '' };
}

/**
 * v2 → v3: "YYYY-MM-DD HH:MM:SS" was always UTC, so it becomes "YYYY-MM-DDTHH:MM:SSZ", and
 * dateOrder is its date part.
 */
export function upcastV2toV3(event: OrderV2): OrderV3 {
  const date = event.orderDate.slice(0, 10);
  const time = event.orderDate.slice(11, 19);
  return {
    orderId: event.orderId,
    orderDate: `${date}T${time}Z`,
    dateOrder: date,
    customerId: event.customerId,
    shippingAddress: event.shippingAddress,
    totalAmount: event.totalAmount,
    items: event.items,
    paymentMethod: event.paymentMethod,
    paymentStatus: event.paymentStatus,
    orderStatus: event.orderStatus,
    message: event.message,
  };
}

/** A parsed v3 event in the canonical key order (so bronze payloads read the same whatever the version). */
export function canonicalOrder(event: OrderV3): Order {
  return {
    orderId: event.orderId,
    orderDate: event.orderDate,
    dateOrder: event.dateOrder,
    customerId: event.customerId,
    shippingAddress: event.shippingAddress,
    totalAmount: event.totalAmount,
    items: event.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
    paymentMethod: event.paymentMethod,
    paymentStatus: event.paymentStatus,
    orderStatus: event.orderStatus,
    message: event.message,
  };
}
