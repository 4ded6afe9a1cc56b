// When orders became visible in the lake, read back from the lake itself: every silver part's and
// checkpoint's S3 LastModified (millisecond precision on the local rclone server, the moment the
// object was stored) and the rows of each silver part. This is exact per order and the same for
// the pipeline and the baseline, unlike the workers' bucketed Prometheus histograms.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Config } from '../../src/config.ts';
import type { SilverOrderRow } from '../../src/domain/rows.ts';
import { batchRangeOf, parseStateObjectKey } from '../../src/lake/keys.ts';
import { readParquet } from '../../src/lake/parquet.ts';
import { dataKeyOf, decodeCommit, deltaLogPrefix, versionOfCommitKey } from '../../src/lake/delta/index.ts';
import type { TimedCommit } from './figures.ts';
import { s3ClientFor } from '../../src/lake/s3-store.ts';
import { openLake, parseLakeUri, s3SettingsOf } from '../../src/lake/store.ts';

type LakeConfig = Pick<Config, 'LAKE_URI' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>;

export interface LakeObject {
  key: string;
  lastModifiedMs: number;
  bytes: number;
}

/** Every object under `prefix` of the lake with its LastModified. */
export async function listWithTimes(config: LakeConfig, prefix: string): Promise<LakeObject[]> {
  const location = parseLakeUri(config.LAKE_URI);
  if (location.kind !== 's3') throw new Error('the pipeline bench reads LastModified from an s3:// lake');
  const client = s3ClientFor(s3SettingsOf(config));
  const out: LakeObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.prefix}${prefix}`, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key && object.LastModified) out.push({ key: object.Key.slice(location.prefix.length), lastModifiedMs: object.LastModified.getTime(), bytes: object.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Runs `fn` over items, `concurrency` at a time. */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}

/** The commits of a table's Delta log still in the lake, with when each was stored and the keys it added. */
export async function readLogCommits(config: LakeConfig, tablePath: string): Promise<TimedCommit[]> {
  const lake = openLake(config);
  const objects = (await listWithTimes(config, deltaLogPrefix(tablePath))).flatMap((o) => {
    const version = versionOfCommitKey(o.key);
    return version === undefined ? [] : [{ ...o, version }];
  });
  return mapConcurrent(objects, 8, async (object) => {
    const actions = decodeCommit(new TextDecoder().decode((await lake.get(object.key))!), object.key);
    const added = actions.flatMap((a) => ('add' in a ? [dataKeyOf(tablePath, a.add.path)] : []));
    return { version: object.version, lastModifiedMs: object.lastModifiedMs, added };
  });
}

export interface SilverPart extends LakeObject {
  partition: number;
  endOffset: number;
  rows: Pick<SilverOrderRow, 'orderId' | 'kafkaTs'>[];
}

/** Every silver orders part with its rows (order id and Kafka timestamp only). */
export async function readSilverParts(config: LakeConfig): Promise<SilverPart[]> {
  const lake = openLake(config);
  // The stream's batch parts only: not the Delta log's checkpoints (Parquet too), OPTIMIZE's compacted
  // files (which name no batch) nor a backfill's re-derived parts (`.backfill-<tag>`: the same orders again, later).
  const objects = (await listWithTimes(config, 'silver/orders/')).filter((o) => {
    const range = o.key.endsWith('.parquet') ? batchRangeOf(o.key) : undefined;
    return range !== undefined && range.rewrite === undefined;
  });
  return mapConcurrent(objects, 8, async (object) => {
    const range = batchRangeOf(object.key)!;
    const rows = await readParquet((await lake.get(object.key))!);
    return { ...object, partition: range.partition, endOffset: range.end, rows: rows.map((r) => ({ orderId: r.orderId as string, kafkaTs: r.kafkaTs as number })) };
  });
}

/** Checkpoints `state/partition=P/at=X` as the moments batches ending at X-1 finished their gold stage. */
/** The partitions' state deltas with their times: each one marks a batch whose gold and state are written. */
export async function readCheckpoints(config: LakeConfig): Promise<{ partition: number; startOffset: number; endOffset: number; lastModifiedMs: number; bytes: number }[]> {
  return (await listWithTimes(config, 'state/')).flatMap((o) => {
    const object = parseStateObjectKey(o.key);
    if (object?.kind !== 'delta') return [];
    return [{ partition: object.partition, startOffset: object.fromOffset, endOffset: object.toOffset - 1, lastModifiedMs: o.lastModifiedMs, bytes: o.bytes }];
  });
}
