// The exactly-once verdict, as pure logic: what the lake, Temporal and the mail catcher hold after a
// run (PipelineFacts, read by lake-facts.ts) against what the simulator's truth file and the fuzzer
// say they must hold. One verdict for the crash test, the chaos test and `npm run chaos`, so the
// three can never disagree on what "lost" or "duplicated" means.
import { alertMessageId } from '../../src/domain/alert-email.ts';
import type { Oracle } from './oracle.ts';
import type { BatchRun } from './pipeline.ts';

export interface PipelineFacts {
  runs: readonly BatchRun[];
  /** partition → offset after its last record */
  highWatermarks: ReadonlyMap<number, number>;
  /** bronze rows that are not fuzz messages, and their distinct (partition, offset) positions */
  bronze: { rows: number; positions: number; fuzzRows: number };
  /** silver/orders: rows per orderId */
  silverCounts: ReadonlyMap<string, number>;
  quarantine: readonly { partition: number; offset: number; reason: string | null; fuzzId: number | null }[];
  /** latest gold/customer_totals row per customer */
  customers: readonly { customerId: string; orders: number; items: number; spendUsd: number }[];
  /** latest gold/category_totals summed over partitions */
  categories: readonly { category: string; items: number; revenueUsd: number }[];
  /** gold/fraud_alerts alertId of every row (repeats included: later batches update an alert) */
  fraudAlertIds: readonly string[];
  /** the mail ids the gold/fraud_alerts rows ask for (their `mails` column), repeats included */
  fraudMailIds: readonly string[];
  /** mails to the pipeline's recipient; sentAt from the Date header the sender wrote (second resolution), null without one */
  mails: readonly { subject: string; messageId: string; sentAt: number | null }[];
}

export interface FuzzExpectation {
  id: number;
  kind: string;
  expectedReason: RegExp;
}

export interface ProcessExits {
  name: string;
  /** times it was killed on purpose */
  kills: number;
  /** times it exited without being killed */
  crashes: number;
}

export interface Check {
  section: 'orders' | 'batches' | 'gold' | 'alerts' | 'bad messages' | 'processes';
  label: string;
  expected: number | string | null;
  actual: number | string;
  ok: boolean;
  /** the first few offenders, for a failure message */
  detail?: string;
}

const cents = (usd: number): number => Math.round(usd * 100);
const dollars = (c: number): string => `$${(c / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const sample = (items: readonly unknown[], n = 5): string | undefined => (items.length === 0 ? undefined : items.slice(0, n).map(String).join(', ') + (items.length > n ? `, … (${items.length})` : ''));
const exact = (section: Check['section'], label: string, expected: number, actual: number, detail?: string): Check => ({ section, label, expected, actual, ok: expected === actual, ...(detail ? { detail } : {}) });
const zero = (section: Check['section'], label: string, offenders: readonly unknown[] | number): Check => {
  const count = typeof offenders === 'number' ? offenders : offenders.length;
  const detail = typeof offenders === 'number' ? undefined : sample(offenders);
  return exact(section, label, 0, count, detail);
};
const info = (section: Check['section'], label: string, actual: number | string): Check => ({ section, label, expected: null, actual, ok: true });

/** "items[3].quantity: must be …; x: …" → "items[n].quantity: must be …": the reason's first rule, indexes folded. */
export function reasonHead(reason: string | null): string {
  if (!reason) return '(none)';
  return reason.split('; ')[0]!.replace(/\[\d+\]/g, '[n]').replace(/unknown version .*/, 'unknown version').slice(0, 80);
}

/** Batches must tile each partition from 0 to its high watermark, all completed. */
export function batchChecks(facts: Pick<PipelineFacts, 'runs' | 'highWatermarks'>): Check[] {
  const notCompleted = facts.runs.filter((r) => r.status !== 'COMPLETED').map((r) => `${r.workflowId} ${r.status}`);
  const gaps: string[] = [];
  const overlaps: string[] = [];
  for (const [partition, high] of facts.highWatermarks) {
    const mine = facts.runs.filter((r) => r.partition === partition).sort((a, b) => a.startOffset - b.startOffset);
    let next = 0;
    for (const run of mine) {
      if (run.startOffset > next) gaps.push(`p${partition} ${next}-${run.startOffset - 1}`);
      if (run.startOffset < next) overlaps.push(`${run.workflowId} starts at ${run.startOffset}, covered up to ${next - 1}`);
      next = Math.max(next, run.endOffset + 1);
    }
    if (next < high) gaps.push(`p${partition} ${next}-${high - 1} (no batch)`);
    if (next > high) overlaps.push(`p${partition} batches end at ${next}, the partition at ${high}`);
  }
  return [info('batches', 'batch workflows', facts.runs.length), zero('batches', 'batches not completed', notCompleted), zero('batches', 'offset ranges in no batch', gaps), zero('batches', 'offsets in two batches', overlaps)];
}

export function orderChecks(facts: Pick<PipelineFacts, 'bronze' | 'silverCounts'>, oracle: Oracle): Check[] {
  const lost = [...oracle.distinctOrderIds].filter((id) => !facts.silverCounts.has(id));
  const duplicated = [...facts.silverCounts].filter(([, n]) => n > 1);
  const unexpected = [...facts.silverCounts.keys()].filter((id) => !oracle.distinctOrderIds.has(id));
  const inSilver = [...facts.silverCounts.keys()].filter((id) => oracle.distinctOrderIds.has(id)).length;
  return [
    info('orders', 'orders sent (simulator messages)', oracle.sent),
    exact('orders', 'valid events in bronze', oracle.validEvents, facts.bronze.rows),
    exact('orders', 'bronze positions (partition, offset)', facts.bronze.rows, facts.bronze.positions),
    exact('orders', 'distinct orders in silver', oracle.distinctOrderIds.size, inSilver),
    zero('orders', 'orders lost', lost),
    exact('orders', 'orders duplicated in silver', 0, duplicated.reduce((n, [, count]) => n + count - 1, 0), sample(duplicated.map(([id, n]) => `${id}×${n}`))),
    zero('orders', 'orders in silver the truth does not know', unexpected),
  ];
}

export function goldChecks(facts: Pick<PipelineFacts, 'customers' | 'categories'>, oracle: Oracle): Check[] {
  const wrongCustomers: string[] = [];
  const seen = new Set<string>();
  let spendCents = 0;
  for (const row of facts.customers) {
    seen.add(row.customerId);
    spendCents += cents(row.spendUsd);
    const want = oracle.customers.get(row.customerId);
    const got = { orders: row.orders, items: row.items, spendCents: cents(row.spendUsd) };
    if (!want) wrongCustomers.push(`${row.customerId} not in truth`);
    else if (want.orders !== got.orders || want.items !== got.items || want.spendCents !== got.spendCents) wrongCustomers.push(`${row.customerId} ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
  }
  for (const id of oracle.customers.keys()) if (!seen.has(id)) wrongCustomers.push(`${id} missing`);
  const wrongCategories: string[] = [];
  const actual = new Map(facts.categories.map((c) => [c.category, { items: c.items, revenueCents: cents(c.revenueUsd) }]));
  for (const name of new Set([...actual.keys(), ...oracle.categories.keys()])) {
    const got = actual.get(name);
    const want = oracle.categories.get(name);
    if (got?.items !== want?.items || got?.revenueCents !== want?.revenueCents) wrongCategories.push(`${name} ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
  }
  const expectedSpend = [...oracle.customers.values()].reduce((n, c) => n + c.spendCents, 0);
  return [
    { section: 'gold', label: 'customer spend, total', expected: dollars(expectedSpend), actual: dollars(spendCents), ok: spendCents === expectedSpend },
    zero('gold', 'customers whose totals differ from the truth', wrongCustomers),
    zero('gold', 'categories whose totals differ from the truth', wrongCategories),
  ];
}

/**
 * How long after a mail's first copy was written a kill of the worker or the SMTP server can still
 * repeat it: the copy is dated (to the second) just before the SMTP conversation, the server
 * answers, the worker writes the sent-marker; an S3 restart in between stretches the marker write.
 */
export const MAIL_WINDOW_MS = 10_000;

/**
 * A repeated Message-ID is the documented window (docs/guarantees.md, "Alerts are sent once") when a worker or
 * SMTP-server kill fell between the first copy and the repeat, within MAIL_WINDOW_MS of the first:
 * the mail was accepted (or stored) and the kill came before the marker (or the answer). Any other
 * repeat is a defect.
 */
export function inMailWindow(copies: readonly (number | null)[], kills: readonly number[]): boolean {
  const dated = copies.filter((t): t is number => t !== null).sort((a, b) => a - b);
  if (dated.length < 2) return false;
  const first = dated[0]!;
  const repeat = dated[1]!;
  // Date headers are whole seconds: the first copy was written within the second after `first`.
  return kills.some((k) => k >= first && k <= first + 1_000 + MAIL_WINDOW_MS && k <= repeat + 1_000);
}

/** One fraud mail per mail the gold alert rows ask for, matched by the Message-ID derived from the mail id. */
export function alertChecks(facts: Pick<PipelineFacts, 'fraudAlertIds' | 'fraudMailIds' | 'mails'>, mailWindowKills: readonly number[] = []): Check[] {
  const mailIds = new Set(facts.fraudMailIds);
  const copies = new Map<string, (number | null)[]>();
  for (const mail of facts.mails) copies.set(mail.messageId, [...(copies.get(mail.messageId) ?? []), mail.sentAt]);
  const expectedIds = new Map([...mailIds].map((id) => [alertMessageId(id), id]));
  const fraudMails = facts.mails.filter((m) => m.subject.startsWith('[fraud]'));
  const missing = [...expectedIds].filter(([messageId]) => !copies.has(messageId)).map(([, id]) => id);
  const unexpected = fraudMails.filter((m) => !expectedIds.has(m.messageId)).map((m) => m.subject);
  const repeated = [...copies].filter(([, times]) => times.length > 1);
  const explained = repeated.filter(([, times]) => inMailWindow(times, mailWindowKills));
  const unexplained = repeated.filter(([, times]) => !inMailWindow(times, mailWindowKills));
  const extra = (list: typeof repeated): number => list.reduce((n, [, times]) => n + times.length - 1, 0);
  const received = [...expectedIds.keys()].filter((id) => copies.has(id)).length;
  return [
    info('alerts', 'fraud alerts in gold', new Set(facts.fraudAlertIds).size),
    info('alerts', 'fraud mails asked for by gold (mails expected)', mailIds.size),
    zero('alerts', 'fraud mails asked for twice in gold', facts.fraudMailIds.length - mailIds.size),
    exact('alerts', 'fraud mails received', mailIds.size, received),
    zero('alerts', 'fraud mails asked for and not received', missing),
    exact('alerts', 'mails duplicated (same Message-ID), no kill to explain it', 0, extra(unexplained), sample(unexplained.map(([id, times]) => `${id}×${times.length}`))),
    info('alerts', 'mails repeated in the documented kill window', extra(explained)),
    zero('alerts', 'fraud mails for no alert', unexpected),
    info('alerts', 'data-quality mails', facts.mails.filter((m) => m.subject.startsWith('[data-quality]')).length),
  ];
}

export function badMessageChecks(facts: Pick<PipelineFacts, 'quarantine' | 'bronze' | 'silverCounts'>, oracle: Oracle, fuzz: readonly FuzzExpectation[]): Check[] {
  const simulatorRows = facts.quarantine.filter((q) => q.fuzzId === null);
  const positions = new Set(facts.quarantine.map((q) => `${q.partition}:${q.offset}`));
  const fuzzRows = new Map<number, (typeof facts.quarantine)[number][]>();
  for (const row of facts.quarantine) if (row.fuzzId !== null) fuzzRows.set(row.fuzzId, [...(fuzzRows.get(row.fuzzId) ?? []), row]);
  const lost = fuzz.filter((f) => !fuzzRows.has(f.id)).map((f) => `fuzz-${f.id} (${f.kind})`);
  const duplicated = [...fuzzRows].filter(([, rows]) => rows.length > 1).map(([id, rows]) => `fuzz-${id}×${rows.length}`);
  const byId = new Map(fuzz.map((f) => [f.id, f]));
  const wrongReason = [...fuzzRows].filter(([id, rows]) => !byId.has(id) || !byId.get(id)!.expectedReason.test(rows[0]!.reason ?? '')).map(([id, rows]) => `fuzz-${id}: ${reasonHead(rows[0]!.reason)}`);
  const fuzzInSilver = [...facts.silverCounts.keys()].filter((id) => id.startsWith('fuzz-'));
  const checks: Check[] = [
    exact('bad messages', 'invalid simulator events in quarantine', oracle.invalidEvents, simulatorRows.length),
    exact('bad messages', 'quarantine positions (partition, offset)', facts.quarantine.length, positions.size),
    zero('bad messages', 'quarantined without a reason', facts.quarantine.filter((q) => !q.reason).map((q) => `${q.partition}:${q.offset}`)),
  ];
  if (fuzz.length > 0) {
    checks.push(
      exact('bad messages', 'fuzzed messages quarantined', fuzz.length, fuzzRows.size),
      zero('bad messages', 'fuzzed messages lost', lost),
      zero('bad messages', 'fuzzed messages quarantined twice', duplicated),
      zero('bad messages', 'fuzzed messages with an unexpected reason', wrongReason),
      zero('bad messages', 'fuzzed messages in bronze or silver', facts.bronze.fuzzRows + fuzzInSilver.length),
    );
    const kinds = [...new Set(fuzz.map((f) => f.kind))];
    for (const kind of kinds) {
      const mine = fuzz.filter((f) => f.kind === kind);
      checks.push(exact('bad messages', `  kind ${kind}`, mine.length, mine.filter((f) => fuzzRows.has(f.id)).length));
    }
  }
  const reasons = new Map<string, number>();
  for (const row of facts.quarantine) reasons.set(reasonHead(row.reason), (reasons.get(reasonHead(row.reason)) ?? 0) + 1);
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) checks.push(info('bad messages', `  reason "${reason}"`, n));
  return checks;
}

export function processChecks(processes: readonly ProcessExits[], minKills = 0): Check[] {
  const kills = processes.reduce((n, p) => n + p.kills, 0);
  return [
    info('processes', 'kills by process', processes.map((p) => `${p.name} ${p.kills}`).join(', ') || '0'),
    { section: 'processes', label: 'kills injected', expected: `≥ ${minKills}`, actual: kills, ok: kills >= minKills },
    zero('processes', 'crashes not caused by the injector', processes.filter((p) => p.crashes > 0).map((p) => `${p.name}×${p.crashes}`)),
  ];
}

export interface VerdictInput {
  facts: PipelineFacts;
  oracle: Oracle;
  fuzz?: readonly FuzzExpectation[];
  processes?: readonly ProcessExits[];
  /** the run promised at least this many kills */
  minKills?: number;
  /** when the worker or the SMTP server was SIGKILLed (epoch ms): the kills that may repeat a mail */
  mailWindowKills?: readonly number[];
}

/** Every check, in table order. */
export function exactlyOnceVerdict({ facts, oracle, fuzz = [], processes, minKills, mailWindowKills }: VerdictInput): Check[] {
  return [
    ...orderChecks(facts, oracle),
    ...batchChecks(facts),
    ...goldChecks(facts, oracle),
    ...alertChecks(facts, mailWindowKills),
    ...badMessageChecks(facts, oracle, fuzz),
    ...(processes ? processChecks(processes, minKills) : []),
  ];
}

/** The failed checks of a section (all sections when omitted), one line each, for assert messages. */
export function failures(checks: readonly Check[], section?: Check['section']): string[] {
  return checks
    .filter((c) => !c.ok && (section === undefined || c.section === section))
    .map((c) => `${c.label}: expected ${String(c.expected)}, got ${String(c.actual)}${c.detail ? ` (${c.detail})` : ''}`);
}
