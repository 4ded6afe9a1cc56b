// Partition state across batches (DESIGN §4): batch [start, end] reads state at=start and writes
// at=end+1 — the offset the bridge commits — so the next batch finds it whatever the offset gaps.
import { advanceState, serializeState } from '../domain/state.ts';
import type { SilverItemRow, SilverOrderRow } from '../domain/rows.ts';
import { stateKey } from '../lake/keys.ts';
import { SA } from '../temporal/search-attributes.ts';
import type { BatchRef, CheckpointStatus } from '../workflows/types.ts';
import type { BatchIo } from './batch-io.ts';
import type { ActivityDeps } from './deps.ts';

export function createCheckpointActivities(deps: ActivityDeps, io: BatchIo) {
  return {
    /**
     * Whether the partition's state before this batch exists. `findBlocker: false` skips naming the
     * predecessor: that is a visibility query, costly on the server, and a batch of a backlog asks
     * many times a second while its predecessor is simply still running (absent: true, as before).
     */
    async checkpointStatus(ref: BatchRef & { firstBatch: boolean; findBlocker?: boolean }): Promise<CheckpointStatus> {
      if (ref.firstBatch || (await deps.lake.exists(stateKey(ref.partition, ref.startOffset)))) return { ready: true };
      return { ready: false, blockedBy: ref.findBlocker === false ? undefined : await findPredecessor(deps, ref) };
    },

    async writeCheckpoint(ref: BatchRef & { silverKeys: string[]; itemKeys: string[] }): Promise<void> {
      const previous = await io.readState(ref.partition, ref.startOffset);
      const orders = await io.readParts<SilverOrderRow>(ref.silverKeys);
      const items = await io.readParts<SilverItemRow>(ref.itemKeys);
      const next = advanceState(previous, orders, items, { dedupWindowMs: deps.config.DEDUP_WINDOW_HOURS * 3_600_000, rules: deps.rules });
      await deps.lake.put(stateKey(ref.partition, ref.endOffset + 1), new TextEncoder().encode(serializeState(next)), 'application/json');
    },
  };
}

/** The batch that ends right before this one, found through its search attributes. */
async function findPredecessor(deps: ActivityDeps, ref: BatchRef): Promise<string | undefined> {
  // `Partition` is an SQL keyword: quoted. The id prefix keeps other topics' batches out.
  const query = `WorkflowId STARTS_WITH "${ref.topic}-${ref.partition}-" AND \`${SA.Partition.name}\` = ${ref.partition} AND ${SA.EndOffset.name} = ${ref.startOffset - 1}`;
  for await (const execution of deps.temporal.workflow.list({ query, pageSize: 1 })) {
    return execution.workflowId;
  }
  return undefined;
}
