// Start-and-adopt (docs/design.md §3): a batch's workflow is started with REJECT_DUPLICATE under
// the id `<topic>-<partition>-<start>`. If that id already exists (this bridge, or the partition's
// owner before a rebalance, started it and died before committing), the batch is adopted: its
// range is the end offset the existing run recorded in its memo, whatever this bridge cut.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowStartOptions } from '@temporalio/client';
import type { BatchInput } from '../contract/batch.ts';
import { SA } from '../contract/search-attributes.ts';
import type { CutBatch } from './partition-buffer.ts';

type Temporal = Pick<Client, 'workflow'>;

/** What the batch workflow is started with: the claim check for the raw object, no records. */
export function batchInputOf(topic: string, partition: number, batch: CutBatch, rawKey: string, batchDate: string): BatchInput {
  return {
    topic,
    partition,
    startOffset: batch.startOffset,
    endOffset: batch.endOffset,
    rawKey,
    recordCount: batch.records.length,
    firstBatch: batch.firstBatch,
    batchDate,
  };
}

/** The start options: memo (the range, read back on adoption), Web UI summary, search attributes. */
export function batchStartOptions(workflowId: string, taskQueue: string, input: BatchInput): WorkflowStartOptions {
  const { partition, startOffset, endOffset, rawKey: key, batchDate } = input;
  return {
    workflowId,
    taskQueue,
    args: [input],
    memo: { partition, startOffset, endOffset, rawKey: key, recordCount: input.recordCount },
    // Shown in the Web UI's run list and run page, so an operator reads the batch without opening its input.
    staticSummary: `partition ${partition}, offsets ${startOffset}..${endOffset}, ${input.recordCount} records, ${batchDate}`,
    staticDetails: `Raw object: \`${key}\``,
    typedSearchAttributes: [
      { key: SA.Partition, value: partition },
      { key: SA.StartOffset, value: startOffset },
      { key: SA.EndOffset, value: endOffset },
      { key: SA.BatchDate, value: input.batchDate },
    ],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  };
}

/** The end offset recorded by an existing batch workflow, or undefined when there is none. */
export async function recordedEnd(temporal: Temporal, workflowId: string): Promise<number | undefined> {
  try {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    const end = (description.memo as { endOffset?: unknown } | undefined)?.endOffset;
    return typeof end === 'number' ? end : undefined;
  } catch (error) {
    if (error instanceof Error && error.name === 'WorkflowNotFoundError') return undefined;
    throw error;
  }
}

/**
 * Starts the batch workflow. Returns undefined when this call started it, or the end offset the
 * existing run recorded when the id was taken (the caller adopts that range). A taken id whose run
 * has no recorded end rethrows the start's error.
 */
export async function startOrFindRecordedEnd(temporal: Temporal, options: WorkflowStartOptions): Promise<number | undefined> {
  try {
    await temporal.workflow.start('processOrderBatch', options);
    return undefined;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const end = await recordedEnd(temporal, options.workflowId);
    if (end === undefined) throw error;
    return end;
  }
}
