// One pure function per fraud rule. Each takes the rule's thresholds, the order (a silver row) and
// the slice of partition state it needs, and returns the figures that triggered it, or undefined.
// The partition walk (../partition-walk.ts) calls them in event-time order and keeps the state
// they read; they import only the state's types, never the walk.
import { haversineKm } from '../geo.ts';
import type { SilverItemRow, SilverOrderRow } from '../rows.ts';
import type { RecentOrder, TrustedPlace } from '../state.ts';
import { histogramCount, histogramMad, histogramMedian, robustZ, type Histogram } from './stats.ts';
import type { Evidence } from './evidence.ts';
import type { RuleOf } from './rules.ts';


const MINUTE_MS = 60_000;
const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const iso = (ms: number): string => new Date(ms).toISOString();

// ---- stateless -----------------------------------------------------------------------------

export function detectHighValue(rule: RuleOf<'high-value'>, order: SilverOrderRow): Evidence | undefined {
  if (!(order.totalAmountUsd > rule.thresholdUsd)) return undefined;
  return { orderId: order.orderId, totalAmountUsd: order.totalAmountUsd, thresholdUsd: rule.thresholdUsd };
}

/** `history`: the customer's orders and spend before this order. */
export function detectValueSpike(rule: RuleOf<'value-spike'>, order: SilverOrderRow, history: { orders: number; spendUsd: number }): Evidence | undefined {
  if (history.orders < rule.minPreviousOrders || history.spendUsd <= 0) return undefined;
  const meanUsd = history.spendUsd / history.orders;
  const ratio = order.totalAmountUsd / meanUsd;
  if (!(ratio >= rule.factor)) return undefined;
  return { orderId: order.orderId, totalAmountUsd: order.totalAmountUsd, previousOrders: history.orders, previousMeanUsd: round(meanUsd), ratio: round(ratio), factor: rule.factor };
}

/** `pastQuantities(productId)`: the histogram of quantities the product was bought in before this order. */
export function detectQuantityOutlier(
  rule: RuleOf<'quantity-outlier'>,
  lines: readonly SilverItemRow[],
  pastQuantities: (productId: string) => Histogram | undefined,
): Evidence | undefined {
  let worst: Evidence | undefined;
  let worstQuantity = -1;
  for (const line of lines) {
    let hit: Evidence | undefined;
    if (line.quantity >= rule.maxQuantity) {
      hit = { orderId: line.orderId, productId: line.productId, quantity: line.quantity, maxQuantity: rule.maxQuantity };
    } else {
      const past = pastQuantities(line.productId);
      if (past && histogramCount(past) >= rule.minSamples) {
        const center = histogramMedian(past);
        const spread = histogramMad(past, center);
        const z = robustZ(line.quantity, center, spread, rule.madFloor);
        if (z >= rule.robustZ) {
          hit = { orderId: line.orderId, productId: line.productId, quantity: line.quantity, medianQuantity: center, madQuantity: spread, robustZ: round(z), minRobustZ: rule.robustZ };
        }
      }
    }
    if (hit && line.quantity > worstQuantity) {
      worst = hit;
      worstQuantity = line.quantity;
    }
  }
  return worst;
}

export function detectForeignShipping(rule: RuleOf<'foreign-shipping'>, order: SilverOrderRow): Evidence | undefined {
  if (order.homeCountry === '' || order.distanceFromHomeKm === null) return undefined;
  if (order.country === order.homeCountry || !(order.distanceFromHomeKm > rule.minDistanceKm)) return undefined;
  return {
    orderId: order.orderId,
    shipTo: `${order.city}, ${order.country}`,
    home: `${order.homeCity}, ${order.homeCountry}`,
    distanceFromHomeKm: order.distanceFromHomeKm,
    minDistanceKm: rule.minDistanceKm,
  };
}

// ---- windowed, across batches through the state ------------------------------------------------

export interface WindowHit {
  /** The orders of the window the rule flags (the current one included). */
  flagged: RecentOrder[];
  evidence: Evidence;
  windowStart: number;
}

/** Orders of `recent` (sorted by ts) within [ts − window, ts]. */
export function ordersInWindow(recent: readonly RecentOrder[], ts: number, windowMs: number): RecentOrder[] {
  const from = ts - windowMs;
  return recent.filter((r) => r.ts >= from && r.ts <= ts);
}

/**
 * More than maxOrders orders within the window that ends at this order. The whole window is
 * flagged (orders of earlier batches too, from the state), so one burst makes one alert.
 */
export function detectVelocity(rule: RuleOf<'velocity'>, recent: readonly RecentOrder[], current: RecentOrder): WindowHit | undefined {
  const window = ordersInWindow(recent, current.ts, rule.windowMinutes * MINUTE_MS);
  if (window.length <= rule.maxOrders) return undefined;
  const windowStart = window[0]!.ts;
  return {
    flagged: window,
    windowStart,
    evidence: {
      ordersInWindow: window.length,
      maxOrders: rule.maxOrders,
      windowMinutes: rule.windowMinutes,
      firstOrderAt: iso(windowStart),
      lastOrderAt: iso(current.ts),
    },
  };
}

/** At least minMethods distinct payment methods within the window that ends at this order. */
export function detectPaymentHopping(rule: RuleOf<'payment-hopping'>, recent: readonly RecentOrder[], current: RecentOrder): WindowHit | undefined {
  const window = ordersInWindow(recent, current.ts, rule.windowMinutes * MINUTE_MS);
  const methods = [...new Set(window.map((r) => r.pm))].sort();
  if (methods.length < rule.minMethods) return undefined;
  const windowStart = window[0]!.ts;
  return {
    flagged: window,
    windowStart,
    evidence: {
      distinctMethods: methods.length,
      methods,
      minMethods: rule.minMethods,
      windowMinutes: rule.windowMinutes,
      ordersInWindow: window.length,
      firstOrderAt: iso(windowStart),
      lastOrderAt: iso(current.ts),
    },
  };
}

/**
 * The trip from the customer's last trusted place (`anchor`) to this order's shipping city is
 * longer than minDistanceKm and faster than minSpeedKmh. Orders it flags do not become the
 * anchor, so the customer's next order, back home, is compared with home and not flagged again.
 */
export function detectImpossibleTravel(rule: RuleOf<'impossible-travel'>, anchor: TrustedPlace | undefined, order: SilverOrderRow): (Evidence & { windowStart: number }) | undefined {
  if (!anchor || order.lat === null || order.lon === null) return undefined;
  const km = haversineKm(anchor, { lat: order.lat, lon: order.lon });
  if (!(km > rule.minDistanceKm)) return undefined;
  const elapsedMs = Math.abs(order.orderTs - anchor.ts);
  const speedKmh = elapsedMs === 0 ? Infinity : km / (elapsedMs / 3_600_000);
  if (!(speedKmh > rule.minSpeedKmh)) return undefined;
  return {
    orderId: order.orderId,
    previousOrderId: anchor.orderId,
    from: `${anchor.city}, ${anchor.country}`,
    to: `${order.city}, ${order.country}`,
    distanceKm: round(km, 1),
    minutesBetween: round(elapsedMs / MINUTE_MS, 1),
    // JSON has no Infinity: two orders at the same instant from far apart get a null speed.
    impliedSpeedKmh: Number.isFinite(speedKmh) ? Math.round(speedKmh) : null,
    minSpeedKmh: rule.minSpeedKmh,
    windowStart: Math.min(anchor.ts, order.orderTs),
  };
}
