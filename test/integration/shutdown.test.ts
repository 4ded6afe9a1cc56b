// One signal stops a long-running verb cleanly: SIGTERM to worker, bridge and dashboard, and
// Ctrl-C (SIGINT) to `orders start`, each on a pipeline of its own (topic, group, task queue,
// lake prefix, ports) on the shared local stack. Asserted: the exit status (0 after SIGTERM, 130
// after SIGINT), no stack trace and no error line on stderr, and no process left behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { freePort } from '../helpers/processes.ts';
import { requireService } from '../helpers/services.ts';
import { uniqueName, waitFor } from '../helpers/wait.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

async function isolatedEnv(): Promise<Record<string, string>> {
  const name = uniqueName('shutdown');
  return {
    KAFKA_TOPIC: `${name}-orders`,
    KAFKA_DLQ_TOPIC: `${name}-dlq`,
    KAFKA_GROUP_ID: `${name}-bridge`,
    TEMPORAL_TASK_QUEUE: `${name}-queue`,
    LAKE_URI: `s3://orders-lake/${name}`,
    ALERT_TO: `${name}@test.local`,
    KAFKA_PARTITIONS: '2',
    DASHBOARD_PORT: String(await freePort()),
    BRIDGE_METRICS_PORT: String(await freePort()),
    WORKER_METRICS_PORT: String(await freePort()),
    WORKER_SDK_METRICS_PORT: String(await freePort()),
    // Logs as JSON, so that "no error line" is a plain check of the level.
    LOG_FORMAT: 'json',
  };
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runOrders(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** Every live descendant of a process, from /proc (Linux). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat is the parent pid; the command name (field 2) may hold spaces, so read after its ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended while we read
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid !== parent || found.includes(child)) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const commandLine = (pid: number): string => {
  try {
    return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`;
  } catch {
    return `${pid} (gone)`;
  }
};

function assertCleanOutput(output: string): void {
  assert.doesNotMatch(output, /^\s+at .+\(.*:\d+:\d+\)$/m, `a stack trace on the console:\n${output}`);
  assert.doesNotMatch(output, /IllegalStateError|Unhandled|uncaught/i, output);
  assert.doesNotMatch(output, /"level":(50|60)/, `an error logged while starting or stopping:\n${output}`);
}

async function stopsCleanly(args: string[], ready: RegExp, signal: NodeJS.Signals, expectedStatus: number, { readyWithinMs = 120_000 } = {}): Promise<void> {
  const env = await isolatedEnv();
  const run = runOrders(args, env);
  try {
    await waitFor(`orders ${args[0]} to say ${ready}`, () => ready.test(run.output()) || run.child.exitCode !== null, { timeoutMs: readyWithinMs });
    assert.equal(run.child.exitCode, null, `orders ${args[0]} exited before it was ready:\n${run.output()}`);
    const family = descendants(run.child.pid!);
    const started = Date.now();
    run.child.kill(signal);
    const exit = await Promise.race([run.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`orders ${args[0]} still running 60 s after ${signal}:\n${run.output()}`)), 60_000))]);
    assert.deepEqual(exit, { code: expectedStatus, signal: null }, `exit after ${signal}:\n${run.output()}`);
    assertCleanOutput(run.output());
    // A helper whose parent died may take a moment to notice (its stdin closes); give it 3 s.
    const left = await waitFor('descendants to end', () => (family.some(alive) ? false : []), { timeoutMs: 3_000 }).catch(() => family.filter(alive));
    assert.deepEqual(left.map(commandLine), [], `processes left behind by orders ${args[0]}`);
    console.log(`orders ${args.join(' ')}: ${signal} → exit ${exit.code} in ${Date.now() - started} ms`);
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    for (const pid of descendants(run.child.pid!)) process.kill(pid, 'SIGKILL');
  }
}

describe('one signal stops a long-running verb cleanly', { timeout: 600_000 }, () => {
  test('the stack is up', async () => {
    for (const service of ['temporal', 'kafka', 's3', 'mail'] as const) await requireService(service, loadConfig());
  });

  test('SIGTERM to orders worker: exit 0, no stack trace', async () => {
    // The first start after a code change builds the workflow bundle (webpack): minutes on a busy machine.
    await stopsCleanly(['worker'], /worker running/, 'SIGTERM', 0, { readyWithinMs: 300_000 });
  });

  test('SIGTERM to orders bridge: exit 0, no stack trace', async () => {
    await stopsCleanly(['bridge'], /bridge running/, 'SIGTERM', 0);
  });

  test('SIGTERM to orders dashboard: exit 0, no stack trace', async () => {
    await stopsCleanly(['dashboard'], /dashboard listening/, 'SIGTERM', 0);
  });

  test('Ctrl-C (SIGINT) to orders start: exit 130, no stack trace, no process left', async () => {
    // Ready when all three long-running children have said so; the simulator is sending by then.
    const ready = /(?=[\s\S]*worker running)(?=[\s\S]*bridge running)(?=[\s\S]*dashboard listening)/;
    await stopsCleanly(['start', '--rate', '2'], ready, 'SIGINT', 130, { readyWithinMs: 240_000 });
  });
});
