// v3 (current): the order date becomes an ISO 8601 date-time with offset, and `dateOrder` carries
// its UTC calendar date. Its output type is the canonical Order every other version upcasts to.
import { z } from 'zod';
import type { Order } from '../domain/order.ts';
import * as f from './fields.ts';

/** The v3 fields without the cross-field rule: the base for deriving or comparing schemas. */
export const OrderV3Fields = z.object(
    {
      orderId: f.orderId,
      orderDate: f.isoOrderDate,
      dateOrder: f.dateOrder,
      customerId: f.customerId,
      shippingAddress: f.shippingAddress,
      totalAmount: f.totalAmount,
      items: f.items,
      paymentMethod: f.paymentMethod,
      paymentStatus: f.paymentStatus,
      orderStatus: f.orderStatus,
      message: f.message,
    },
    { error: () => 'must be a JSON object' },
);

/** v3 as validated: the fields plus "dateOrder is the UTC date of orderDate". */
export const OrderV3Schema = OrderV3Fields.superRefine((order, ctx) => {
  // zod runs this even when orderDate itself was rejected (its checks do not abort): that field
  // already has its reason, and an unparsable date has no UTC date to compare (toISOString throws).
  if (typeof order.orderDate !== 'string' || Number.isNaN(Date.parse(order.orderDate))) return;
  const expected = f.utcDateOf(order.orderDate);
  if (order.dateOrder !== expected) {
    ctx.addIssue({ code: 'custom', path: ['dateOrder'], message: `must be the UTC date of orderDate (${expected})`, input: order.dateOrder });
  }
});

export type OrderV3 = z.output<typeof OrderV3Schema>;

// Compile-time proof that a parsed v3 event is a canonical Order.
type AssertAssignable<T extends Order> = T;
export type _OrderV3IsOrder = AssertAssignable<OrderV3>;
