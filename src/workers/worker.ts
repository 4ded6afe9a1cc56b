// The Temporal worker: batch workflows and their activities on one task queue.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import type { Config } from '../config.ts';
import { createActivities, openPartitionStates } from '../activities/index.ts';
import { connectActivityDeps } from '../activities/deps.ts';
import type { Logger } from '../logger.ts';
import { whenReachable } from '../startup.ts';
import { alertDigestWorkflowId, type AlertDigestInput } from '../contract/batch.ts';
import { workflowBundle } from './workflow-bundle.ts';
import { temporalConnectionOptions } from '../temporal/connection-options.ts';
import { ensureLakeMaintenanceSchedule } from '../temporal/lake-maintenance.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let runtimeInstalled = false;
/** The SDK's own metrics (task latencies, slots, polls) on their own Prometheus port. */
function installRuntime(config: Config, log: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    // The SDK's log lines in the process's own format (src/logger.ts) instead of its console lines.
    logger: new DefaultLogger('INFO', (entry: LogEntry) => sdkLog(log, entry)),
    // No signal handlers of the SDK's own: the process's one shutdown path (src/cli/lifecycle.ts)
    // calls stop(); with both, one Ctrl-C shut the worker down twice and the second threw.
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${config.WORKER_SDK_METRICS_PORT}` } } },
  });
}

/**
 * Digest mode: the topic's digest workflow runs once however many workers start it. A change of
 * ALERT_DIGEST_MINUTES takes effect when that run is terminated (the next worker starts a new one).
 */
async function ensureAlertDigest(client: Client, config: Config, log: Logger): Promise<void> {
  const input: AlertDigestInput = { topic: config.KAFKA_TOPIC, everyMinutes: config.ALERT_DIGEST_MINUTES };
  try {
    await client.workflow.start('alertDigest', { workflowId: alertDigestWorkflowId(config.KAFKA_TOPIC), taskQueue: config.TEMPORAL_TASK_QUEUE, args: [input] });
    log.info({ everyMinutes: input.everyMinutes }, 'fraud digest workflow started');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** How long a stopping worker lets in-flight activities finish before handing them back. */
const SHUTDOWN_GRACE = '10s';

function sdkLog(log: Logger, { level, message, meta }: LogEntry): void {
  const fields = { ...meta, sdk: true };
  if (level === 'ERROR') log.error(fields, message);
  else if (level === 'WARN') log.warn(fields, message);
  // The SDK's info lines (each state change of the worker, Nexus polling) are detail: the console
  // keeps this process's own "worker running" and "stopped".
  else log.debug(fields, message);
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(config: Config, log: Logger): Promise<RunningWorker> {
  installRuntime(config, log);
  const deps = await connectActivityDeps(config, log);
  const connection = await whenReachable('Temporal', () => NativeConnection.connect(temporalConnectionOptions(config)), { log });
  const bundle = await workflowBundle(WORKFLOWS_PATH, (line) => log.info(line));
  // This worker's own queue: batches send the stages of the partitions whose state it holds there
  // (Temporal's worker-specific task queues, docs/design.md §4).
  deps.stateTaskQueue = `${config.TEMPORAL_TASK_QUEUE}/state/${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const states = openPartitionStates(deps);
  const activities = createActivities(deps, states);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: bundle,
    activities,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: Math.min(config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, config.WORKER_MAX_CACHED_WORKFLOWS),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    // On stop, running activities get this long to finish; after it they are cancelled and their
    // attempt is handed back to Temporal, which retries it on another worker (activities are
    // idempotent, so a half-done attempt only costs time).
    shutdownGraceTime: SHUTDOWN_GRACE,
  });
  const stateWorker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: deps.stateTaskQueue,
    activities,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    shutdownGraceTime: SHUTDOWN_GRACE,
  });
  if (config.ALERT_DIGEST_MINUTES > 0) await ensureAlertDigest(deps.temporal, config, log);
  if (config.LAKE_MAINTENANCE_EVERY > 0) await ensureLakeMaintenanceSchedule(deps.temporal, config, log);
  const done = Promise.all([worker.run(), stateWorker.run()])
    .then(() => undefined)
    .finally(async () => {
      states.close();
      await connection.close();
      await deps.close();
    });
  return {
    worker,
    done,
    async stop() {
      // Idempotent: a second stop (or one after the worker failed by itself) only waits.
      if (stateWorker.getState() === 'RUNNING') stateWorker.shutdown();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
