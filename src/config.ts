// Every environment variable the project reads, validated once at start-up.
// A bad value stops the process with a message naming the variable (ConfigError).
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { kafkaSecurityOptions } from './kafka/security.ts';
import { printableSetting } from './secrets.ts';
import { temporalConnectionOptions } from './temporal/connection-options.ts';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().min(1);
const flag = z.enum(['true', 'false'], 'must be true or false').transform((text) => text === 'true');
const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A duration such as `90s`, `30m`, `1h` or `2d` (a bare number is minutes), as milliseconds. */
const duration = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)?$/, 'must be a duration such as 30m, 1h or 90s (a bare number is minutes)')
  .transform((text) => {
    const [, value, unit] = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text)!;
    return Math.round(Number(value) * DURATION_UNIT_MS[unit ?? 'm']!);
  });

/** name → [schema, default, meaning]. The README's settings table mirrors this list. */
export const SETTINGS = {
  TEMPORAL_ADDRESS: [z.string().min(1), '127.0.0.1:7233', 'Temporal frontend (gRPC) host:port'],
  TEMPORAL_NAMESPACE: [z.string().min(1), 'default', 'Temporal namespace'],
  TEMPORAL_TASK_QUEUE: [z.string().min(1), 'orders', 'task queue of the batch workflows and activities'],
  TEMPORAL_UI_URL: [z.url(), 'http://127.0.0.1:8233', 'Temporal Web UI, for links in e-mails, CLI and dashboard'],
  // Transport security of every Temporal connection (src/temporal/connection-options.ts).
  TEMPORAL_TLS: [flag, 'false', 'connect to Temporal over TLS (Temporal Cloud, a TLS frontend); every TEMPORAL_TLS_* file and TEMPORAL_API_KEY need it'],
  TEMPORAL_TLS_CA_FILE: [z.string(), '', 'PEM file of the CA that signed the Temporal frontend\'s certificate (empty: the system\'s trusted CAs)'],
  TEMPORAL_TLS_CERT_FILE: [z.string(), '', 'PEM client certificate for mTLS (Temporal Cloud\'s certificate auth), with TEMPORAL_TLS_KEY_FILE'],
  TEMPORAL_TLS_KEY_FILE: [z.string(), '', 'PEM private key of TEMPORAL_TLS_CERT_FILE (never printed)'],
  TEMPORAL_TLS_SERVER_NAME: [z.string(), '', 'server name (SNI) to check the frontend\'s certificate against, when it differs from TEMPORAL_ADDRESS\'s host'],
  TEMPORAL_API_KEY: [z.string(), '', 'API key sent with every Temporal call (Temporal Cloud API-key auth; needs TEMPORAL_TLS=true; never printed)'],
  KAFKA_BROKERS: [z.string().min(1), '127.0.0.1:9092', 'comma-separated Kafka bootstrap servers'],
  KAFKA_TOPIC: [z.string().min(1), 'orders', 'topic the orders arrive on'],
  KAFKA_DLQ_TOPIC: [z.string().min(1), 'orders.dlq', 'topic invalid records are copied to, with their reason'],
  KAFKA_PARTITIONS: [positiveInt, '6', 'partitions of the orders topic when the stack creates it'],
  KAFKA_GROUP_ID: [z.string().min(1), 'orders-bridge', 'consumer group of the bridge'],
  // Transport security of every Kafka client (src/kafka/security.ts).
  KAFKA_SSL: [flag, 'false', 'connect to the brokers over TLS (SSL / SASL_SSL listeners); every KAFKA_SSL_* file needs it'],
  KAFKA_SSL_CA_FILE: [z.string(), '', 'PEM file of the CA that signed the brokers\' certificates (empty: the system\'s trusted CAs)'],
  KAFKA_SSL_CERT_FILE: [z.string(), '', 'PEM client certificate for mutual TLS, with KAFKA_SSL_KEY_FILE'],
  KAFKA_SSL_KEY_FILE: [z.string(), '', 'PEM private key of KAFKA_SSL_CERT_FILE (never printed)'],
  KAFKA_SASL_MECHANISM: [z.string().trim().toLowerCase().pipe(z.enum(['', 'plain', 'scram-sha-256', 'scram-sha-512'], 'must be empty, plain, scram-sha-256 or scram-sha-512')), '', 'SASL mechanism: plain, scram-sha-256 or scram-sha-512 (empty: no SASL); with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD'],
  KAFKA_SASL_USERNAME: [z.string(), '', 'SASL user name (Confluent Cloud: the API key)'],
  KAFKA_SASL_PASSWORD: [z.string(), '', 'SASL password (Confluent Cloud: the API secret; never printed)'],
  LAKE_URI: [z.string().regex(/^(s3:\/\/[^/]+(\/.*)?|file:\/\/.+)$/, 'must be s3://bucket[/prefix] or file://path'), 's3://orders-lake', 'where the lake lives: s3://bucket/prefix or file://path'],
  // Delta maintenance (docs/design.md §12): checkpoints by the committer, OPTIMIZE and VACUUM by the lake-maintenance schedule.
  DELTA_CHECKPOINT_INTERVAL: [positiveInt, '10', 'the topic\'s committer writes a Parquet checkpoint of a table every this many versions (as Spark and delta-rs do), so a reader replays at most this many JSON commits'],
  DELTA_OPTIMIZE_MIN_FILES: [positiveInt, '50', 'OPTIMIZE compacts a partition of the current day once it holds this many small files (older days: from 2 small files)'],
  DELTA_OPTIMIZE_SMALL_FILE_MB: [positiveInt, '32', 'a data file below this many MiB counts as small for OPTIMIZE'],
  DELTA_VACUUM_RETENTION: [duration, '7d', 'VACUUM deletes a data file this long after a commit removed it (Delta\'s deletedFileRetentionDuration); snapshots and checkpoints keep its remove tombstone this long plus a day (or two LAKE_MAINTENANCE_EVERY when longer), so VACUUM sees it'],
  DELTA_LOG_RETENTION: [duration, '30d', 'VACUUM deletes JSON commits (and older checkpoints) before the newest checkpoint once they are this old (Delta\'s logRetentionDuration)'],
  LAKE_MAINTENANCE_EVERY: [duration, '1h', 'the `lake-maintenance-<topic>` schedule runs OPTIMIZE (round after round until caught up) then VACUUM this often (0: no schedule; `orders lake maintain` runs it now)'],
  S3_ENDPOINT: [z.url(), 'http://127.0.0.1:9000', 'S3 endpoint (the local stack serves one; leave as is for AWS only if you set AWS_ENDPOINT_URL_S3)'],
  S3_REGION: [z.string().min(1), 'us-east-1', 'S3 region'],
  // Empty: the local stack's keys on a loopback endpoint, else the AWS default credential chain (src/secrets.ts).
  S3_ACCESS_KEY_ID: [z.string(), '', 'S3 access key; empty: the local stack\'s key on 127.0.0.1, elsewhere the AWS default credential chain (IAM role, profile, AWS_* variables)'],
  S3_SECRET_ACCESS_KEY: [z.string(), '', 'S3 secret key, set together with S3_ACCESS_KEY_ID (never printed)'],
  SMTP_URL: [z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://'), 'smtp://127.0.0.1:1025', 'SMTP server alerts are sent through'],
  MAILDEV_URL: [z.url(), 'http://127.0.0.1:1080', 'mail catcher web UI and REST API (local stack)'],
  ALERT_FROM: [z.string().min(3), 'orders-pipeline@localhost', 'From: of alert e-mails'],
  ALERT_TO: [z.string().min(3), 'fraud-team@localhost', 'comma-separated recipients of alert e-mails'],
  ALERT_WINDOW: [duration, '1h', 'a customer\'s fraud hits within this much event time after an alert\'s first hit update that alert instead of raising a new one'],
  ALERT_COOLDOWN: [duration, '1h', 'after a fraud mail for a customer and rule, no new mail for them within this much event time unless the severity rises (every hit still reaches gold/fraud_alerts); for data quality, a check\'s breach episode ends after this much Kafka time without a breach, and a lasting one is mailed again this often (0: every breached batch mails)'],
  ALERT_MIN_SEVERITY: [z.enum(['low', 'medium', 'high', 'critical']), 'medium', 'fraud alerts below this severity (see docs/rules.md, scoring) are kept in gold/fraud_alerts but not mailed'],
  ALERT_DIGEST_MINUTES: [z.coerce.number().int().min(0), '0', 'above 0: instead of one mail per fraud alert, one digest mail every this many minutes listing the alerts of the period, with links (0: one mail per alert)'],
  DASHBOARD_URL: [z.url(), 'http://127.0.0.1:3000', 'public URL of the dashboard, for links in e-mails'],
  DASHBOARD_PORT: [port, '3000', 'port the dashboard listens on (127.0.0.1)'],
  // The dashboard runs for weeks: what it keeps and whom it serves is capped (docs/dashboard.md, memory).
  DASHBOARD_MAX_ROWS: [positiveInt, '200000', 'gold rows the dashboard keeps per table (beyond it the oldest parts\' rows are dropped; the totals keep counting them)'],
  DASHBOARD_MAX_CLIENTS: [positiveInt, '32', 'live-update (SSE) connections the dashboard serves at once; one more gets HTTP 503'],
  // 5000, not 500: a partition's batches run one after another, so each batch's fixed cost (about a dozen Temporal round trips) caps throughput at partitions × batch size / batch time (docs/benchmarks.md).
  BATCH_MAX_ORDERS: [positiveInt, '5000', 'a batch closes at this many records'],
  // 32 MiB: some 50,000 ordinary orders, far above BATCH_MAX_ORDERS; it bites only on huge records (600 × 1 MiB broke the raw encoder).
  BATCH_MAX_BYTES: [positiveInt, '33554432', 'a batch closes at this many bytes of record values, keys and headers (a single larger record goes alone)'],
  BATCH_MAX_WAIT_MS: [positiveInt, '1000', 'a batch closes this long after its first record (up to 5 times longer while Kafka holds enough to fill it or the partition\'s previous batch still runs)'],
  // 50 ms: a gap a live stream at hundreds of orders/s per partition never leaves, so only a light or bursty stream is cut early (docs/design.md §3).
  BATCH_IDLE_MS: [z.coerce.number().int().min(0), '50', 'a batch also closes once its partition has been quiet this long after the last record, Kafka holds nothing more for it and its previous batch has closed (0: off)'],
  BRIDGE_MAX_OPEN_BATCHES: [positiveInt, '64', 'open batch workflows above which the bridge pauses consumption'],
  DEDUP_WINDOW_HOURS: [positiveInt, '24', 'how long an order id is remembered to drop repeats across batches'],
  STATE_DIR: [z.string().min(1), path.join(os.tmpdir(), 'streaming-orders-state'), 'local folder of the workers\' partition state stores (a cache of the lake; each worker process uses its own subfolder)'],
  STATE_MEMORY_MB: [positiveInt, '256', 'page cache of one worker\'s partition state stores together; state beyond it stays on local disk'],
  STATE_SNAPSHOT_EVERY_BATCHES: [positiveInt, '200', 'a partition\'s state is snapshotted to the lake after this many batch deltas'],
  STATE_SNAPSHOT_EVERY_MB: [positiveInt, '64', '... or after this many MiB of deltas, whichever comes first'],
  STATE_RETENTION_HOURS: [positiveInt, '168', 'how far back (Kafka time) state stays rebuildable for replay and backfill; older snapshots and deltas are deleted; the alert sent-markers are kept this long in whole days plus one'],
  WORKER_MAX_CONCURRENT_ACTIVITIES: [positiveInt, '16', 'activities one worker runs at once'],
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: [positiveInt, '16', 'workflow tasks one worker runs at once'],
  // A derivation is CPU-bound on the main thread and holds its batch's rows until it ends: more at
  // once are not faster, only bigger (src/activities/concurrency-limit.ts, docs/benchmarks.md).
  WORKER_MAX_CONCURRENT_DERIVATIONS: [positiveInt, '2', 'batch derivations (raw → bronze → silver → gold → checkpoint) one worker runs at once; more wait, heartbeating, in arrival order (each holds its batch\'s rows in memory, and they share one thread)'],
  // The SDK's default scales with the V8 heap limit (~2,300 runs on a 24 GiB machine), and the
  // workflow thread's heap grows with it; open batches are at most BRIDGE_MAX_OPEN_BATCHES per bridge.
  WORKER_MAX_CACHED_WORKFLOWS: [z.coerce.number().int().min(2), '256', 'workflow runs one worker keeps in memory between tasks (an evicted run is replayed from its history when it wakes)'],
  // V8 lets a busy worker's heap grow to its own limit (~4 GB per isolate here) before collecting
  // hard; a cap keeps RSS bounded at the cost of a little more GC (src/workers/heap-cap.ts).
  WORKER_HEAP_MB: [z.coerce.number().int().min(256), '1024', 'V8 heap limit (old generation, MiB) of the worker\'s main and workflow threads each (at least 256; below 512 a busy worker\'s workflow tasks slow down past their 5-s timeout); applied when the worker starts (`orders worker`, `orders start`), unless NODE_OPTIONS already gives --max-old-space-size'],
  // V8 sizes the young generation from the host's memory: 64-MiB semi-spaces (128 MiB of new
  // space per isolate) on a 24 GiB machine, mostly empty, for rows a batch holds for seconds and
  // promotes anyway (docs/benchmarks.md, "Worker memory").
  V8_SEMI_SPACE_MB: [z.coerce.number().int().min(0).max(256), '16', 'V8 young-generation semi-space (MiB, `--max-semi-space-size`) of the worker (main and workflow threads each) and the bridge; 0: V8\'s own size, which follows the host\'s memory (64 on a 24 GiB machine); applied when they start (`orders worker`, `orders bridge`, `orders start`), unless NODE_OPTIONS already gives --max-semi-space-size'],
  BRIDGE_METRICS_PORT: [port, '9464', 'bridge /metrics port'],
  WORKER_METRICS_PORT: [port, '9465', 'worker /metrics port'],
  WORKER_SDK_METRICS_PORT: [port, '9466', 'Temporal SDK runtime metrics (Prometheus) of the worker'],
  SEGMENT_VIP_MIN_USD: [z.coerce.number().min(0), '10000', 'lifetime spend from which a customer is VIP'],
  SEGMENT_REGULAR_MIN_USD: [z.coerce.number().min(0), '1000', 'lifetime spend from which a customer is Regular (below: Normal)'],
  HIGH_VALUE_USD: [z.coerce.number().min(0), '4000', 'order total above which an order counts as high-value in the reports'],
  CUSTOMERS: [positiveInt, '1000', 'size of the customer dimension (ids 1..CUSTOMERS)'],
  FAULT_ENRICH_AT: [z.string().regex(/^(|\d+:\d+)$/, 'must be empty or PARTITION:OFFSET'), '', 'fault switch for drills (PARTITION:OFFSET): enrichment fails, not retried, for the batch holding that offset'],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'pino log level'],
  LOG_FORMAT: [z.enum(['auto', 'pretty', 'json']), 'auto', 'console log lines: `pretty` (one readable line per event), `json` (one JSON object per line), `auto` (pretty when stderr is a terminal, else JSON)'],
  STACK_DIR: [z.string().min(1), '.stack', 'data, logs and pid files of the local stack'],
  STACK_CACHE_DIR: [z.string().min(1), path.join(os.homedir(), '.cache', 'streaming-orders'), 'per-user cache of the stack\'s binaries, keyed by version'],
  KAFKA_CONTROLLER_PORT: [port, '9093', 'KRaft controller port of the local stack\'s Kafka (127.0.0.1)'],
  KAFKA_HEAP_MB: [positiveInt, '512', 'JVM heap of the local stack\'s Kafka, in MiB'],
  STACK_START_TIMEOUT_MS: [positiveInt, '120000', 'how long `orders stack up` waits for each service to answer'],
} as const satisfies Record<string, readonly [z.ZodType, string, string]>;

export type SettingName = keyof typeof SETTINGS;
export type Config = { [K in SettingName]: z.output<(typeof SETTINGS)[K][0]> };

/** Reads and validates every setting; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [name, [schema, fallback]] of Object.entries(SETTINGS)) {
    const raw = env[name] ?? fallback;
    const parsed = (schema as z.ZodType).safeParse(raw);
    // The value is echoed to help, but never a secret: a password in SMTP_URL shows as ***.
    if (!parsed.success) throw new ConfigError(name, `${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(printableSetting(name, raw))})`);
    out[name] = parsed.data;
  }
  const config = out as Config;
  if ((config.S3_ACCESS_KEY_ID === '') !== (config.S3_SECRET_ACCESS_KEY === '')) {
    throw new ConfigError(config.S3_ACCESS_KEY_ID === '' ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY', 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together or not at all');
  }
  // Cross-field rules of the transport settings; reads the certificate files once, so that a
  // missing file stops the process at start-up, not at its first connection.
  kafkaSecurityOptions(config);
  temporalConnectionOptions(config);
  return config;
}

let cached: Config | undefined;
/** The process-wide configuration, loaded on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
