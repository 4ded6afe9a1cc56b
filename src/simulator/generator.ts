// The pure order generator: a seeded, deterministic stream of docs/contract.md §1 messages with labelled
// anomalies. No I/O: the Kafka shell (simulate.ts) only ships what this produces. The thresholds
// and margins that keep the truth file crisp are in generator-settings.ts (docs/truth-file.md
// explains each); the event of one order is built in wire.ts.
// Over 400 lines for a reason: OrderSimulator is one state machine over per-customer arrays (last
// order time, spend, open patterns) that the planning of normal, benign and anomalous orders all
// read and move; split across files, each part would need that state handed to it.
import type { PaymentMethod } from '../domain/order.ts';
import { HEADER_SCHEMA_VERSION } from '../contract/kafka-headers.ts';
import { languageOfCountry, streetLine } from '../reference/customers.ts';
import type { ShopReferenceData } from '../reference/index.ts';
import { Random } from '../reference/prng.ts';
import { PRODUCT_COUNT } from '../reference/products.ts';
import type { Customer } from '../reference/types.ts';
import { versionByShape } from '../schemas/registry.ts';
import { wireEvent } from './wire.ts';
import { paymentChoices, profileOf, shoppingPropensity, trafficShape, ZipfCustomers, type CustomerProfile } from './behaviour.ts';
import { MinHeap } from './heap.ts';
import { placePicker, type PlacePicker } from './places.ts';
import { ANOMALY_TYPES, FRAUD_TYPES, VALID_DEFECTS, isFraudType, type AnomalyType, type DefectType, type FraudType, type SimMessage, type TruthRecord } from './types.ts';
import {
  BENIGN_KINDS,
  BENIGN_WEIGHTS,
  BIG_SPENDER,
  DAY_MS,
  DEFAULT_ANOMALY_RATE,
  DEFAULT_HEADERLESS_SHARE,
  DEFAULT_ORDERS_PER_CUSTOMER_HOUR,
  DEFAULT_START,
  FUTURE_DATE_CUSTOMER_EVERY,
  type GeneratorOptions,
  type GeneratorStats,
  HIGH_VALUE_SPIKE_HISTORY,
  HIGH_VALUE_SPIKE_TIMES,
  HIGH_VALUE_USD,
  HOUR_MS,
  INSTANCE_SIZE,
  isFutureDateCustomer,
  LINE_COUNT_WEIGHTS,
  type LinePick,
  MINUTE_MS,
  NORMAL_BAND,
  NORMAL_MAX_QUANTITY,
  NORMAL_MIN_SPACING_MS,
  type OrderPlan,
  PATTERN_QUIET_MS,
  type Pending,
  priceOf,
  QUANTITY_OUTLIER,
  QUANTITY_WEIGHTS,
  RECENT_MESSAGES,
  resolveVersionMix,
  type Ship,
  utcHourOf,
  VALUE_SPIKE,
} from './generator-settings.ts';

export class OrderSimulator {
  readonly customers: number;
  readonly startMs: number;
  private readonly count: number;
  private readonly headerlessShare: number;
  private readonly versionWeights: [number, number, number];
  private readonly anomalyTypes: readonly AnomalyType[];
  private readonly startProbability: number;
  private readonly typeWeights: number[];
  private readonly meanGapMs: number;
  private readonly dailyRhythm: boolean;
  private readonly benignRate: number;

  private readonly rngBenign: Random;
  private readonly rngClock: Random;
  private readonly rngSlots: Random;
  private readonly rngPick: Random;
  private readonly rngOrder: Random;
  private readonly rngWire: Random;
  private readonly zipf: ZipfCustomers;
  private readonly places: PlacePicker;

  private readonly lastTs: Float64Array;
  private readonly blockedUntil: Float64Array;
  private readonly validCount: Uint32Array;
  private readonly usdSum: Float64Array;
  private readonly usdMax: Float64Array;
  private readonly futureTs = new Map<number, number[]>();
  private readonly profiles: (CustomerProfile | undefined)[];

  private readonly pending = new MinHeap<Pending>((a, b) => a.ts < b.ts || (a.ts === b.ts && a.order < b.order));
  private pendingOrder = 0;
  private clock: number;
  private slotTs: number | undefined;
  private readonly recent: SimMessage[] = [];
  private readonly instanceCounter: Record<string, number> = {};
  readonly stats: GeneratorStats;

  constructor(
    private readonly reference: ShopReferenceData,
    options: GeneratorOptions = {},
  ) {
    this.customers = options.customers ?? reference.customers.count;
    if (!(this.customers >= 1) || this.customers > reference.customers.count) {
      throw new RangeError(`customers must be within 1..${reference.customers.count} (the reference data's dimension)`);
    }
    this.startMs = options.startMs ?? Date.parse(DEFAULT_START);
    this.count = options.count ?? Infinity;
    this.headerlessShare = options.headerlessShare ?? DEFAULT_HEADERLESS_SHARE;
    this.versionWeights = resolveVersionMix(options.versions);
    this.anomalyTypes = options.anomalyTypes ?? ANOMALY_TYPES;
    const rate = options.anomalyRate ?? DEFAULT_ANOMALY_RATE;
    if (!(rate >= 0 && rate < 1)) throw new RangeError('anomaly rate must be in [0, 1)');
    // Start each type in proportion to share / instance size, corrected for the extra messages
    // multi-order patterns add, so that `rate` is the share of messages carrying an anomaly.
    const types = this.anomalyTypes;
    const size = (t: AnomalyType): { labelled: number; total: number } => INSTANCE_SIZE[t] ?? { labelled: 1, total: 1 };
    const extra = types.reduce((sum, t) => sum + (size(t).total - 1) / size(t).labelled, 0) / Math.max(1, types.length);
    const c = types.length === 0 ? 0 : rate / (1 - rate * extra);
    this.typeWeights = types.map((t) => 1 / size(t).labelled);
    this.startProbability = types.length === 0 ? 0 : (c / types.length) * this.typeWeights.reduce((a, b) => a + b, 0);
    const perHour = options.eventRatePerHour ?? Math.max(60, DEFAULT_ORDERS_PER_CUSTOMER_HOUR * this.customers);
    this.meanGapMs = HOUR_MS / perHour;
    this.dailyRhythm = options.dailyRhythm ?? true;
    this.benignRate = options.benignRate ?? 0;
    if (!(this.benignRate >= 0 && this.benignRate < 1)) throw new RangeError('benign rate must be in [0, 1)');

    const root = new Random(options.seed ?? 1);
    this.rngClock = root.fork('clock');
    this.rngSlots = root.fork('slots');
    this.rngPick = root.fork('customers');
    this.rngOrder = root.fork('orders');
    this.rngWire = root.fork('wire');
    this.zipf = new ZipfCustomers(this.customers, root.fork('zipf'));
    // Forked last and drawn from only for the benign mix: a run without it draws what it drew before.
    this.rngBenign = root.fork('benign');
    this.places = placePicker(reference.gazetteer);

    const n = this.customers + 1;
    this.lastTs = new Float64Array(n).fill(-Infinity);
    this.blockedUntil = new Float64Array(n).fill(-Infinity);
    this.validCount = new Uint32Array(n);
    this.usdSum = new Float64Array(n);
    this.usdMax = new Float64Array(n);
    this.profiles = new Array<CustomerProfile | undefined>(n);
    this.clock = this.startMs;
    this.stats = {
      sent: 0,
      valid: 0,
      invalid: 0,
      perVersion: {},
      headerless: 0,
      perAnomaly: Object.fromEntries(ANOMALY_TYPES.map((t) => [t, 0])) as Record<AnomalyType, number>,
      fraudInstances: Object.fromEntries(ANOMALY_TYPES.filter(isFraudType).map((t) => [t, 0])) as Record<FraudType, number>,
      firstEventTs: null,
      lastEventTs: null,
    };
  }

  /** The event clock: the time of the latest slot (ms since the epoch). */
  get eventClockMs(): number {
    return this.clock;
  }

  /** Pattern orders already decided but not yet emitted. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The next message, or undefined once `count` messages were produced. */
  next(): SimMessage | undefined {
    const remaining = this.count - this.stats.sent;
    if (remaining <= 0) return undefined;
    const top = this.pending.peek();
    if (top && (remaining <= this.pending.size || top.ts <= this.nextSlotTs())) {
      this.pending.pop();
      this.clock = Math.max(this.clock, top.ts);
      return this.emit(top.plan);
    }
    return this.emitSlot(this.nextSlotTs());
  }

  /** Emits every scheduled pattern order (for runs that end on a deadline), so no pattern is cut short. */
  drain(): SimMessage[] {
    const out: SimMessage[] = [];
    for (let p = this.pending.pop(); p; p = this.pending.pop()) {
      this.clock = Math.max(this.clock, p.ts);
      out.push(this.emit(p.plan));
    }
    return out;
  }

  // ---- the clock and the slots --------------------------------------------------------------

  private nextSlotTs(): number {
    if (this.slotTs === undefined) {
      const shape = this.dailyRhythm ? trafficShape(utcHourOf(this.clock)) : 1;
      this.slotTs = this.clock + Math.round(this.rngClock.exponential(this.meanGapMs / shape));
    }
    return this.slotTs;
  }

  private emitSlot(ts: number): SimMessage {
    this.slotTs = undefined;
    this.clock = ts;
    // Room left after this message for the rest of a pattern started now.
    const room = this.count - this.stats.sent - 1 - this.pending.size;
    if (this.startProbability > 0 && this.rngSlots.float() < this.startProbability) {
      const type = this.anomalyTypes[this.rngSlots.weightedIndex(this.typeWeights)]!;
      const message = this.startAnomaly(type, ts, room);
      if (message) return message;
    }
    return this.emitNormal(ts, null);
  }

  // ---- customers ------------------------------------------------------------------------------

  private customer(id: number): Customer {
    return this.reference.customers.byNumber(id);
  }

  private profile(id: number): CustomerProfile {
    let p = this.profiles[id];
    if (!p) this.profiles[id] = p = profileOf(this.customer(id));
    return p;
  }

  private canOrderNormally(id: number, ts: number): boolean {
    return this.lastTs[id]! + NORMAL_MIN_SPACING_MS <= ts && this.blockedUntil[id]! <= ts;
  }

  private isQuiet(id: number, start: number, end: number): boolean {
    if (this.lastTs[id]! + PATTERN_QUIET_MS > start || this.blockedUntil[id]! > start) return false;
    const future = this.futureTs.get(id);
    return !future || future.every((t) => t < start - PATTERN_QUIET_MS || t > end + PATTERN_QUIET_MS);
  }

  /** A customer for a normal order at `ts`, Zipf-weighted and shaped by the local hour; may move `ts` on. */
  private pickNormalCustomer(ts: number, only: (id: number) => boolean = () => true): { id: number; ts: number } {
    for (let at = ts; ; at += MINUTE_MS) {
      const hour = utcHourOf(at);
      for (let attempt = 0; attempt < 48; attempt++) {
        const id = this.zipf.draw(this.rngPick);
        if (only(id) && this.canOrderNormally(id, at) && this.rngPick.float() < shoppingPropensity(this.profile(id), hour)) return { id, ts: at };
      }
      const id = this.scan((c) => only(c) && this.canOrderNormally(c, at));
      if (id !== undefined) return { id, ts: at };
    }
  }

  /** A customer for a pattern spanning [start, end] with nothing else within the quiet margin. */
  private pickPatternCustomer(start: number, end: number, fits: (id: number) => boolean): number | undefined {
    const ok = (id: number): boolean => this.isQuiet(id, start, end) && fits(id);
    for (let attempt = 0; attempt < 64; attempt++) {
      const id = this.zipf.draw(this.rngPick);
      if (ok(id)) return id;
    }
    return this.scan(ok);
  }

  private scan(ok: (id: number) => boolean): number | undefined {
    const n = this.customers;
    const from = this.rngPick.int(0, n - 1);
    const limit = Math.min(n, 20_000);
    for (let k = 0; k < limit; k++) {
      const id = ((from + k) % n) + 1;
      if (ok(id)) return id;
    }
    return undefined;
  }

  // ---- baskets --------------------------------------------------------------------------------

  /** Lines whose total lands in [minUsd, maxUsd], aiming at `targetUsd`; undefined if none found. */
  private basket(targetUsd: number, minUsd: number, maxUsd: number, maxQuantity = NORMAL_MAX_QUANTITY): LinePick[] | undefined {
    const r = this.rngOrder;
    for (let attempt = 0; attempt < 24; attempt++) {
      let lines = 1 + r.weightedIndex(LINE_COUNT_WEIGHTS);
      lines = Math.min(5, Math.max(lines, Math.ceil(targetUsd / 1300)));
      if (targetUsd / lines < 12) lines = Math.max(1, Math.floor(targetUsd / 12));
      const shares = Array.from({ length: lines }, () => r.between(0.5, 1.5));
      const shareSum = shares.reduce((a, b) => a + b, 0);
      const used = new Set<number>();
      const picks: LinePick[] = [];
      let total = 0;
      for (const share of shares) {
        const value = (targetUsd * share) / shareSum;
        let q = 1 + r.weightedIndex(QUANTITY_WEIGHTS);
        while (value / q > priceOf(PRODUCT_COUNT) && q < maxQuantity) q++;
        while (q > 1 && value / q < priceOf(1)) q--;
        let n = Math.round(value / q / 5 - 1) + r.int(-2, 2);
        n = Math.min(PRODUCT_COUNT, Math.max(1, n));
        for (let step = 1; used.has(n); step++) n = Math.min(PRODUCT_COUNT, Math.max(1, n + (step % 2 === 0 ? step : -step)));
        used.add(n);
        picks.push({ n, q });
        total += q * priceOf(n);
      }
      if (total >= minUsd && total <= maxUsd) return picks;
    }
    return undefined;
  }

  private normalBasket(id: number, ts: number): LinePick[] {
    const budget = this.profile(id).budgetUsd;
    // Evenings bring slightly bigger baskets; the band keeps every normal order unremarkable.
    const local = (utcHourOf(ts) + this.profile(id).utcOffsetHours + 24) % 24;
    const mood = local >= 18 && local < 23 ? 1.1 : 1;
    return (
      this.basket(budget * this.rngOrder.between(0.75, 1.3) * mood, budget * NORMAL_BAND.min, budget * NORMAL_BAND.max) ??
      this.basket(budget, budget * NORMAL_BAND.min, budget * NORMAL_BAND.max) ?? [{ n: Math.max(1, Math.min(PRODUCT_COUNT, Math.round(budget / 5 - 1))), q: 1 }]
    );
  }

  private usualPayment(id: number): PaymentMethod {
    const p = this.profile(id);
    return this.rngOrder.chance(0.85) ? p.preferredPayment : p.secondaryPayment;
  }

  /** Normal shipping: home, or (10%) another city of the same country within 250 km. */
  private normalShip(id: number): Ship | undefined {
    if (!this.rngOrder.chance(0.1)) return undefined;
    const c = this.customer(id);
    const near = this.places.nearCities(c);
    if (near.length === 0) return undefined;
    return { city: this.rngOrder.pick(near), street: streetLine(this.rngOrder, languageOfCountry(c.homeCountry)) };
  }

  // ---- normal orders and anomalies ------------------------------------------------------------

  private emitNormal(slotTs: number, defect: DefectType | null): SimMessage {
    const { id, ts } = this.pickNormalCustomer(slotTs, defect === 'future-date' ? isFutureDateCustomer : undefined);
    this.clock = Math.max(this.clock, ts);
    const plan: OrderPlan = { customer: id, ts, lines: this.normalBasket(id, ts), paymentMethod: this.usualPayment(id), ship: this.normalShip(id), fraud: null, patternId: null, defect };
    if (defect === null && this.benignRate > 0 && this.rngBenign.chance(this.benignRate)) this.makeBenign(plan);
    if (defect === 'future-date') plan.ts = ts + DAY_MS + HOUR_MS + Math.round(this.rngOrder.between(0, 29 * DAY_MS));
    const message = this.emit(plan);
    if (defect === null && message.truth.valid) {
      // A ring of the latest valid normal messages, the pool duplicates are drawn from.
      if (this.recent.length < RECENT_MESSAGES) this.recent.push(message);
      else this.recent[this.stats.sent % RECENT_MESSAGES] = message;
    }
    return message;
  }

  /** Turns a normal order into one of the benign kinds (it stays normal when the customer does not fit). */
  private makeBenign(plan: OrderPlan): void {
    const r = this.rngBenign;
    const c = this.customer(plan.customer);
    const kind = BENIGN_KINDS[r.weightedIndex(BENIGN_WEIGHTS)]!;
    if (kind === 'gift-abroad') {
      const foreign = this.places.foreignCities(c);
      if (foreign.length === 0) return;
      const city = r.pick(foreign);
      plan.ship = { city, street: streetLine(r, languageOfCountry(city.country)) };
    } else if (kind === 'office') {
      const near = this.places.nearCities(c);
      if (near.length === 0) return;
      plan.ship = { city: r.pick(near), street: streetLine(r, languageOfCountry(c.homeCountry)) };
    } else {
      const budget = this.profile(plan.customer).budgetUsd;
      if (budget < BIG_SPENDER.minBudget) return;
      const max = Math.min(BIG_SPENDER.maxUsd, budget * BIG_SPENDER.maxTimesBudget);
      const lines = this.basket(r.between(BIG_SPENDER.minUsd, max), BIG_SPENDER.minUsd, max);
      if (!lines) return;
      plan.lines = lines;
    }
    plan.benign = kind;
  }

  private newPattern(type: FraudType): string {
    const n = (this.instanceCounter[type] = (this.instanceCounter[type] ?? 0) + 1);
    this.stats.fraudInstances[type]++;
    return `${type}-${n}`;
  }

  private schedule(plan: OrderPlan): void {
    this.pending.push({ ts: plan.ts, order: this.pendingOrder++, plan });
  }

  private block(id: number, lastTs: number): void {
    this.blockedUntil[id] = lastTs + PATTERN_QUIET_MS;
  }

  /** Starts an anomaly at slot time `ts`; undefined when no customer fits it now (a normal order goes out instead). */
  private startAnomaly(type: AnomalyType, ts: number, room: number): SimMessage | undefined {
    const r = this.rngOrder;
    switch (type) {
      case 'velocity': {
        const n = r.int(7, 10);
        if (room < n - 1) return undefined;
        const span = Math.round(r.between(20, 50)) * MINUTE_MS;
        const id = this.pickPatternCustomer(ts, ts + span, () => true);
        if (id === undefined) return undefined;
        const offsets = Array.from({ length: n - 2 }, () => Math.round(r.between(1, span / 1000 - 1)) * 1000).sort((a, b) => a - b);
        offsets.push(span);
        const patternId = this.newPattern(type);
        const method = this.profile(id).preferredPayment;
        for (const offset of offsets) {
          this.schedule({ customer: id, ts: ts + offset, lines: this.normalBasket(id, ts + offset), paymentMethod: method, fraud: type, patternId, defect: null });
        }
        this.block(id, ts + span);
        return this.emit({ customer: id, ts, lines: this.normalBasket(id, ts), paymentMethod: method, fraud: type, patternId, defect: null });
      }
      case 'payment-hopping': {
        const n = r.chance(0.7) ? 3 : 4;
        if (room < n - 1) return undefined;
        const span = Math.round(r.between(3, 9) * 60) * 1000;
        const id = this.pickPatternCustomer(ts, ts + span, () => true);
        if (id === undefined) return undefined;
        const profile = this.profile(id);
        const others = r.shuffled(paymentChoices(this.customer(id).homeCountry).map(([m]) => m).filter((m) => m !== profile.preferredPayment));
        const methods = [profile.preferredPayment, ...others.slice(0, n - 1)];
        const patternId = this.newPattern(type);
        for (let k = 1; k < n; k++) {
          const at = k === n - 1 ? ts + span : ts + Math.round((span * k) / (n - 1) + r.between(-20_000, 20_000));
          this.schedule({ customer: id, ts: at, lines: this.normalBasket(id, at), paymentMethod: methods[k]!, fraud: type, patternId, defect: null });
        }
        this.block(id, ts + span);
        return this.emit({ customer: id, ts, lines: this.normalBasket(id, ts), paymentMethod: methods[0]!, fraud: type, patternId, defect: null });
      }
      case 'impossible-travel': {
        if (room < 1) return undefined;
        const id = this.pickPatternCustomer(ts, ts + HOUR_MS, (c) => !isFutureDateCustomer(c) && this.places.farCities(this.customer(c)).length > 0);
        if (id === undefined) return undefined;
        const c = this.customer(id);
        const far = r.pick(this.places.farCities(c));
        const km = this.places.distanceKm(c, far);
        // At most 55 minutes and at most 75% of the time a 900 km/h flight would need.
        const gapMs = Math.round(r.between(5 * MINUTE_MS, Math.min(55 * MINUTE_MS, 0.75 * (km / 900) * HOUR_MS)));
        const patternId = this.newPattern(type);
        const method = this.profile(id).preferredPayment;
        const ship = { city: far, street: streetLine(r, languageOfCountry(far.country)) };
        this.schedule({ customer: id, ts: ts + gapMs, lines: this.normalBasket(id, ts + gapMs), paymentMethod: method, ship, fraud: type, patternId, defect: null });
        this.block(id, ts + gapMs);
        // The first order, at home, is the trip's unremarkable start: it shares the patternId but
        // carries no label. Only the order that completes the impossible trip is labelled.
        return this.emit({ customer: id, ts, lines: this.normalBasket(id, ts), paymentMethod: method, fraud: null, patternId, defect: null });
      }
      case 'foreign-shipping': {
        // A thief ships abroad, and a dear basket: two signals (high value alone or a foreign
        // address alone is what honest customers do every day).
        const id = this.pickPatternCustomer(ts, ts, (c) => this.places.foreignCities(this.customer(c)).length > 0 && this.profile(c).budgetUsd >= HIGH_VALUE_USD.minBudget);
        if (id === undefined) return undefined;
        const lines = this.basket(r.between(4200, 4700), HIGH_VALUE_USD.min, HIGH_VALUE_USD.max);
        if (!lines) return undefined;
        const city = r.pick(this.places.foreignCities(this.customer(id)));
        this.block(id, ts);
        return this.emit({ customer: id, ts, lines, paymentMethod: this.usualPayment(id), ship: { city, street: streetLine(r, languageOfCountry(city.country)) }, fraud: type, alsoFraud: 'high-value', patternId: this.newPattern(type), defect: null });
      }
      case 'high-value': {
        // A dear order from a customer who never spends that much: high value and a value spike
        // (a big order of a customer who can afford it is the benign `big-spender`).
        const mean = (c: number): number => this.usdSum[c]! / this.validCount[c]!;
        const floor = (c: number): number => Math.max(HIGH_VALUE_USD.min, HIGH_VALUE_SPIKE_TIMES * mean(c));
        const id = this.pickPatternCustomer(ts, ts, (c) => !isFutureDateCustomer(c) && this.validCount[c]! >= HIGH_VALUE_SPIKE_HISTORY && floor(c) <= HIGH_VALUE_USD.max - 100);
        if (id === undefined) return undefined;
        const lines = this.basket(r.between(floor(id), HIGH_VALUE_USD.max), floor(id), HIGH_VALUE_USD.max);
        if (!lines) return undefined;
        this.block(id, ts);
        return this.emit({ customer: id, ts, lines, paymentMethod: this.usualPayment(id), fraud: type, alsoFraud: 'value-spike', patternId: this.newPattern(type), defect: null });
      }
      case 'value-spike': {
        const spikeFloor = (c: number): number => VALUE_SPIKE.factor * Math.max(this.usdSum[c]! / this.validCount[c]!, this.usdMax[c]!);
        const id = this.pickPatternCustomer(ts, ts, (c) => this.validCount[c]! >= VALUE_SPIKE.minHistory && this.profile(c).budgetUsd <= VALUE_SPIKE.maxBudget && spikeFloor(c) <= VALUE_SPIKE.maxUsd / 1.3);
        if (id === undefined) return undefined;
        const floor = spikeFloor(id);
        const lines = this.basket(floor * r.between(1.05, 1.25), floor, Math.min(VALUE_SPIKE.maxUsd, floor * 1.3));
        if (!lines) return undefined;
        this.block(id, ts);
        return this.emit({ customer: id, ts, lines, paymentMethod: this.usualPayment(id), fraud: type, patternId: this.newPattern(type), defect: null });
      }
      case 'quantity-outlier': {
        const id = this.pickPatternCustomer(ts, ts, (c) => this.profile(c).budgetUsd >= QUANTITY_OUTLIER.minBudget);
        if (id === undefined) return undefined;
        // The outlier line is priced so the order's value stays within the customer's normal band:
        // a quantity outlier must not also look like a value anomaly (or drag the usual down).
        const budget = this.profile(id).budgetUsd;
        const q = r.int(QUANTITY_OUTLIER.min, QUANTITY_OUTLIER.max);
        const fitting = Array.from({ length: PRODUCT_COUNT }, (_, i) => i + 1).filter((n) => q * priceOf(n) >= budget * NORMAL_BAND.min && q * priceOf(n) <= budget * NORMAL_BAND.max);
        if (fitting.length === 0) return undefined;
        const lines: LinePick[] = [{ n: r.pick(fitting), q }];
        this.block(id, ts);
        return this.emit({ customer: id, ts, lines, paymentMethod: this.usualPayment(id), fraud: type, patternId: this.newPattern(type), defect: null });
      }
      case 'duplicate-order': {
        if (this.recent.length === 0) return undefined;
        const original = this.recent[r.int(0, this.recent.length - 1)]!;
        return this.record({
          key: original.key,
          value: original.value,
          headers: { ...original.headers },
          truth: { ...original.truth, seq: this.stats.sent, defect: 'duplicate-order', fraud: [], patternId: null, duplicateOf: original.truth.seq },
        });
      }
      case 'future-date':
        if (this.customers < FUTURE_DATE_CUSTOMER_EVERY) return undefined;
        return this.emitNormal(ts, type);
      default:
        return this.emitNormal(ts, type);
    }
  }

  // ---- the wire ---------------------------------------------------------------------------------

  private emit(plan: OrderPlan): SimMessage {
    const w = this.rngWire;
    const customer = this.customer(plan.customer);
    const profile = this.profile(plan.customer);
    const defect = plan.defect;
    const version = defect === 'unknown-version' ? 3 : 1 + w.weightedIndex(this.versionWeights);
    const headerSent = defect === 'unknown-version' || !w.chance(this.headerlessShare);
    const orderId = w.uuid();
    // v1/v2 dates carry whole seconds, so that is the event time the pipeline will see.
    const ts = version === 3 ? plan.ts : Math.floor(plan.ts / 1000) * 1000;
    const iso = new Date(ts).toISOString();
    const date = iso.slice(0, 10);

    const { items, totalAmount, usdTotal, shipCity, shipCountry, shipKm, paymentStatus, orderStatus, event, value } = wireEvent(w, {
      plan,
      customer,
      profile,
      version,
      orderId,
      ts,
      usdPerUnit: this.reference.usdPerUnit(plan.paymentMethod, date),
    });

    const valid = defect === null || VALID_DEFECTS.has(defect);
    const headerVersion = defect === 'unknown-version' ? 9 : version;
    const schemaVersion = defect === 'unknown-version' ? null : headerSent ? version : defect === 'malformed-json' ? null : versionByShape(event);
    const truth: TruthRecord = {
      seq: this.stats.sent,
      key: customer.customerId,
      version: headerVersion,
      headerSent,
      schemaVersion,
      orderId,
      valid,
      defect,
      fraud: plan.fraud ? [plan.fraud, ...(plan.alsoFraud ? [plan.alsoFraud] : [])].sort((a, b) => FRAUD_TYPES.indexOf(a) - FRAUD_TYPES.indexOf(b)) : [],
      benign: plan.benign ?? null,
      patternId: plan.patternId,
      customerId: customer.customerId,
      orderTs: ts,
      orderDate: date,
      paymentMethod: plan.paymentMethod,
      paymentStatus,
      orderStatus,
      totalAmount,
      usdTotal,
      items,
      shipCity,
      shipCountry,
      shipKm,
      duplicateOf: null,
    };

    const id = plan.customer;
    if (defect === 'future-date') {
      const list = this.futureTs.get(id) ?? [];
      list.push(ts);
      this.futureTs.set(id, list);
    } else {
      this.lastTs[id] = Math.max(this.lastTs[id]!, plan.ts);
    }
    if (valid) {
      this.validCount[id]!++;
      this.usdSum[id] = this.usdSum[id]! + usdTotal;
      this.usdMax[id] = Math.max(this.usdMax[id]!, usdTotal);
    }

    return this.record({ key: customer.customerId, value, headers: headerSent ? { [HEADER_SCHEMA_VERSION]: String(headerVersion) } : {}, truth });
  }

  private record(message: SimMessage): SimMessage {
    const s = this.stats;
    const t = message.truth;
    s.sent++;
    if (t.valid) s.valid++;
    else s.invalid++;
    s.perVersion[t.version] = (s.perVersion[t.version] ?? 0) + 1;
    if (!t.headerSent) s.headerless++;
    if (t.defect) s.perAnomaly[t.defect]++;
    for (const f of t.fraud) s.perAnomaly[f]++;
    if (t.defect !== 'duplicate-order' && t.defect !== 'future-date') {
      s.firstEventTs ??= t.orderTs;
      s.lastEventTs = Math.max(s.lastEventTs ?? t.orderTs, t.orderTs);
    }
    return message;
  }
}
