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
  optimized?: { tables: { table: string; version: number; removed: number; added: number }[]; planned: CompactionPlanned[] };
  /** `alertMarkers` is absent in runs recorded before marker retention. */
  vacuumed?: { tables: TableVacuumed[]; alertMarkers?: AlertMarkersExpired };
}

/** The schedule of a topic's maintenance (its runs' workflow ids start with it; Temporal appends the time). */
export const lakeMaintenanceScheduleId = (topic: string): string => `lake-maintenance-${topic}`;
/** A run started now by `orders lake …`. */
export const lakeMaintenanceRunId = (topic: string, startedMs: number): string => `lake-maintenance-${topic}-now-${startedMs}`;
