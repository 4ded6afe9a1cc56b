// The canonical order: an event of any version after upcasting to the newest (v3).
// Everything downstream of ingest works on this shape.

export const PAYMENT_METHODS = ['CASH', 'CREDIT CARD', 'DEBIT CARD', 'PAYPAL', 'VENMO', 'ZELLE', 'BITCOIN', 'ETHEREUM', 'LITECOIN', 'OTHER'] as const;
export const CRYPTO_METHODS = ['BITCOIN', 'ETHEREUM', 'LITECOIN'] as const;
export const PAYMENT_STATUSES = ['PAID', 'PENDING', 'FAILED'] as const;
export const ORDER_STATUSES = ['PLACED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;

export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItem {
  productId: string;
  quantity: number;
}

export interface Order {
  orderId: string;
  /** ISO 8601 datetime with offset. */
  orderDate: string;
  /** YYYY-MM-DD, the UTC calendar date of orderDate. */
  dateOrder: string;
  customerId: string;
  shippingAddress: string;
  /** In the currency implied by paymentMethod (USD, or the coin for crypto methods). */
  totalAmount: number;
  items: OrderItem[];
  paymentMethod: PaymentMethod;
  paymentStatus: PaymentStatus;
  orderStatus: OrderStatus;
  message: string;
}

/** Where a record came from on Kafka. */
export interface RecordPosition {
  partition: number;
  offset: number;
  /** Kafka timestamp, ms since the epoch. */
  kafkaTs: number;
}
