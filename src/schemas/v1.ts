// v1: the shop's original order event. The order date is a "YYYY-MM-DD HH:MM:SS" string read as UTC.
import { z } from 'zod';
import * as f from './fields.ts';

export const OrderV1Schema = z.object(
  {
    orderId: f.orderId,
    orderDate: f.legacyOrderDate,
    customerId: f.customerId,
    shippingAddress: f.shippingAddress,
    totalAmount: f.totalAmount,
    items: f.items,
    paymentMethod: f.paymentMethod,
    paymentStatus: f.paymentStatus,
    orderStatus: f.orderStatus,
  },
  { error: () => 'must be a JSON object' },
);

export type OrderV1 = z.output<typeof OrderV1Schema>;
