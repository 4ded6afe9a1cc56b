// Detached service processes with pid files: the stack stops only what it started, and never a
// process that merely reused a recorded pid (its command line must mention the stack folder).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StackPaths } from './paths.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Launch {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

const pidFile = (paths: StackPaths, service: string): string => path.join(paths.pids, `${service}.pid`);
export const logFile = (paths: StackPaths, service: string): string => path.join(paths.logs, `${service}.log`);

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** True when `pid` runs a command that names the stack folder (so it is ours, not a recycled pid). */
function isOurs(pid: number, paths: StackPaths): boolean {
  if (!isAlive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true; // no procfs: trust the pid file
  try {
    return readFileSync(cmdline, 'utf8').includes(paths.root);
  } catch {
    return false;
  }
}

/** The pid of the service's process the stack started, if it is still running. */
export async function runningPid(paths: StackPaths, service: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFile(paths, service), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 0 && isOurs(pid, paths)) return pid;
  await rm(pidFile(paths, service), { force: true });
  return undefined;
}

/** Starts a detached process in its own process group, output appended to logs/<service>.log. */
export async function launchDetached(paths: StackPaths, service: string, launch: Launch): Promise<number> {
  await mkdir(paths.logs, { recursive: true });
  await mkdir(paths.pids, { recursive: true });
  const log = openSync(logFile(paths, service), 'a');
  try {
    writeSync(log, `\n--- ${new Date().toISOString()} starting: ${launch.command} ${launch.args.join(' ')}\n`);
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd ?? paths.root,
      env: { ...process.env, ...launch.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid!));
    });
    child.unref();
    await writeFile(pidFile(paths, service), `${pid}\n`);
    return pid;
  } finally {
    closeSync(log);
  }
}


function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops the service's process: SIGTERM, then SIGKILL after `graceMs` (or SIGKILL at once when
 * `signal` is SIGKILL, as a chaos test wants). Returns the pid it stopped, or undefined if none ran.
 */
export async function stopProcess(paths: StackPaths, service: string, { graceMs = 20_000, signal = 'SIGTERM' as NodeJS.Signals } = {}): Promise<number | undefined> {
  const pid = await runningPid(paths, service);
  if (pid === undefined) return undefined;
  signalGroup(pid, signal);
  const deadline = Date.now() + (signal === 'SIGKILL' ? 5_000 : graceMs);
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  await rm(pidFile(paths, service), { force: true });
  return pid;
}

/** The last lines of a service's log, for error messages. */
export async function logTail(paths: StackPaths, service: string, lines = 12): Promise<string> {
  try {
    const text = await readFile(logFile(paths, service), 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resident memory of a process in KiB (Linux), for `stack status`. */
export function residentKiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
