// Runs `orders <verb>` as real child processes, so tests can SIGKILL and restart them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startSettingsFor } from '../../src/workers/heap-cap.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'logs');

export class OrdersProcess {
  private child: ChildProcess | undefined;
  private exits: { code: number | null; signal: NodeJS.Signals | null; killedByTest: boolean; at: number }[] = [];
  private killing = false;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    /** Node flags (e.g. --cpu-prof), a script other than the CLI, and where logs go. */
    private readonly options: { nodeArgs?: string[]; script?: string; logDir?: string } = {},
  ) {}

  start(): void {
    this.stopped = false;
    const logDir = this.options.logDir ?? ARTIFACTS;
    mkdirSync(logDir, { recursive: true });
    const log = createWriteStream(path.join(logDir, `${this.name}.log`), { flags: 'a' });
    const script = this.options.script ?? path.join(ROOT, 'src/cli/main.ts');
    const given = { ...process.env, ...this.env };
    const nodeArgs = this.options.nodeArgs ?? [];
    // A worker or bridge starts with its V8 flags and MALLOC_ARENA_MAX, as `orders worker` and `orders bridge` start them.
    const start = this.options.script === undefined ? startSettingsFor(this.args[0], given, nodeArgs) : { flags: [], env: {} };
    const env = { ...given, ...start.env };
    const child = spawn(process.execPath, [...nodeArgs, ...start.flags, '--import', 'tsx', script, ...this.args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const killedByTest = (): boolean => this.killing;
    child.once('exit', (code, signal) => {
      this.exits.push({ code, signal, killedByTest: killedByTest(), at: Date.now() });
      this.killing = false;
    });
    this.child = child;
  }

  /** The child's pid while it runs (for /proc sampling). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  envValue(name: string): string | undefined {
    return this.env[name];
  }

  /** Being killed or stopped on purpose: a supervisor must not bring it back. */
  get meantToBeDown(): boolean {
    return this.killing || this.stopped;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Exits the test caused with SIGKILL. */
  get kills(): number {
    return this.killTimes.length;
  }

  /** When each of those SIGKILLs took the process down (epoch ms). */
  get killTimes(): number[] {
    return this.exits.filter((e) => e.killedByTest && e.signal === 'SIGKILL').map((e) => e.at);
  }

  /** Exits the test did not cause: crashes. */
  get crashes(): number {
    return this.exits.filter((e) => !e.killedByTest).length;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.killing = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.running) return;
    const child = this.child!;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

/**
 * A port nothing listens on now, chosen by the OS. Ports picked at random collided with other
 * stacks on the machine (a second local stack, a benchmark); the OS knows which are taken.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
