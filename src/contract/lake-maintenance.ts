// The lake-maintenance workflow's input and result (docs/design.md §12, "Maintenance"): what the
// Web UI shows as its result and `orders lake` prints. Plain data.

export type LakeMaintenanceOperation = 'optimize' | 'vacuum';

export interface LakeMaintenanceInput {
  topic: string;
  /** In this order; the schedule runs both (OPTIMIZE first, so its removed files start their retention). */
  operations: LakeMaintenanceOperation[];
}

/** One table's OPTIMIZE plan: `files` small files compacted `into` this many, holding `rows` rows. */
export interface CompactionPlanned {
  table: string;
  files: number;
  into: number;
  rows: number;
}

/** One table's VACUUM: data files and log files (commits, old checkpoints) deleted. */
export interface TableVacuumed {
  table: string;
  files: number;
  logFiles: number;
}

/** Sent-markers deleted with VACUUM: the day folders past retention that held any, and how many markers they held. */
export interface AlertMarkersExpired {
  /** Days kept behind today (STATE_RETENTION_HOURS in whole days, plus one). */
  retentionDays: number;
  days: string[];
  markers: number;
}

export interface LakeMaintenanceResult {
  /** `rounds`: OPTIMIZE's plan-write-commit rounds (absent in runs recorded before optimize-until-caught-up: one). */
  optimized?: { tables: { table: string; version: number; removed: number; added: number }[]; planned: CompactionPlanned[]; rounds?: number; handedOver?: boolean };
  /** `alertMarkers` is absent in runs recorded before marker retention. */
  vacuumed?: { tables: TableVacuumed[]; alertMarkers?: AlertMarkersExpired };
}

/** The schedule of a topic's maintenance (its runs' workflow ids start with it; Temporal appends the time). */
export const lakeMaintenanceScheduleId = (topic: string): string => `lake-maintenance-${topic}`;
/** A run started now by `orders lake …`. */
export const lakeMaintenanceRunId = (topic: string, startedMs: number): string => `lake-maintenance-${topic}-now-${startedMs}`;

/**
 * How long one run keeps compacting before it hands the rest to a fresh run of itself
 * (continue-as-new, after its VACUUM): its history stays small and VACUUM is not starved when
 * OPTIMIZE has a backlog, and the work goes on at once rather than at the next schedule tick.
 */
export const OPTIMIZE_BUDGET_MS = 30 * 60_000;
/** Rounds per run at most, for the same reason (a round is ~10 history events). */
export const OPTIMIZE_MAX_ROUNDS_PER_RUN = 100;

/** After an OPTIMIZE round: plan again, stop (caught up, or nothing could be committed), or hand over to a fresh run. */
export type OptimizeNext = 'again' | 'done' | 'hand-over';

/**
 * The OPTIMIZE loop's decision (docs/design.md §12, "Maintenance"). `more`: a table had more groups
 * than one round writes; `committedFiles`: sources this round's commit removed (0: every group was
 * overtaken by another commit, so planning again now would find the same and loop).
 */
export function nextOptimizeStep(round: { more: boolean; committedFiles: number; rounds: number; elapsedMs: number }): OptimizeNext {
  if (!round.more || round.committedFiles === 0) return 'done';
  if (round.elapsedMs >= OPTIMIZE_BUDGET_MS || round.rounds >= OPTIMIZE_MAX_ROUNDS_PER_RUN) return 'hand-over';
  return 'again';
}
