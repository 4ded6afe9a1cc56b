// The dashboard's live state: polls the lake and the pipeline every few seconds, keeps the page's
// sections, and tells subscribers (the SSE streams) only about the sections that changed.
import type { Logger } from '../logger.ts';
import type { GoldReader, GoldTableName } from './gold-reader.ts';
import type { PipelineHealth, PipelineHealthSource } from './pipeline-health.ts';

export const SECTIONS = ['status', 'totals', 'series', 'categories', 'customers', 'alerts', 'quality', 'health'] as const;
export type SectionName = (typeof SECTIONS)[number];
export type Sections = Partial<Record<SectionName, unknown>>;

export interface LakeStatus {
  ok: boolean;
  /** What went wrong on the last read; the page keeps the figures it had. */
  error?: string;
  /** When the lake was last read completely, ms since the epoch. */
  readAt: number | null;
}

/** `update`: the sections that changed; `tick`: a poll finished (ms since the epoch), so pages can show they are live. */
export type LiveListener = (event: 'update' | 'tick', data: Sections | number) => void;

export interface LiveDashboardOptions {
  reader: GoldReader;
  health?: PipelineHealthSource;
  pollIntervalMs?: number;
  log?: Logger;
}

const UNKNOWN_HEALTH: PipelineHealth = {
  temporal: { reachable: false, error: 'not read yet' },
  lag: { available: false, error: 'not read yet' },
};

export class LiveDashboard {
  private readonly reader: GoldReader;
  private readonly health: PipelineHealthSource | undefined;
  private readonly pollIntervalMs: number;
  private readonly log: Logger | undefined;
  /** Each section as last sent, serialised: comparing strings finds what changed. */
  private readonly sent = new Map<SectionName, string>();
  private readonly listeners = new Set<LiveListener>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private lakeStatus: LakeStatus = { ok: true, readAt: null };
  private polls = 0;
  private lastPollAt: number | undefined;

  constructor({ reader, health, pollIntervalMs = 2000, log }: LiveDashboardOptions) {
    this.reader = reader;
    this.health = health;
    this.pollIntervalMs = pollIntervalMs;
    this.log = log;
    this.publish({
      // Until the first poll is done the page says it is still reading, not that the lake is empty.
      status: { ok: true, readAt: null, catchingUp: true, unreadableCount: 0, unreadable: [] },
      totals: reader.totalsView(),
      series: reader.seriesView(),
      categories: reader.categoriesView(),
      customers: reader.customersView(),
      alerts: reader.alertsView(),
      quality: reader.qualityView(),
      health: health ? UNKNOWN_HEALTH : { temporal: { reachable: false, error: 'not configured' }, lag: { available: false, error: 'not configured' } },
    });
  }

  /** Every section as it stands, for a page that just connected. */
  snapshot(): Sections {
    const out: Sections = {};
    for (const [name, json] of this.sent) out[name] = JSON.parse(json) as unknown;
    return out;
  }

  /** When the last poll finished (ms since the epoch); undefined before the first. */
  lastPoll(): number | undefined {
    return this.lastPollAt;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Polls now and then every pollIntervalMs; resolves after the first poll. */
  async start(): Promise<void> {
    await this.pollOnce();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.stopped) return;
    // Catching up with a large lake: go on at once, the page fills in steps.
    const delayMs = this.reader.backlog && this.lakeStatus.ok ? 0 : this.pollIntervalMs;
    this.timer = setTimeout(() => {
      void this.pollOnce().finally(() => this.schedule());
    }, delayMs);
  }

  /** One poll; never throws: a source that fails is reported on the page. */
  pollOnce(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async poll(): Promise<void> {
    this.polls++;
    const healthRead = this.health?.read().catch((error: unknown): PipelineHealth => ({
      temporal: { reachable: false, error: String(error) },
      lag: { available: false, error: String(error) },
    }));
    let changed = new Set<GoldTableName>();
    try {
      changed = await this.reader.refresh();
      this.lakeStatus = { ok: true, readAt: Date.now() };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Log a failing lake once per minute or so, not every two seconds.
      if (this.lakeStatus.ok || this.polls % 30 === 0) this.log?.warn({ err: message }, 'dashboard cannot read the lake');
      this.lakeStatus = { ok: false, error: message, readAt: this.lakeStatus.readAt };
    }
    const unreadable = this.reader.unreadableObjects();
    const next: Sections = {
      status: {
        ok: this.lakeStatus.ok,
        error: this.lakeStatus.error,
        // While the lake answers, the tick event says how fresh the page is; this only changes on trouble.
        readAt: this.lakeStatus.ok ? null : this.lakeStatus.readAt,
        catchingUp: this.reader.backlog,
        unreadableCount: unreadable.length,
        unreadable: unreadable.slice(0, 5),
      },
    };
    // The rate and the chart follow the clock, not only the lake: computed every poll, and sent
    // only when they changed (publish compares).
    next.totals = this.reader.totalsView();
    next.series = this.reader.seriesView();
    if (changed.has('sales')) next.categories = this.reader.categoriesView();
    if (changed.has('customers')) next.customers = this.reader.customersView();
    if (changed.has('alerts')) next.alerts = this.reader.alertsView();
    if (changed.has('quality') || changed.has('sales')) next.quality = this.reader.qualityView();
    if (healthRead) next.health = await healthRead;
    this.publish(next);
    this.lastPollAt = Date.now();
    this.emit('tick', this.lastPollAt);
  }

  private publish(sections: Sections): void {
    const changed: Sections = {};
    let any = false;
    for (const name of SECTIONS) {
      if (!(name in sections)) continue;
      const json = JSON.stringify(sections[name]);
      if (this.sent.get(name) === json) continue;
      this.sent.set(name, json);
      changed[name] = sections[name];
      any = true;
    }
    if (any) this.emit('update', changed);
  }

  private emit(event: 'update' | 'tick', data: Sections | number): void {
    for (const listener of this.listeners) {
      try {
        listener(event, data);
      } catch (error) {
        this.log?.warn({ err: String(error) }, 'dashboard listener failed');
      }
    }
  }
}
