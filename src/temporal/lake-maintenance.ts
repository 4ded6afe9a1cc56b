// The lake-maintenance schedule of a topic and runs started now (docs/design.md §12, "Maintenance";
// src/workflows/lake-maintenance.ts says why a Schedule and not a long-running workflow).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { lakeMaintenanceRunId, lakeMaintenanceScheduleId, type LakeMaintenanceInput, type LakeMaintenanceOperation, type LakeMaintenanceResult } from '../contract/lake-maintenance.ts';

type ScheduleSettings = Pick<Config, 'KAFKA_TOPIC' | 'TEMPORAL_TASK_QUEUE' | 'LAKE_MAINTENANCE_EVERY'>;

/**
 * Creates the topic's schedule, or sets the interval of the one there (every worker calls it; the
 * last one's settings win). The runs' workflow ids are `lake-maintenance-<topic>-<time>`.
 */
export async function ensureLakeMaintenanceSchedule(client: Client, config: ScheduleSettings, log: Logger): Promise<void> {
  const scheduleId = lakeMaintenanceScheduleId(config.KAFKA_TOPIC);
  const input: LakeMaintenanceInput = { topic: config.KAFKA_TOPIC, operations: ['optimize', 'vacuum'] };
  const spec = { intervals: [{ every: config.LAKE_MAINTENANCE_EVERY }] };
  const action = { type: 'startWorkflow' as const, workflowType: 'lakeMaintenance', workflowId: scheduleId, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [input] };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' } });
    log.info({ scheduleId, everyMs: config.LAKE_MAINTENANCE_EVERY }, 'lake maintenance schedule created');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}

/** Runs maintenance now (`orders lake …`) and waits for its result. */
export async function runLakeMaintenanceNow(client: Client, config: Pick<Config, 'KAFKA_TOPIC' | 'TEMPORAL_TASK_QUEUE'>, operations: LakeMaintenanceOperation[]): Promise<{ workflowId: string; result: LakeMaintenanceResult }> {
  const workflowId = lakeMaintenanceRunId(config.KAFKA_TOPIC, Date.now());
  const input: LakeMaintenanceInput = { topic: config.KAFKA_TOPIC, operations };
  const result = await client.workflow.execute('lakeMaintenance', { workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [input] });
  return { workflowId, result: result as LakeMaintenanceResult };
}
