// `orders dashboard` in one call: the lake reader, the pipeline health source, the live state and
// the HTTP server, wired from the configuration. Tests start it in-process the same way.
import type { Config } from '../config.ts';
import { readParquet } from '../lake/parquet.ts';
import { openLake, type LakeStore } from '../lake/store.ts';
import type { Logger } from '../logger.ts';
import { GoldReader } from './gold-reader.ts';
import type { GoldLake } from './table-follower.ts';
import { LiveDashboard } from './live.ts';
import { createPipelineHealthSource, pipelineHealthOptions, type PipelineHealthSource } from './pipeline-health.ts';
import { startDashboardServer } from './server.ts';

export interface DashboardOptions {
  host?: string;
  port?: number;
  /** How often the lake and Temporal are read. */
  pollIntervalMs?: number;
  /** Defaults to the lake of config.LAKE_URI. */
  lake?: LakeStore;
  /** Defaults to Temporal and the bridge's /metrics from the configuration. */
  health?: PipelineHealthSource;
  /** Live-update connections served at once; defaults to DASHBOARD_MAX_CLIENTS. */
  maxClients?: number;
  log?: Logger;
}

export interface RunningDashboard {
  url: string;
  live: LiveDashboard;
  close(): Promise<void>;
}

export async function startDashboard(config: Config, options: DashboardOptions = {}): Promise<RunningDashboard> {
  const { host = '127.0.0.1', port = config.DASHBOARD_PORT, pollIntervalMs = 2000, log } = options;
  const lake: GoldLake = options.lake ?? openLake(config);
  const health = options.health ?? createPipelineHealthSource(pipelineHealthOptions(config));
  const reader = new GoldReader({ lake, parse: readParquet, temporalUiUrl: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE, maxRows: config.DASHBOARD_MAX_ROWS });
  const live = new LiveDashboard({ reader, health, pollIntervalMs, log });
  // Serve at once (the page shows empty states) and read the lake in the background.
  const server = await startDashboardServer({ live, host, port, log, maxClients: options.maxClients ?? config.DASHBOARD_MAX_CLIENTS });
  const started = live.start();
  return {
    url: server.url,
    live,
    async close() {
      await started;
      await live.stop();
      await server.close();
      await health.close();
    },
  };
}
