// Probes that a service really answers its protocol, not just that its port is open.
// Each resolves when the service answers and throws an Error saying what failed otherwise.
import net from 'node:net';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../config.ts';
import { hostPort } from './paths.ts';
import { s3Credentials } from '../secrets.ts';
import { kafkaSecurityOptions, type KafkaSecuritySettings } from '../kafka/security.ts';
import { temporalConnectionOptions, type TemporalConnectionSettings } from '../temporal/connection-options.ts';

const PROBE_TIMEOUT_MS = 3_000;

export async function probeTemporalGrpc(config: Pick<Config, 'TEMPORAL_NAMESPACE'> & TemporalConnectionSettings): Promise<void> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: PROBE_TIMEOUT_MS });
  try {
    await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () =>
      connection.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE }),
    );
  } finally {
    await connection.close();
  }
}

export async function probeHttp(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
}

export async function probeKafka(config: Pick<Config, 'KAFKA_BROKERS'> & KafkaSecuritySettings): Promise<void> {
  const kafka = new Kafka({
    clientId: 'streaming-orders-probe',
    brokers: config.KAFKA_BROKERS.split(',').map((broker) => broker.trim()),
    ...kafkaSecurityOptions(config),
    logLevel: logLevel.NOTHING,
    connectionTimeout: PROBE_TIMEOUT_MS,
    requestTimeout: PROBE_TIMEOUT_MS,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the cluster reports no brokers');
    if (cluster.controller === null || cluster.controller < 0) throw new Error('the cluster has no active controller yet');
  } finally {
    await admin.disconnect();
  }
}

/** An S3 client for the configured endpoint (path-style, as S3-compatible servers want). */
export function s3ClientFor(config: Pick<Config, 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>, maxAttempts = 1): S3Client {
  return new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: true,
    ...(s3Credentials(config) ? { credentials: s3Credentials(config) } : {}),
    maxAttempts,
    requestHandler: { connectionTimeout: PROBE_TIMEOUT_MS, requestTimeout: PROBE_TIMEOUT_MS },
  });
}

export async function probeS3(config: Pick<Config, 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>): Promise<void> {
  const client = s3ClientFor(config);
  try {
    await client.send(new ListBucketsCommand({}));
  } finally {
    client.destroy();
  }
}

/** Connects to the SMTP server and waits for its `220` greeting. */
export function probeSmtpBanner(smtpUrl: string): Promise<void> {
  const { host, port } = hostPort(smtpUrl, smtpUrl.startsWith('smtps:') ? 465 : 25);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let received = '';
    const done = (error?: Error): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(new Error(`no SMTP greeting from ${host}:${port} within ${PROBE_TIMEOUT_MS} ms`)));
    socket.once('error', done);
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (!received.includes('\n')) return;
      if (received.startsWith('220')) {
        socket.end('QUIT\r\n');
        done();
      } else {
        done(new Error(`SMTP greeting was not 220: ${received.trim()}`));
      }
    });
  });
}

/** maildev 3 serves its REST API under /api; the maildev 2 image (docker-compose) at the root. */
export async function probeMaildev(maildevUrl: string): Promise<void> {
  const base = maildevUrl.replace(/\/$/, '');
  try {
    await probeHttp(`${base}/api/healthz`);
  } catch (error) {
    try {
      await probeHttp(`${base}/healthz`);
    } catch {
      throw error;
    }
  }
}

/** Runs a probe and returns undefined when it passes, or the reason it failed. */
export async function failureOf(probe: () => Promise<void>): Promise<string | undefined> {
  try {
    await probe();
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) {
    const own = error.message || error.name;
    const inner = error.cause instanceof Error ? describeError(error.cause) : '';
    return inner && !own.includes(inner) ? `${own}: ${inner}` : own;
  }
  return String(error);
}
