// The Delta committer of a topic (docs/design.md §12): one long-running workflow,
// `delta-commit-<topic>`, takes the commit requests of every batch by signal and commits all that
// are pending in one round: one new version per table touched. Being the only writer of the
// topic's tables, it needs no conditional write on S3 (which the local S3 server ignores). It
// continues as new every ROUNDS_PER_RUN rounds to keep its history short, and ends after
// IDLE_EXIT_MS without requests, so no test or stopped pipeline leaves it waiting forever; the
// next request starts it again.
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import { DETERMINISTIC_FAILURE_TYPES } from '../contract/failure-types.ts';
import {
  DELTA_COMMIT_REQUEST_SIGNAL,
  DELTA_COMMITTED_SIGNAL,
  deltaCommitterWorkflowId,
  type DeltaCommitRequest,
  type DeltaCommittedInfo,
  type DeltaCommitterInput,
  type DeltaTableCommit,
} from '../contract/delta-commit.ts';

export const deltaCommitRequest = defineSignal<[DeltaCommitRequest]>(DELTA_COMMIT_REQUEST_SIGNAL);
export const deltaCommitted = defineSignal<[DeltaCommittedInfo & { error?: string }]>(DELTA_COMMITTED_SIGNAL);

/**
 * Patch id shared by the batch and backfill workflows: their files become visible through Delta
 * commits made by the committer (histories from before wrote plain Parquet parts only).
 */
export const DELTA_COMMIT_PATCH = 'delta-commit';

/** Patch id of the checkpoint the committer writes after answering a round (histories from before wrote none). */
export const DELTA_CHECKPOINT_PATCH = 'delta-checkpoint';

/**
 * Patch id: a round's answers leave in the same workflow task as the next round's commit, instead
 * of the next round waiting until every answer was delivered (a signal round trip per round, as
 * long as the commit itself: ~1–2 s of each ~2-s round at 2,000 orders/s, docs/benchmarks.md).
 * The run still waits for its answers before it ends or continues as new.
 */
const PIPELINED_ANSWERS_PATCH = 'committer-pipelined-answers';

/** Rounds per run before continue-as-new: a round is a few dozen events. */
const ROUNDS_PER_RUN = 200;
/** Without a request for this long the run ends; the next request starts a new one. */
const IDLE_EXIT_MS = 60_000;
/** Requests committed in one round at most (the activity input stays far below Temporal's payload limit). */
const MAX_REQUESTS_PER_ROUND = 64;
/** A requester that hears nothing for this long sends its request again (a committer that was terminated). */
const RESEND_AFTER_MS = 120_000;

const committing = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 60, nonRetryableErrorTypes: DETERMINISTIC_FAILURE_TYPES },
});

/** A checkpoint only speeds up readers: a few attempts, then the next interval's checkpoint does it. */
const checkpointing = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '60s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: DETERMINISTIC_FAILURE_TYPES },
});

export async function deltaCommitter(input: DeltaCommitterInput): Promise<void> {
  const pending: DeltaCommitRequest[] = [...(input.pending ?? [])];
  setHandler(deltaCommitRequest, (request) => {
    pending.push(request);
  });
  // Answers on their way while the next round commits (histories from before waited for each round's).
  const answers: Promise<void>[] | undefined = patched(PIPELINED_ANSWERS_PATCH) ? [] : undefined;
  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    if (pending.length === 0) await condition(() => pending.length > 0, IDLE_EXIT_MS);
    // Signals are handled before timers in a workflow task, so a request that raced the idle timer is in `pending` here.
    if (pending.length === 0) {
      if (answers) await Promise.all(answers);
      return;
    }
    const requests = pending.splice(0, MAX_REQUESTS_PER_ROUND);
    await commitRound(input.topic, requests, answers);
  }
  if (answers) await Promise.all(answers);
  await continueAsNew<typeof deltaCommitter>({ topic: input.topic, pending });
}

/** All requests in one commit per table; when that fails for good, each alone, so one bad batch fails only itself. */
async function commitRound(topic: string, requests: DeltaCommitRequest[], answers?: Promise<void>[]): Promise<void> {
  let checkpointDue: string[] | undefined;
  try {
    const outcome = await committing.commitDeltaBatches({ topic, requests, timestampMs: Date.now() });
    const answered = Promise.all(requests.map((r) => reply(r, { endOffset: r.endOffset, commits: outcome.commits }))).then(() => undefined);
    if (answers) answers.push(answered);
    else await answered;
    checkpointDue = outcome.checkpointDue;
  } catch (error) {
    if (requests.length === 1) {
      const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      log.error('delta commit failed', { requester: requests[0]!.requester, error: message });
      await reply(requests[0]!, { endOffset: requests[0]!.endOffset, commits: [], error: message });
      return;
    }
    for (const request of requests) await commitRound(topic, [request], answers);
    return;
  }
  // After the answers, so no batch waits for it; before the next round, so the table it reads is not moving.
  if (checkpointDue && checkpointDue.length > 0 && patched(DELTA_CHECKPOINT_PATCH)) {
    try {
      await checkpointing.writeDeltaCheckpoints({ tables: checkpointDue, timestampMs: Date.now() });
    } catch (error) {
      log.warn('delta checkpoint failed; readers replay more commits until the next one', { tables: checkpointDue, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

async function reply(request: DeltaCommitRequest, info: DeltaCommittedInfo & { error?: string }): Promise<void> {
  try {
    await getExternalWorkflowHandle(request.requester).signal(deltaCommitted, info);
  } catch {
    // The requester has ended (terminated, or a re-sent request of a finished batch): nobody to tell.
  }
}

/**
 * Asks the topic's committer to commit a batch's files and waits until it has (called from the
 * requesting workflow). Starts the committer when none runs. Throws a non-retryable
 * `DeltaCommitFailed` when the commit cannot be made (a file of the batch is missing).
 */
export async function commitToDelta(topic: string, request: DeltaCommitRequest): Promise<DeltaTableCommit[]> {
  let answer: (DeltaCommittedInfo & { error?: string }) | undefined;
  setHandler(deltaCommitted, (info) => {
    if (info.endOffset === request.endOffset) answer = info;
  });
  do await sendRequest(topic, request);
  while (!(await condition(() => answer !== undefined, RESEND_AFTER_MS)));
  if (answer!.error !== undefined) throw ApplicationFailure.nonRetryable(`delta commit of ${request.requester}: ${answer!.error}`, 'DeltaCommitFailed');
  return answer!.commits;
}

async function sendRequest(topic: string, request: DeltaCommitRequest): Promise<void> {
  const committerId = deltaCommitterWorkflowId(topic);
  for (;;) {
    try {
      await getExternalWorkflowHandle(committerId).signal(deltaCommitRequest, request);
      return;
    } catch {
      // No committer runs: start one with the request.
    }
    try {
      await startChild(deltaCommitter, { workflowId: committerId, args: [{ topic, pending: [request] }], parentClosePolicy: ParentClosePolicy.ABANDON });
      return;
    } catch (error) {
      // Another batch started it in between: signal that one.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
}
