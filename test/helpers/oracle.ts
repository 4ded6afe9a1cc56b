// Expected lake contents computed from the simulator's truth file (docs/truth-file.md), independent
// of the pipeline's code: the oracle the end-to-end tests compare DuckDB's reading of the lake to.
import { readFileSync } from 'node:fs';

export interface TruthLine {
  seq: number;
  orderId: string;
  valid: boolean;
  defect: string | null;
  fraud: string[];
  customerId: string;
  orderTs: number;
  usdTotal: number;
  schemaVersion: number | null;
  items: { productId: string; quantity: number; lineUsd: number | null; category: string | null }[];
}

export interface Oracle {
  sent: number;
  validEvents: number;
  invalidEvents: number;
  distinctOrderIds: Set<string>;
  customers: Map<string, { orders: number; items: number; spendCents: number }>;
  categories: Map<string, { items: number; revenueCents: number }>;
  invalidByDefect: Map<string, number>;
}

const cents = (usd: number): number => Math.round(usd * 100);

export function readTruth(file: string): TruthLine[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as TruthLine);
}

export function oracleOf(truth: readonly TruthLine[]): Oracle {
  const oracle: Oracle = { sent: truth.length, validEvents: 0, invalidEvents: 0, distinctOrderIds: new Set(), customers: new Map(), categories: new Map(), invalidByDefect: new Map() };
  for (const line of truth) {
    if (!line.valid) {
      oracle.invalidEvents++;
      oracle.invalidByDefect.set(line.defect ?? 'none', (oracle.invalidByDefect.get(line.defect ?? 'none') ?? 0) + 1);
      continue;
    }
    oracle.validEvents++;
    if (oracle.distinctOrderIds.has(line.orderId)) continue;
    oracle.distinctOrderIds.add(line.orderId);
    const customer = oracle.customers.get(line.customerId) ?? { orders: 0, items: 0, spendCents: 0 };
    customer.orders++;
    customer.items += line.items.reduce((n, item) => n + item.quantity, 0);
    customer.spendCents += cents(line.usdTotal);
    oracle.customers.set(line.customerId, customer);
    for (const item of line.items) {
      const name = item.category ?? 'Unknown';
      const category = oracle.categories.get(name) ?? { items: 0, revenueCents: 0 };
      category.items += item.quantity;
      category.revenueCents += cents(item.lineUsd ?? 0);
      oracle.categories.set(name, category);
    }
  }
  return oracle;
}
