// The quarantine's I/O: quarantined records, their originals in the raw zone, and redrive markers,
// all read from the lake (no Kafka, no Temporal), so `orders dlq list|show` needs only S3.
import { isCorruptLakeObject } from '../lake/errors.ts';
import { batchRangeOf, DLQ_REDRIVEN_PATH, RAW_ORDERS_PATH, rawPrefix, redriveMarkerKey, TABLE_PATHS, tablePrefix } from '../lake/keys.ts';
import { liveDataKeys } from '../lake/delta/log-io.ts';
import { readParquet } from '../lake/parquet.ts';
import { decodeRawBatch, type RawRecord } from '../lake/raw.ts';
import type { LakeStore } from '../lake/store.ts';
import { HEADER_REDRIVE_OF } from '../contract/kafka-headers.ts';
import { dlqId, parseDlqId, quarantinedMessagesOf, type DlqId, type QuarantinedMessage } from './quarantined.ts';
import { decodeRedriveMarker, type RedriveMarker } from './redrive-record.ts';

/** Objects read at once. */
const READ_CONCURRENCY = 8;
const DAY_MS = 86_400_000;

async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return out;
}

/** Objects (and listings) kept for the next record of the same batch. */
const CACHED = 16;

/** The cached value of `key`, or what `load` gives (kept; the oldest dropped beyond CACHED; failures not kept). */
function remember<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const cached = cache.get(key);
  if (cached) return cached;
  const loading = load();
  cache.set(key, loading);
  loading.catch(() => cache.delete(key));
  if (cache.size > CACHED) cache.delete(cache.keys().next().value!);
  return loading;
}

export class QuarantineStore {
  constructor(
    private readonly lake: LakeStore,
    /** The orders topic: batch ids are `<topic>-<partition>-<start>`. */
    private readonly topic: string,
  ) {}

  /** The quarantine table's parts in its current Delta snapshot (committed batches only). */
  private quarantineParts(): Promise<string[]> {
    return liveDataKeys(this.lake, TABLE_PATHS.quarantineOrders);
  }

  /** Every quarantined record of the lake, in no particular order. */
  async readAll(): Promise<QuarantinedMessage[]> {
    const keys = await this.quarantineParts();
    const parts = await mapConcurrently(keys, READ_CONCURRENCY, async (key) => {
      const bytes = await this.lake.get(key);
      return bytes ? quarantinedMessagesOf(key, await readParquet(bytes, { key }), this.topic) : [];
    });
    return parts.flat();
  }

  /** One quarantined record by its DLQ id, reading only the objects of its partition that can hold it. */
  async find(id: DlqId): Promise<QuarantinedMessage | undefined> {
    const partitionFolder = `${tablePrefix('quarantineOrders')}partition=${id.partition}/`;
    const keys = (await this.quarantineParts()).filter((key) => {
      if (!key.startsWith(partitionFolder)) return false;
      const range = batchRangeOf(key);
      return range !== undefined && range.start <= id.offset && id.offset <= range.end;
    });
    for (const key of keys) {
      const bytes = await this.lake.get(key);
      if (!bytes) continue;
      const found = quarantinedMessagesOf(key, await readParquet(bytes, { key }), this.topic).find((m) => m.offset === id.offset && m.partition === id.partition);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * The original Kafka record of a quarantined one, from its batch's raw object; undefined when the
   * raw zone no longer has it. The raw key holds the batch date (its first record's Kafka date),
   * which is the record's own date or, for a batch open over midnight, the day before; any other
   * date (producer-set timestamps out of order) is found by listing the whole raw zone.
   */
  async original(message: QuarantinedMessage): Promise<RawRecord | undefined> {
    const days = [0, 1].map((back) => new Date(message.kafkaTs - back * DAY_MS).toISOString().slice(0, 10));
    const sameBatch = (key: string): boolean => {
      const range = batchRangeOf(key);
      return range !== undefined && range.partition === message.partition && range.start <= message.offset && message.offset <= range.end;
    };
    let keys: string[] = [];
    for (const day of days) {
      keys = (await this.listed(rawPrefix(day, message.partition))).filter(sameBatch);
      if (keys.length > 0) break;
    }
    if (keys.length === 0) keys = (await this.listed(`${RAW_ORDERS_PATH}/`)).filter(sameBatch);
    for (const key of keys) {
      const record = (await this.rawRecords(key)).find((r) => r.offset === message.offset);
      if (record) return record;
    }
    return undefined;
  }

  // Raw objects never change once written, so a redrive of many records of one batch reads the
  // batch once. Records are handled in offset order, so a few recent objects are all that help.
  private readonly rawCache = new Map<string, Promise<RawRecord[]>>();
  private readonly listingCache = new Map<string, Promise<string[]>>();

  private rawRecords(key: string): Promise<RawRecord[]> {
    return remember(this.rawCache, key, async () => {
      const bytes = await this.lake.get(key);
      if (!bytes) return [];
      try {
        return decodeRawBatch(bytes, key);
      } catch (error) {
        if (isCorruptLakeObject(error)) return [];
        throw error;
      }
    });
  }

  private listed(prefix: string): Promise<string[]> {
    return remember(this.listingCache, prefix, () => this.lake.list(prefix));
  }

  /**
   * The quarantined records this one is a redriven copy of, newest first, by following the
   * `redrive-of` header of each original back (at most `maxDepth` steps).
   */
  async redriveHistory(original: RawRecord | undefined, maxDepth = 10): Promise<{ id: string; reason: string }[]> {
    const history: { id: string; reason: string }[] = [];
    let headers = original?.headers;
    while (headers && history.length < maxDepth) {
      const earlierId = parseDlqId(headers[HEADER_REDRIVE_OF] ?? '');
      if (!earlierId) break;
      const earlier = await this.find(earlierId);
      if (!earlier) {
        history.push({ id: dlqId(earlierId.partition, earlierId.offset), reason: '(no longer in the quarantine)' });
        break;
      }
      history.push({ id: earlier.id, reason: earlier.reason });
      headers = (await this.original(earlier))?.headers;
    }
    return history;
  }

  /** The marker of an earlier redrive of this record; undefined when it was never redriven. */
  async redriveMarker(message: Pick<QuarantinedMessage, 'id' | 'partition' | 'offset'>): Promise<RedriveMarker | undefined> {
    const bytes = await this.lake.get(redriveMarkerKey(message.partition, message.offset));
    if (!bytes) return undefined;
    return decodeRedriveMarker(bytes) ?? { id: message.id, topic: this.topic, copyId: '?', redrivenAt: '?' };
  }

  /** Markers of every redriven record, by DLQ id (one listing, for `dlq list`). */
  async redriveMarkers(): Promise<Map<string, RedriveMarker>> {
    const keys = await this.lake.list(`${DLQ_REDRIVEN_PATH}/`);
    const markers = await mapConcurrently(keys, READ_CONCURRENCY, async (key) => {
      const bytes = await this.lake.get(key);
      return bytes ? decodeRedriveMarker(bytes) : undefined;
    });
    return new Map(markers.filter((m): m is RedriveMarker => m !== undefined).map((m) => [m.id, m]));
  }
}
