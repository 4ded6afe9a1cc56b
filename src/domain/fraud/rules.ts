// The declarative fraud rule set (config/fraud-rules.json): a JSON array of
// { id, enabled, severity, ...thresholds }, validated at load so a bad file stops the worker with
// a message naming the rule and the field. The ids are fixed: the simulator's truth file labels
// orders with them, so precision and recall can be measured per rule.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../../errors.ts';

export const RULE_IDS = ['velocity', 'high-value', 'value-spike', 'quantity-outlier', 'foreign-shipping', 'payment-hopping', 'impossible-travel'] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How much one rule's hit weighs in an alert's score: score = 1 − Π(1 − weight) over the rules hit. */
export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = { low: 0.25, medium: 0.5, high: 0.75, critical: 0.95 };

const severity = (fallback: Severity) => z.enum(SEVERITIES).default(fallback);
const enabled = z.boolean().default(true);
const positive = z.number().positive();
const count = z.number().int().min(1);

const VelocityRule = z.strictObject({
  id: z.literal('velocity'),
  enabled,
  severity: severity('high'),
  /** Flag when a customer has more than this many orders within the window. */
  maxOrders: count.default(6),
  windowMinutes: positive.default(60),
});

const HighValueRule = z.strictObject({
  id: z.literal('high-value'),
  enabled,
  // Low: a big order alone is what VIP customers do; it takes another signal to make it worth a mail.
  severity: severity('low'),
  /** Flag orders whose USD total is above this. */
  thresholdUsd: positive.default(4000),
});

const ValueSpikeRule = z.strictObject({
  id: z.literal('value-spike'),
  enabled,
  severity: severity('medium'),
  /** Flag orders worth at least factor × the customer's mean order value so far. */
  factor: z.number().gt(1).default(5),
  /** History needed before the rule speaks. */
  minPreviousOrders: count.default(3),
});

const QuantityOutlierRule = z.strictObject({
  id: z.literal('quantity-outlier'),
  enabled,
  severity: severity('medium'),
  /** Any line with at least this quantity is flagged. */
  maxQuantity: z.number().int().min(2).default(20),
  /** Or a robust z-score (median/MAD of the product's past quantities) at least this high. */
  robustZ: positive.default(10),
  /** Past lines of the product needed before the z-score is used. */
  minSamples: count.default(30),
  /** Floor of the MAD, so products almost always bought one at a time do not flag a quantity of 3. */
  madFloor: positive.default(1),
});

const ForeignShippingRule = z.strictObject({
  id: z.literal('foreign-shipping'),
  enabled,
  // Low: gifts, offices and travel ship abroad every day; alone it is no reason to call a customer.
  severity: severity('low'),
  /** Flag orders shipped to another country than the customer's home and farther than this from home. */
  minDistanceKm: positive.default(2000),
});

const PaymentHoppingRule = z.strictObject({
  id: z.literal('payment-hopping'),
  enabled,
  severity: severity('high'),
  /** Flag when a customer uses at least this many distinct payment methods within the window. */
  minMethods: z.number().int().min(2).default(3),
  windowMinutes: positive.default(10),
});

const ImpossibleTravelRule = z.strictObject({
  id: z.literal('impossible-travel'),
  enabled,
  severity: severity('high'),
  /** Flag an order whose shipping city is farther than this from the customer's previous one… */
  minDistanceKm: positive.default(1000),
  /** …and would need more than this speed to be reached in the time between the two orders. */
  minSpeedKmh: positive.default(900),
  /** An order already flagged foreign-shipping ships elsewhere on purpose: it neither triggers nor anchors travel. */
  ignoreForeignShipping: z.boolean().default(true),
});

export const FraudRuleSchema = z.discriminatedUnion('id', [
  VelocityRule,
  HighValueRule,
  ValueSpikeRule,
  QuantityOutlierRule,
  ForeignShippingRule,
  PaymentHoppingRule,
  ImpossibleTravelRule,
]);

export const FraudRulesFileSchema = z.array(FraudRuleSchema).superRefine((rules, ctx) => {
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `rule "${rule.id}" is defined twice` });
    seen.add(rule.id);
  });
});

export type FraudRule = z.output<typeof FraudRuleSchema>;
export type RuleOf<I extends RuleId> = Extract<FraudRule, { id: I }>;

/** Every rule with its default thresholds: what config/fraud-rules.json ships with. */
export const DEFAULT_FRAUD_RULES: readonly FraudRule[] = Object.freeze(FraudRulesFileSchema.parse(RULE_IDS.map((id) => ({ id }))));

export const DEFAULT_FRAUD_RULES_PATH = path.resolve(import.meta.dirname, '..', '..', '..', 'config', 'fraud-rules.json');

/** The rule file cannot be read or breaks the schema; the worker must not start with it. */
export class FraudRulesError extends PipelineError {
  constructor(readonly source: string, problem: string, cause?: unknown) {
    super(`fraud rules ${source}: ${problem}`, { cause, context: { source } });
  }
}

function formatZodPath(pathParts: readonly PropertyKey[]): string {
  return pathParts.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(file)';
}

/** Validates an already-parsed rule file; throws FraudRulesError naming each bad rule and field. */
export function parseFraudRules(json: unknown, source = 'fraud rules'): FraudRule[] {
  const result = FraudRulesFileSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const index = typeof issue.path[0] === 'number' ? issue.path[0] : undefined;
      const id = index !== undefined && Array.isArray(json) ? (json[index] as { id?: unknown } | undefined)?.id : undefined;
      const where = `rules${formatZodPath(issue.path).replace(/^(?!\[)/, '.')}${typeof id === 'string' ? ` (${id})` : ''}`;
      return `${where}: ${issue.message}`;
    });
    throw new FraudRulesError(source, problems.join('; '));
  }
  return result.data;
}

/** Reads and validates the rule file (default config/fraud-rules.json). The only I/O in the domain: done once at worker start. */
export function loadFraudRules(file: string = DEFAULT_FRAUD_RULES_PATH): FraudRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FraudRulesError(file, `cannot be read (${error instanceof Error ? error.message : String(error)})`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FraudRulesError(file, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  return parseFraudRules(json, file);
}

/** The enabled rule of that id, if any. */
export function ruleOf<I extends RuleId>(rules: readonly FraudRule[], id: I): RuleOf<I> | undefined {
  return rules.find((r): r is RuleOf<I> => r.id === id && r.enabled);
}

/** The longest window a windowed rule looks back (ms): how long recent orders must stay in the state. */
export function longestWindowMs(rules: readonly FraudRule[]): number {
  let minutes = 0;
  for (const rule of rules) {
    if (!rule.enabled) continue;
    if (rule.id === 'velocity' || rule.id === 'payment-hopping') minutes = Math.max(minutes, rule.windowMinutes);
  }
  return minutes * 60_000;
}
