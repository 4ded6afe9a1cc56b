// The kill loop and the watchdog of a chaos run. The injector SIGKILLs the victims the schedule
// names and brings each back (a stack service waits until it answers again); the watchdog notices
// any process that died without being killed, counts it as a crash and restarts it, as a
// supervisor would, so one crash shows up in the table instead of stalling the whole run.
import type { Config } from '../src/config.ts';
import { killService, SERVICE_NAMES, startService, type ServiceName } from '../src/stack/index.ts';
import { stackPaths } from '../src/stack/paths.ts';
import { runningPid } from '../src/stack/processes.ts';
import type { ProcessExits } from '../test/helpers/exactly-once.ts';
import type { OrdersProcess } from '../test/helpers/processes.ts';
import { seededRandom } from './random.ts';
import { killSchedule, VICTIMS, type PlannedKill, type ScheduleOptions, type Victim } from './schedule.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface InjectorTargets {
  config: Config;
  bridges: readonly OrdersProcess[];
  workers: readonly OrdersProcess[];
}

const WATCH_INTERVAL_MS = 1_000;
const isService = (victim: Victim): victim is ServiceName => (SERVICE_NAMES as readonly string[]).includes(victim);

export class ChaosInjector {
  private readonly kills = new Map<Victim, number>(VICTIMS.map((v) => [v, 0]));
  /** when each stack service was SIGKILLed (epoch ms) */
  private readonly serviceKillTimes = new Map<ServiceName, number[]>(SERVICE_NAMES.map((s) => [s, []]));
  private readonly serviceCrashes = new Map<ServiceName, number>(SERVICE_NAMES.map((s) => [s, 0]));
  /** services the injector is taking down and bringing back right now: not crashes */
  private readonly restarting = new Set<string>();
  private readonly pick = seededRandom(1);
  private watching: NodeJS.Timeout | undefined;
  private watchBusy = false;

  constructor(
    private readonly targets: InjectorTargets,
    private readonly options: ScheduleOptions & { log?: (line: string) => void },
  ) {}

  get totalKills(): number {
    return [...this.kills.values()].reduce((a, b) => a + b, 0);
  }

  /** Kills until `enough()` says so (checked before each kill). */
  async run(enough: () => boolean): Promise<void> {
    this.startWatch();
    for (const kill of killSchedule(this.options)) {
      await sleep(kill.pauseMs);
      if (enough()) break;
      await this.execute(kill);
    }
  }

  /** Stops watching, after one last look for dead processes. */
  async stop(): Promise<void> {
    clearInterval(this.watching);
    while (this.watchBusy) await sleep(50);
    await this.watch();
  }

  exits(): ProcessExits[] {
    const orders = (victim: 'bridge' | 'worker', list: readonly OrdersProcess[]): ProcessExits => ({ name: victim, kills: this.kills.get(victim)!, crashes: list.reduce((n, p) => n + p.crashes, 0) });
    return [
      orders('bridge', this.targets.bridges),
      orders('worker', this.targets.workers),
      ...SERVICE_NAMES.map((name) => ({ name, kills: this.kills.get(name)!, crashes: this.serviceCrashes.get(name)! })),
    ];
  }

  /** When the worker or the SMTP server was SIGKILLed: the kills that may repeat a mail (exactly-once.ts). */
  mailWindowKills(): number[] {
    return [...this.targets.workers.flatMap((w) => w.killTimes), ...this.serviceKillTimes.get('mail')!];
  }

  private async execute({ victim, downMs }: PlannedKill): Promise<void> {
    const began = Date.now();
    if (isService(victim)) {
      this.restarting.add(victim);
      try {
        const at = Date.now();
        if (!(await killService(this.targets.config, victim))) throw new Error(`${victim} has no process of this stack to kill (pid file missing)`);
        this.serviceKillTimes.get(victim)!.push(at);
        await sleep(downMs);
        await startService(this.targets.config, victim);
      } finally {
        this.restarting.delete(victim);
      }
    } else {
      const list = victim === 'bridge' ? this.targets.bridges : this.targets.workers;
      await this.pick.pick(list).restart();
    }
    this.kills.set(victim, this.kills.get(victim)! + 1);
    this.options.log?.(`kill ${this.totalKills}: ${victim} (down ${downMs} ms, back after ${Date.now() - began} ms)`);
  }

  private startWatch(): void {
    this.watching ??= setInterval(() => {
      if (this.watchBusy) return;
      void this.watch();
    }, WATCH_INTERVAL_MS);
  }

  private async watch(): Promise<void> {
    this.watchBusy = true;
    try {
      for (const process of [...this.targets.bridges, ...this.targets.workers]) {
        // OrdersProcess counts an exit it did not cause as a crash; bring the process back
        if (!process.running && !process.meantToBeDown) {
          this.options.log?.(`${process.name} exited on its own: restarting it`);
          process.start();
        }
      }
      const paths = stackPaths(this.targets.config);
      for (const name of SERVICE_NAMES) {
        if (this.restarting.has(name) || (await runningPid(paths, name)) !== undefined) continue;
        if (this.restarting.has(name)) continue; // the injector took it down while we looked
        // No process of ours: a crash only if nothing answers either (startService then launches one).
        this.restarting.add(name);
        try {
          if (await startService(this.targets.config, name)) {
            this.serviceCrashes.set(name, this.serviceCrashes.get(name)! + 1);
            this.options.log?.(`${name} exited on its own: restarted it`);
          }
        } finally {
          this.restarting.delete(name);
        }
      }
    } catch (error) {
      this.options.log?.(`watchdog: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.watchBusy = false;
    }
  }
}
