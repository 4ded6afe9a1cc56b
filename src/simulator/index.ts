// The order simulator: a pure, seeded generator of docs/contract.md §1 events with labelled anomalies,
// and a thin shell that ships them to Kafka and writes the truth file.
export { OrderSimulator } from './generator.ts';
export { DEFAULT_START, DEFAULT_VERSION_MIX, type GeneratorOptions, type GeneratorStats } from './generator-settings.ts';
export { simulate, formatSummary, DEFAULT_COUNT, type SimulateOptions, type SimulateDeps, type SimulationSummary } from './simulate.ts';
export { connectKafkaSink, kafkaSink, probeKafka, ensureTopic, type MessageSink } from './kafka-sink.ts';
export { parseVersionMix, parseAnomalyTypes } from './options.ts';
export { TokenBucket } from './rate-limiter.ts';
export { inThreadSource, workerSource, type MessageSource, type SourceBatch, type WireMessage } from './source.ts';
export * from './types.ts';
