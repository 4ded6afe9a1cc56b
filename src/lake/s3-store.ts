// The lake on any S3-compatible store (AWS S3, MinIO, the local stack's `rclone serve s3`).
// One S3Client per endpoint and credentials in the process: clients keep their sockets alive,
// so every store opened with the same settings shares one pool.
// Failures to reach the store (refused, reset, timed out, 5xx, throttled) become retryable
// LakeUnavailableError naming the endpoint; requests the store refuses (403, 400) do not.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { LakeError, LakeUnavailableError } from './errors.ts';
import { metrics } from '../metrics.ts';
import { assertValidKey, assertValidPrefix, lakeAreaOf } from './keys.ts';
import type { LakeStore } from './lake-store.ts';

export interface S3Settings {
  endpoint: string;
  region: string;
  /** Explicit keys; absent: the AWS SDK's default credential chain (IAM role, profile, AWS_* variables). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/** A request that has not connected after this long is a failure the activity retries. */
export const S3_CONNECTION_TIMEOUT_MS = 3_000;
/** A request without a response after this long is abandoned (and retried by the caller). */
export const S3_REQUEST_TIMEOUT_MS = 30_000;
/** Attempts the SDK makes before the error reaches the caller (retries have jittered backoff). */
export const S3_MAX_ATTEMPTS = 3;

const clients = new Map<string, S3Client>();

/** The process's client for these settings, created on first use. */
export function s3ClientFor(settings: S3Settings): S3Client {
  const id = JSON.stringify([settings.endpoint, settings.region, settings.credentials?.accessKeyId ?? null, settings.credentials?.secretAccessKey ?? null]);
  let client = clients.get(id);
  if (!client) {
    client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      ...(settings.credentials ? { credentials: { ...settings.credentials } } : {}),
      // Path-style URLs (endpoint/bucket/key) work with every S3-compatible server.
      forcePathStyle: true,
      maxAttempts: S3_MAX_ATTEMPTS,
      // S3-compatible servers do not all know the newer CRC checksum headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: S3_CONNECTION_TIMEOUT_MS,
        requestTimeout: S3_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
    clients.set(id, client);
  }
  return client;
}

/** Closes every shared client (sockets included); for processes that want to exit promptly. */
export function destroyS3Clients(): void {
  for (const client of clients.values()) client.destroy();
  clients.clear();
}

/** The S3 requests the store makes, as `orders_lake_requests_total` labels them. */
type LakeRequestOp = 'put' | 'get' | 'head' | 'list' | 'delete';

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return true;
  return httpStatusOf(error) === 404 && (error as { name?: string }).name !== 'NoSuchBucket';
}

export class S3LakeStore implements LakeStore {
  readonly uri: string;
  private readonly client: S3Client;
  private readonly service: string;

  /**
   * @param prefix '' or a folder ending in '/', prepended to every key
   * @param listPageSize keys per ListObjectsV2 page (S3's maximum is 1000); `list` reads every page
   */
  constructor(
    private readonly settings: S3Settings,
    readonly bucket: string,
    readonly prefix: string,
    private readonly listPageSize = 1000,
  ) {
    this.client = s3ClientFor(settings);
    this.uri = `s3://${bucket}/${prefix}`;
    this.service = `S3 server at ${settings.endpoint}`;
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return `${this.prefix}${key}`;
  }

  /** One request, counted in `orders_lake_requests_total` whatever its outcome. */
  private async request<T>(op: LakeRequestOp, key: string, send: () => Promise<T>): Promise<T> {
    try {
      const result = await send();
      metrics.lakeRequests.inc({ op, area: lakeAreaOf(key), outcome: 'ok' });
      return result;
    } catch (error) {
      metrics.lakeRequests.inc({ op, area: lakeAreaOf(key), outcome: isNotFound(error) ? 'missing' : 'failed' });
      throw error;
    }
  }

  private fail(operation: string, key: string, error: unknown): Error {
    const status = httpStatusOf(error);
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (status === undefined || RETRYABLE_STATUS.has(status)) {
      // No HTTP status: the request never got an answer (refused, reset, DNS, timeout).
      return new LakeUnavailableError(this.service, operation, `${this.uri}${key}`, detail, error);
    }
    return new LakeError(`lake ${operation} ${this.uri}${key} failed with HTTP ${status} (${detail})`, operation, key, {
      retryable: false,
      cause: error,
      context: { bucket: this.bucket, endpoint: this.settings.endpoint, status },
    });
  }

  async put(key: string, bytes: Uint8Array, contentType?: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.request('put', key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: bytes, ContentType: contentType, ContentLength: bytes.byteLength })));
    } catch (error) {
      throw this.fail('put', key, error);
    }
  }

  async putFile(key: string, file: string, contentType?: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      const { size } = await stat(file);
      await this.request('put', key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: createReadStream(file), ContentType: contentType, ContentLength: size })));
    } catch (error) {
      throw this.fail('put', key, error);
    }
  }

  async getFile(key: string, file: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.request('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey })));
      await pipeline(response.Body as Readable, createWriteStream(file));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.fail('get', key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.request('get', key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey })));
      if (!response.Body) return new Uint8Array(0);
      return await response.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.fail('get', key, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    try {
      await this.request('head', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey })));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.fail('exists', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.request('list', prefix, () =>
          this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${prefix}`, ContinuationToken: continuationToken, MaxKeys: this.listPageSize })),
        );
      } catch (error) {
        throw this.fail('list', prefix, error);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined && !object.Key.endsWith('/')) keys.push(object.Key.slice(this.prefix.length));
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return keys;
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.request('delete', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.fail('delete', key, error);
    }
  }
}
