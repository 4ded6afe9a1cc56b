// Data-quality metrics of one batch (gold/dq_metrics): one row per check and field, with the count,
// the total it is a share of, and whether the share is above the configured threshold. A check
// is breached when count ≥ minCount and count / total > maxRate: the minimum count keeps a batch
// of three orders with one street-only address from raising an alert.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../errors.ts';
import { UNKNOWN } from './enrich.ts';
import { mad, median, robustZ } from './fraud/stats.ts';
import type { BronzeRow, DqMetricRow, QuarantineRow, SilverItemRow, SilverOrderRow } from './rows.ts';
import { stableStringify } from './state-codec.ts';

export const QUALITY_CHECKS = ['missing', 'duplicate', 'outlier', 'schema', 'late', 'future'] as const;
export type QualityCheck = (typeof QUALITY_CHECKS)[number];

/** Fields whose value can be missing after enrichment (`message` is optional by contract: never missing). */
export const MISSING_FIELDS = ['shippingStreet', 'city', 'country', 'geo', 'customer', 'product'] as const;
export type MissingField = (typeof MISSING_FIELDS)[number];

const rate = z.number().min(0).max(1);
const minCount = z.number().int().min(1);
const limit = (maxRate: number, min: number) => ({ maxRate: rate.default(maxRate), minCount: minCount.default(min) });

export const QualityThresholdsSchema = z.strictObject({
  missing: z
    .strictObject({
      ...limit(0.1, 10),
      /** Per-field maxRate overriding the check's. */
      maxRateByField: z.partialRecord(z.enum(MISSING_FIELDS), rate).default({}),
    })
    .prefault({}),
  duplicate: z.strictObject(limit(0.02, 3)).prefault({}),
  outlier: z
    .strictObject({
      ...limit(0.1, 3),
      /** |robust z| above this marks an order's totalAmountUsd an outlier within its category. */
      robustZ: z.number().positive().default(6),
      /** Orders of a category in the batch needed before its outliers are counted. */
      minSamples: z.number().int().min(3).default(30),
      /** Score log10(1 + USD) rather than USD: order values are log-normal, a mix of small and large baskets. */
      logScale: z.boolean().default(true),
    })
    .prefault({}),
  schema: z.strictObject(limit(0.05, 5)).prefault({}),
  late: z.strictObject({ ...limit(0.05, 3), lateAfterHours: z.number().positive().default(24) }).prefault({}),
  future: z.strictObject({ ...limit(0.01, 3), toleranceMinutes: z.number().min(0).default(5) }).prefault({}),
});

export type QualityThresholds = z.output<typeof QualityThresholdsSchema>;
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = QualityThresholdsSchema.parse({});
export const DEFAULT_QUALITY_PATH = path.resolve(import.meta.dirname, '..', '..', 'config', 'quality.json');

export class QualityThresholdsError extends PipelineError {
  constructor(readonly source: string, problem: string, cause?: unknown) {
    super(`quality thresholds ${source}: ${problem}`, { cause, context: { source } });
  }
}

/** Validates thresholds (any part may be left out: defaults fill it); throws naming the bad field. */
export function parseQualityThresholds(json: unknown, source = 'quality thresholds'): QualityThresholds {
  const result = QualityThresholdsSchema.safeParse(json);
  if (!result.success) {
    throw new QualityThresholdsError(source, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return result.data;
}

/** Reads config/quality.json (or `file`). Done once at worker start. */
export function loadQualityThresholds(file: string = DEFAULT_QUALITY_PATH): QualityThresholds {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new QualityThresholdsError(file, `cannot be read as JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  return parseQualityThresholds(json, file);
}

export interface QualityInput {
  batchId: string;
  /** Every valid record of the batch (bronze), repeats included, in offset order. */
  records: readonly Pick<BronzeRow, 'orderId' | 'duplicate'>[];
  /** The batch's invalid records. */
  quarantined: readonly Pick<QuarantineRow, 'reason'>[];
  /** The batch's distinct orders (silver) and their lines. */
  orders: readonly SilverOrderRow[];
  items: readonly SilverItemRow[];
}

/** Examples kept in a row's detail. */
const SAMPLE_SIZE = 10;
const HOUR_MS = 3_600_000;

function metric(batchId: string, check: QualityCheck, field: string, count: number, total: number, limits: { maxRate: number; minCount: number }, detail: object = {}): DqMetricRow {
  const share = total === 0 ? 0 : count / total;
  return {
    batchId,
    check,
    field,
    count,
    total,
    breached: count >= limits.minCount && share > limits.maxRate,
    rate: Math.round(share * 1e6) / 1e6,
    maxRate: limits.maxRate,
    detail: stableStringify(detail),
  };
}

/** A quarantine reason without its positions ("items[2].quantity" → "items[].quantity"), so alike reasons group. */
export const reasonGroup = (reason: string): string => reason.replace(/\[\d+\]/g, '[]');

/** An order's primary category: the category of its most valuable line. */
function primaryCategory(lines: readonly SilverItemRow[]): string {
  let best: SilverItemRow | undefined;
  for (const line of lines) if (!best || line.lineAmountUsd > best.lineAmountUsd) best = line;
  return best?.category ?? UNKNOWN;
}

/** Every check's rows for one batch, in a fixed order (checks, then fields). */
export function checkQuality(input: QualityInput, thresholds: QualityThresholds = DEFAULT_QUALITY_THRESHOLDS): DqMetricRow[] {
  const { batchId, orders, items, records } = input;
  const rows: DqMetricRow[] = [];

  // Missing values after enrichment.
  const missingTests: Record<Exclude<MissingField, 'product'>, (o: SilverOrderRow) => boolean> = {
    shippingStreet: (o) => o.shippingStreet.trim() === '',
    city: (o) => o.city === UNKNOWN || o.city.trim() === '',
    country: (o) => o.country === UNKNOWN || o.country.trim() === '',
    geo: (o) => o.lat === null || o.lon === null,
    customer: (o) => o.customerName === '',
  };
  const missingLimits = (field: MissingField) => ({ maxRate: thresholds.missing.maxRateByField[field] ?? thresholds.missing.maxRate, minCount: thresholds.missing.minCount });
  for (const field of MISSING_FIELDS) {
    if (field === 'product') {
      const unknown = items.filter((i) => i.category === UNKNOWN);
      rows.push(metric(batchId, 'missing', field, unknown.length, items.length, missingLimits(field), sampleDetail(unknown.map((i) => i.productId), 'productIds')));
    } else {
      const missing = orders.filter(missingTests[field]);
      rows.push(metric(batchId, 'missing', field, missing.length, orders.length, missingLimits(field), sampleDetail(missing.map((o) => o.orderId), 'orderIds')));
    }
  }

  // Duplicates: within the batch, and against the partition's recent window (flagged at ingest).
  const firstIsDuplicate = new Map<string, boolean>();
  const inBatch: string[] = [];
  const inWindow: string[] = [];
  for (const r of records) {
    const first = firstIsDuplicate.get(r.orderId);
    if (first === undefined) {
      firstIsDuplicate.set(r.orderId, r.duplicate);
      if (r.duplicate) inWindow.push(r.orderId);
    } else if (r.duplicate) (first ? inWindow : inBatch).push(r.orderId);
  }
  rows.push(metric(batchId, 'duplicate', 'batch', inBatch.length, records.length, thresholds.duplicate, sampleDetail(inBatch, 'orderIds')));
  rows.push(metric(batchId, 'duplicate', 'window', inWindow.length, records.length, thresholds.duplicate, sampleDetail(inWindow, 'orderIds')));

  // Outliers of totalAmountUsd within each category (the category of the order's main line).
  const linesOf = new Map<string, SilverItemRow[]>();
  for (const item of items) {
    const lines = linesOf.get(item.orderId);
    if (lines) lines.push(item);
    else linesOf.set(item.orderId, [item]);
  }
  const byCategory = new Map<string, SilverOrderRow[]>();
  for (const o of orders) {
    const category = primaryCategory(linesOf.get(o.orderId) ?? []);
    const group = byCategory.get(category);
    if (group) group.push(o);
    else byCategory.set(category, [o]);
  }
  const score = (usd: number): number => (thresholds.outlier.logScale ? Math.log10(1 + Math.max(0, usd)) : usd);
  for (const category of [...byCategory.keys()].sort()) {
    const group = byCategory.get(category)!;
    if (group.length < thresholds.outlier.minSamples) {
      rows.push(metric(batchId, 'outlier', category, 0, group.length, thresholds.outlier, { evaluated: false, reason: `fewer than ${thresholds.outlier.minSamples} orders` }));
      continue;
    }
    const values = group.map((o) => score(o.totalAmountUsd));
    const center = median(values);
    const spread = mad(values, center);
    const outliers = group.filter((_, i) => Math.abs(robustZ(values[i]!, center, spread)) > thresholds.outlier.robustZ);
    rows.push(
      metric(batchId, 'outlier', category, outliers.length, group.length, thresholds.outlier, {
        ...sampleDetail(outliers.map((o) => o.orderId), 'orderIds'),
        medianUsd: Math.round(median(group.map((o) => o.totalAmountUsd)) * 100) / 100,
        robustZ: thresholds.outlier.robustZ,
        scale: thresholds.outlier.logScale ? 'log10(1+USD)' : 'USD',
      }),
    );
  }

  // Schema violations: the batch's quarantined records, with their reasons grouped.
  const reasons = new Map<string, number>();
  for (const q of input.quarantined) reasons.set(reasonGroup(q.reason), (reasons.get(reasonGroup(q.reason)) ?? 0) + 1);
  const topReasons = [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, SAMPLE_SIZE);
  rows.push(
    metric(batchId, 'schema', 'record', input.quarantined.length, input.quarantined.length + records.length, thresholds.schema, topReasons.length > 0 ? { reasons: Object.fromEntries(topReasons) } : {}),
  );

  // Event time against the Kafka timestamp: late (long before arrival) and future (after arrival).
  const lateMs = thresholds.late.lateAfterHours * HOUR_MS;
  const late = orders.filter((o) => o.kafkaTs - o.orderTs > lateMs);
  rows.push(metric(batchId, 'late', 'orderTs', late.length, orders.length, thresholds.late, { ...sampleDetail(late.map((o) => o.orderId), 'orderIds'), lateAfterHours: thresholds.late.lateAfterHours }));
  const toleranceMs = thresholds.future.toleranceMinutes * 60_000;
  const future = orders.filter((o) => o.orderTs - o.kafkaTs > toleranceMs);
  rows.push(metric(batchId, 'future', 'orderTs', future.length, orders.length, thresholds.future, { ...sampleDetail(future.map((o) => o.orderId), 'orderIds'), toleranceMinutes: thresholds.future.toleranceMinutes }));

  return rows;
}

function sampleDetail(ids: readonly string[], key: string): Record<string, string[]> {
  return ids.length === 0 ? {} : { [key]: ids.slice(0, SAMPLE_SIZE) };
}
