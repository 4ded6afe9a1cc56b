// The local stack's supervisor: `stackUp` installs and starts what does not answer yet, waits until
// every service really answers, then creates the topics and the lake bucket; `stackDown` stops only
// what the stack started (pid files); `stackStatus` probes each service. Chaos tests use the
// per-service functions (killService, restartService) to SIGKILL and bring back one service.
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Config } from '../config.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { createKafka, ensureTopics } from '../kafka/client.ts';
import { registerSearchAttributes } from '../temporal/register-search-attributes.ts';
import { describeError, failureOf, s3ClientFor } from './health.ts';
import { installKafka, installRclone, installTemporalCli, installTemporalTestServer } from './install.ts';
import { stackPaths, type StackPaths } from './paths.ts';
import { isAlive, launchDetached, logFile, logTail, residentKiB, runningPid, stopProcess } from './processes.ts';
import { searchAttributeWarning, SERVICE_NAMES, SERVICES, type ServiceName } from './services.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporalConnectionOptions } from '../temporal/connection-options.ts';

export { SERVICE_NAMES, isServiceName, type ServiceName } from './services.ts';
export { installTemporalTestServer } from './install.ts';
export { VERSIONS } from './versions.ts';

export interface ServiceStatus {
  name: ServiceName;
  title: string;
  version: string;
  urls: Record<string, string>;
  healthy: boolean;
  /** why it is not healthy */
  detail?: string;
  /** set when the stack started the process and it still runs */
  pid?: number;
  rssKiB?: number;
  log: string;
}

export interface StackOptions {
  /** limit to these services (default: all) */
  only?: readonly ServiceName[];
  /** progress lines (default: silent) */
  log?: (line: string) => void;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
/** A path relative to the working directory when it lies below it, else absolute. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

/** Path of the time-skipping test server, installed on first use: for @temporalio/testing's `existing-path`. */
export function temporalTestServerPath(config: Config): Promise<string> {
  return installTemporalTestServer(config);
}

/** Installs every service's pinned version into the cache (what `up` does first on a fresh machine). */
export async function installStack(config: Config): Promise<void> {
  await Promise.all([installTemporalCli(config), installTemporalTestServer(config), installKafka(config), installRclone(config)]);
}

/** One `up`/`down` at a time per stack folder; a lock left by a dead process is taken over. */
async function withStackLock<T>(paths: StackPaths, fn: () => Promise<T>): Promise<T> {
  await mkdir(paths.root, { recursive: true });
  const lock = path.join(paths.root, 'stack.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      if (!Number.isInteger(holder) || !isAlive(holder)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another \`orders stack\` (pid ${holder}) holds ${lock}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

/** Waits until the service answers; fails early if its process exits, naming the service and quoting its log. */
async function waitUntilAnswering(config: Config, paths: StackPaths, name: ServiceName, pid: number | undefined): Promise<void> {
  const spec = SERVICES[name];
  const deadline = Date.now() + config.STACK_START_TIMEOUT_MS;
  let last = 'no answer yet';
  for (;;) {
    const failure = await failureOf(() => spec.probe(config));
    if (failure === undefined) return;
    last = failure;
    if (pid !== undefined && !isAlive(pid)) {
      throw new ServiceUnavailableError(spec.title, `its process (pid ${pid}) exited while starting; last lines of ${logFile(paths, name)}:\n${await logTail(paths, name)}`);
    }
    if (Date.now() > deadline) {
      throw new ServiceUnavailableError(spec.title, `no answer within ${config.STACK_START_TIMEOUT_MS} ms (${last}); last lines of ${logFile(paths, name)}:\n${await logTail(paths, name)}`);
    }
    await sleep(250);
  }
}

/**
 * Starts one service unless it already answers (or is already starting), and waits until it answers.
 * Returns true when this call launched a process.
 */
export async function startService(config: Config, name: ServiceName): Promise<boolean> {
  const paths = stackPaths(config);
  const spec = SERVICES[name];
  if ((await failureOf(() => spec.probe(config))) === undefined) return false;
  let pid = await runningPid(paths, name);
  let launched = false;
  if (pid === undefined) {
    pid = await launchDetached(paths, name, await spec.launch(config, paths));
    launched = true;
  }
  await waitUntilAnswering(config, paths, name, pid);
  return launched;
}

/** Stops one service the stack started (SIGTERM, then SIGKILL). Returns whether it was running. */
export async function stopService(config: Config, name: ServiceName): Promise<boolean> {
  const pid = await stopProcess(stackPaths(config), name, { graceMs: SERVICES[name].stopGraceMs });
  return pid !== undefined;
}

/** SIGKILLs one service the stack started, as a crash would. Returns whether it was running. */
export async function killService(config: Config, name: ServiceName): Promise<boolean> {
  const pid = await stopProcess(stackPaths(config), name, { signal: 'SIGKILL' });
  return pid !== undefined;
}

/** Kills (SIGKILL, the default) or stops (SIGTERM) one service, starts it again and waits until it answers. */
export async function restartService(config: Config, name: ServiceName, { signal = 'SIGKILL' as 'SIGKILL' | 'SIGTERM' } = {}): Promise<void> {
  if (signal === 'SIGKILL') await killService(config, name);
  else await stopService(config, name);
  await startService(config, name);
}

/** Creates the orders and DLQ topics and the lake bucket when missing (safe to repeat). */
export async function provisionStack(config: Config, log: (line: string) => void = () => {}, only: readonly ServiceName[] = SERVICE_NAMES): Promise<void> {
  if (only.includes('temporal')) {
    const added = await registerSearchAttributes(temporalConnectionOptions(config), config.TEMPORAL_NAMESPACE);
    if (added.length > 0) log(`registered search attributes ${added.join(', ')}`);
  }
  if (only.includes('kafka')) await createTopics(config, log);
  if (only.includes('s3')) await createLakeBucket(config, log);
}

async function createTopics(config: Config, log: (line: string) => void): Promise<void> {
  const kafka = createKafka(config, 'streaming-orders-stack');
  const admin = kafka.admin();
  try {
    const wanted = [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC].map((topic) => ({ topic, partitions: config.KAFKA_PARTITIONS }));
    const created = await ensureTopics(kafka, wanted);
    if (created.length > 0) log(`created topics ${created.join(', ')} (${config.KAFKA_PARTITIONS} partitions)`);
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [config.KAFKA_TOPIC] });
    const partitions = metadata.topics[0]?.partitions.length ?? 0;
    if (partitions !== config.KAFKA_PARTITIONS) log(`note: topic ${config.KAFKA_TOPIC} has ${partitions} partitions, KAFKA_PARTITIONS says ${config.KAFKA_PARTITIONS} (left as is)`);
  } catch (error) {
    throw new ServiceUnavailableError(SERVICES.kafka.title, `creating topics failed: ${describeError(error)}`, error);
  } finally {
    await admin.disconnect();
  }
}

async function createLakeBucket(config: Config, log: (line: string) => void): Promise<void> {
  const bucket = /^s3:\/\/([^/]+)/.exec(config.LAKE_URI)?.[1];
  if (bucket === undefined) return;
  const s3 = s3ClientFor(config, 3);
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      log(`created bucket ${bucket}`);
    }
  } catch (error) {
    throw new ServiceUnavailableError(SERVICES.s3.title, `creating bucket ${bucket} failed: ${describeError(error)}`, error);
  } finally {
    s3.destroy();
  }
}

/**
 * Brings the stack up: installs (first run only) and starts every service that does not answer,
 * waits until all answer, creates topics and bucket. Safe to run twice. Returns the services it launched.
 */
export async function stackUp(config: Config, options: StackOptions = {}): Promise<ServiceName[]> {
  const log = options.log ?? (() => {});
  const names = options.only ?? SERVICE_NAMES;
  const paths = stackPaths(config);
  const began = Date.now();
  return withStackLock(paths, async () => {
    const warning = names.includes('temporal') ? searchAttributeWarning() : undefined;
    if (warning) log(warning);
    const launched: ServiceName[] = [];
    const results = await Promise.allSettled(
      names.map(async (name) => {
        const t0 = Date.now();
        if (await startService(config, name)) {
          launched.push(name);
          log(`${SERVICES[name].title}: started in ${seconds(Date.now() - t0)} (log ${displayPath(logFile(paths, name))})`);
        } else {
          log(`${SERVICES[name].title}: already answering`);
        }
      }),
    );
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length > 0) {
      if (failures.length === 1) throw failures[0];
      throw new AggregateError(failures, failures.map((failure) => describeError(failure)).join('\n'));
    }
    await provisionStack(config, log, names);
    log(`stack up in ${seconds(Date.now() - began)}`);
    return launched;
  });
}

/** Stops the services the stack started (all, or `only`), never anything else. Returns those it stopped. */
export async function stackDown(config: Config, options: StackOptions = {}): Promise<ServiceName[]> {
  const log = options.log ?? (() => {});
  const names = options.only ?? SERVICE_NAMES;
  const paths = stackPaths(config);
  return withStackLock(paths, async () => {
    const stopped: ServiceName[] = [];
    await Promise.all(
      names.map(async (name) => {
        if (await stopService(config, name)) {
          stopped.push(name);
          log(`${SERVICES[name].title}: stopped`);
        } else if ((await failureOf(() => SERVICES[name].probe(config))) === undefined) {
          log(`${SERVICES[name].title}: not started by this stack, left running`);
        }
      }),
    );
    return stopped;
  });
}

/** Probes every service (in parallel) and reports its URLs, health and, when the stack runs it, pid and memory. */
export async function stackStatus(config: Config, options: Pick<StackOptions, 'only'> = {}): Promise<ServiceStatus[]> {
  const paths = stackPaths(config);
  const names = options.only ?? SERVICE_NAMES;
  return Promise.all(
    names.map(async (name): Promise<ServiceStatus> => {
      const spec = SERVICES[name];
      const [detail, pid, version] = await Promise.all([failureOf(() => spec.probe(config)), runningPid(paths, name), spec.version()]);
      return {
        name,
        title: spec.title,
        version,
        urls: spec.urls(config),
        healthy: detail === undefined,
        ...(detail === undefined ? {} : { detail }),
        ...(pid === undefined ? {} : { pid, rssKiB: residentKiB(pid) }),
        log: logFile(paths, name),
      };
    }),
  );
}

/** Throws ServiceUnavailableError naming the first service that does not answer. */
export async function assertStackHealthy(config: Config, only?: readonly ServiceName[]): Promise<void> {
  const bad = (await stackStatus(config, only ? { only } : {})).find((status) => !status.healthy);
  if (bad) throw new ServiceUnavailableError(bad.title, `${bad.detail ?? 'unhealthy'} (start it with \`npx orders stack up\`)`);
}
