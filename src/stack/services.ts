// The four services of the local stack: how each is installed, launched and probed.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { describeKafkaSecurity } from '../kafka/security.ts';
import { LOCAL_STACK_S3_KEYS, redactUrl, s3Credentials } from '../secrets.ts';
import { describeTemporalSecurity } from '../temporal/connection-options.ts';
import { SEARCH_ATTRIBUTE_TYPES } from '../contract/search-attributes.ts';
import { probeHttp, probeKafka, probeMaildev, probeS3, probeSmtpBanner, probeTemporalGrpc } from './health.ts';
import { checkJava, installKafka, installRclone, installTemporalCli, maildevInstall } from './install.ts';
import { hostPort, type StackPaths } from './paths.ts';
import type { Launch } from './processes.ts';
import { runOrFail } from './run.ts';
import { VERSIONS } from './versions.ts';

export const SERVICE_NAMES = ['temporal', 'kafka', 's3', 'mail'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceSpec {
  name: ServiceName;
  /** How errors and `stack status` name the service. */
  title: string;
  version(): Promise<string>;
  /** label → URL, e.g. { gRPC: …, 'Web UI': … } */
  urls(config: Config): Record<string, string>;
  install(config: Config): Promise<void>;
  /** Prepares data folders (e.g. formats Kafka's storage once) and returns the command to run. */
  launch(config: Config, paths: StackPaths): Promise<Launch>;
  /** Resolves when the service answers its protocol; throws saying what failed. */
  probe(config: Config): Promise<void>;
  /** How long a SIGTERM may take before SIGKILL. */
  stopGraceMs: number;
}

/**
 * The dev server keeps visibility in SQLite, whose schema has a fixed number of columns per
 * search-attribute type (Temporal server 1.32: 3 Int, 3 Double, 10 Keyword, ...), and refuses to
 * start when asked for more. Register what fits, and say loudly what does not.
 */
const SQLITE_SEARCH_ATTRIBUTE_LIMITS: Record<string, number> = { Int: 3, Double: 3, Keyword: 10, Text: 3, Bool: 3, Datetime: 3, KeywordList: 3 };

export function fitSearchAttributes(types: Record<string, string> = SEARCH_ATTRIBUTE_TYPES): { registered: [string, string][]; left: [string, string][] } {
  const used: Record<string, number> = {};
  const registered: [string, string][] = [];
  const left: [string, string][] = [];
  for (const [name, type] of Object.entries(types)) {
    used[type] = (used[type] ?? 0) + 1;
    (used[type] <= (SQLITE_SEARCH_ATTRIBUTE_LIMITS[type] ?? Infinity) ? registered : left).push([name, type]);
  }
  return { registered, left };
}

/** A warning when the project's search attributes exceed what the dev server can register, else undefined. */
export function searchAttributeWarning(): string | undefined {
  const { left } = fitSearchAttributes();
  if (left.length === 0) return undefined;
  return `WARNING: the Temporal dev server (SQLite visibility) allows only ${Object.entries(SQLITE_SEARCH_ATTRIBUTE_LIMITS).map(([t, n]) => `${n} ${t}`).join(', ')} custom search attributes; ` +
    `not registered: ${left.map(([n, t]) => `${n}=${t}`).join(', ')}. Workflows that set them will fail; declare them with another type (e.g. Double) in src/contract/search-attributes.ts.`;
}

const temporal: ServiceSpec = {
  name: 'temporal',
  title: 'Temporal',
  version: async () => `CLI ${VERSIONS.temporalCli}`,
  // The transport is shown when it is not plaintext; its secrets (API key, key file) never are.
  urls: (config) => ({ gRPC: config.TEMPORAL_ADDRESS, ...(config.TEMPORAL_TLS ? { transport: describeTemporalSecurity(config) } : {}), 'Web UI': config.TEMPORAL_UI_URL }),
  install: async (config) => {
    await installTemporalCli(config);
  },
  launch: async (config, paths) => {
    const executable = await installTemporalCli(config);
    await mkdir(paths.temporal, { recursive: true });
    const grpc = hostPort(config.TEMPORAL_ADDRESS, 7233);
    const ui = hostPort(config.TEMPORAL_UI_URL, 8233);
    const args = [
      'server', 'start-dev',
      '--ip', grpc.host, '--port', String(grpc.port),
      '--ui-ip', ui.host, '--ui-port', String(ui.port), '--ui-disable-news-fetch',
      '--db-filename', path.join(paths.temporal, 'temporal.db'),
      '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off',
      '--log-level', 'warn',
      ...fitSearchAttributes().registered.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
      ...(config.TEMPORAL_NAMESPACE === 'default' ? [] : ['--namespace', config.TEMPORAL_NAMESPACE]),
    ];
    return { command: executable, args };
  },
  probe: async (config) => {
    await probeTemporalGrpc(config);
    try {
      await probeHttp(config.TEMPORAL_UI_URL);
    } catch (error) {
      throw new Error(`gRPC answers but the Web UI does not: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  },
  stopGraceMs: 15_000,
};

function kafkaServerProperties(config: Config, paths: StackPaths): string {
  const broker = hostPort(config.KAFKA_BROKERS.split(',')[0]!.trim(), 9092);
  const controller = `${broker.host}:${config.KAFKA_CONTROLLER_PORT}`;
  return `# Generated by \`orders stack up\` on every start: a one-node KRaft cluster (broker and controller).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${controller}
listeners=PLAINTEXT://${broker.host}:${broker.port},CONTROLLER://${controller}
advertised.listeners=PLAINTEXT://${broker.host}:${broker.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${path.join(paths.kafka, 'data')}
num.partitions=1
# one node: internal topics cannot have more replicas than that
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# tests join and leave consumer groups often; do not wait for more members
group.initial.rebalance.delay.ms=0
`;
}

const kafka: ServiceSpec = {
  name: 'kafka',
  title: 'Kafka',
  version: async () => VERSIONS.kafka,
  urls: (config) => ({ bootstrap: config.KAFKA_BROKERS, ...(config.KAFKA_SSL || config.KAFKA_SASL_MECHANISM !== '' ? { transport: describeKafkaSecurity(config) } : {}) }),
  install: async (config) => {
    await checkJava();
    await installKafka(config);
  },
  launch: async (config, paths) => {
    await checkJava();
    const { classpath, log4jConfig } = await installKafka(config);
    await mkdir(path.join(paths.kafka, 'data'), { recursive: true });
    const properties = path.join(paths.kafka, 'server.properties');
    await writeFile(properties, kafkaServerProperties(config, paths));
    const jvm = [`-Xmx${config.KAFKA_HEAP_MB}m`, `-Xms${Math.min(config.KAFKA_HEAP_MB, 128)}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', classpath];
    if (!existsSync(path.join(paths.kafka, 'data', 'meta.properties'))) {
      // Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding.
      const clusterId = randomBytes(16).toString('base64url');
      // a short-lived JVM: C1 only and a serial GC start it faster
      const toolJvm = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', classpath];
      await runOrFail('kafka', 'java', [...toolJvm, 'kafka.tools.StorageTool', 'format', '--cluster-id', clusterId, '--config', properties, '--ignore-formatted']);
    }
    return { command: 'java', args: [...jvm, 'kafka.Kafka', properties] };
  },
  probe: (config) => probeKafka(config),
  stopGraceMs: 30_000,
};

const s3: ServiceSpec = {
  name: 's3',
  title: 'S3 (rclone serve s3)',
  version: async () => `rclone ${VERSIONS.rclone}`,
  urls: (config) => ({ endpoint: config.S3_ENDPOINT, lake: config.LAKE_URI }),
  install: async (config) => {
    await installRclone(config);
  },
  launch: async (config, paths) => {
    const executable = await installRclone(config);
    await mkdir(paths.s3, { recursive: true });
    const { host, port } = hostPort(config.S3_ENDPOINT, 80);
    // The key pair goes through the environment (rclone reads RCLONE_AUTH_KEY as --auth-key, a
    // list it parses as CSV, hence the quotes): a command line is visible to every user in `ps`
    // and is written to the service's log.
    const keys = s3Credentials(config) ?? LOCAL_STACK_S3_KEYS;
    const args = [
      'serve', 's3', paths.s3,
      '--addr', `${host}:${port}`,
      // an rclone.conf the stack owns, so a user's own remotes never leak in
      '--config', path.join(paths.root, 'rclone.conf'),
      // files may also be read or written in the folder directly (tests do): list afresh
      '--dir-cache-time', '1s',
      '--log-level', 'NOTICE',
    ];
    return { command: executable, args, env: { RCLONE_AUTH_KEY: csvField(`${keys.accessKeyId},${keys.secretAccessKey}`) } };
  },
  probe: (config) => probeS3(config),
  stopGraceMs: 10_000,
};

/** One CSV field: quoted, quotes doubled. */
export const csvField = (text: string): string => `"${text.replaceAll('"', '""')}"`;

const mail: ServiceSpec = {
  name: 'mail',
  title: 'SMTP (maildev)',
  // Status must not fail on a production install, which has no maildev (a development dependency).
  version: async () => `maildev ${(await maildevInstall().catch(() => ({ version: 'not installed' }))).version}`,
  urls: (config) => ({ SMTP: redactUrl(config.SMTP_URL), 'Web UI': config.MAILDEV_URL }),
  install: async () => {
    await maildevInstall();
  },
  launch: async (config, paths) => {
    const { script } = await maildevInstall();
    await mkdir(paths.mail, { recursive: true });
    const smtp = hostPort(config.SMTP_URL, 25);
    const web = hostPort(config.MAILDEV_URL, 80);
    const args = [script, '--smtp', String(smtp.port), '--ip', smtp.host, '--web', String(web.port), '--web-ip', web.host, '--mail-directory', paths.mail];
    return { command: process.execPath, args };
  },
  probe: async (config) => {
    await probeSmtpBanner(config.SMTP_URL);
    try {
      await probeMaildev(config.MAILDEV_URL);
    } catch (error) {
      throw new Error(`SMTP answers but the web UI / REST API does not: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  },
  stopGraceMs: 10_000,
};

export const SERVICES: Record<ServiceName, ServiceSpec> = { temporal, kafka, s3, mail };

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}
