// Delta Lake tables over the lake's Parquet parts (docs/lake.md, "Delta tables").
export * from './protocol.ts';
export * from './schema.ts';
export * from './stats.ts';
export * from './snapshot.ts';
export * from './commit.ts';
export * from './checkpoint.ts';
export * from './maintenance.ts';
export { DeltaLog, deltaLogOf, liveDataKeys, type LakeReader } from './log-io.ts';
