// The lake: object store (file:// or s3://), deterministic keys, Parquet tables, raw-zone codec.
export * from './errors.ts';
export * from './keys.ts';
export * from './parquet.ts';
export * from './raw.ts';
export { FileLakeStore, TEMP_PREFIX } from './file-store.ts';
export { S3LakeStore, destroyS3Clients, s3ClientFor, type S3Settings } from './s3-store.ts';
export { openLake, parseLakeUri, type LakeLocation, type LakeStore } from './store.ts';
