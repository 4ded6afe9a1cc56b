// What every back end of the lake offers (FileLakeStore, S3LakeStore); `openLake` in store.ts picks one.

export interface LakeStore {
  /** Human-readable location, for logs and messages (`s3://bucket/prefix` or `file:///abs/path`). */
  readonly uri: string;
  /** Writes the whole object; readers see either the old bytes or the new ones, never a part. */
  put(key: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  /** The object's bytes; undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  exists(key: string): Promise<boolean>;
  /** Every key starting with `prefix` (any string, not only a folder), in lexical order. */
  list(prefix: string): Promise<string[]>;
  /** Writes a local file as the object, streamed (state snapshots are larger than a batch). */
  putFile(key: string, file: string, contentType?: string): Promise<void>;
  /** Streams the object into a local file; false when there is no such object. */
  getFile(key: string, file: string): Promise<boolean>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
}
