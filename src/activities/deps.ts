// The real clients activities use, built once per worker process. Tests may build their own.
import { Client, Connection } from '@temporalio/client';
import { createSmtpTransport } from './smtp-transport.ts';
import type { Producer } from 'kafkajs';
import type { Config } from '../config.ts';
import type { AlertEmail } from '../domain/alert-email.ts';
import type { AlertPolicy } from '../domain/fraud/alerting.ts';
import { loadFraudRules, type FraudRule } from '../domain/fraud/rules.ts';
import { createKafka, ensureTopics } from '../kafka/client.ts';
import { openLake, type LakeStore } from '../lake/store.ts';
import type { Logger } from '../logger.ts';
import { loadReferenceData } from '../reference/index.ts';
import type { ReferenceData } from '../reference/types.ts';
import { whenReachable } from '../startup.ts';
import { probeKafkaBrokers } from '../kafka/reachable.ts';
import { temporalConnectionOptions } from '../temporal/connection-options.ts';

/** A rendered alert, as the SMTP transport sends it. */
export type OutgoingMail = AlertEmail;

export interface ActivityDeps {
  config: Config;
  lake: LakeStore;
  temporal: Client;
  dlq: Pick<Producer, 'send'>;
  sendMail(mail: OutgoingMail): Promise<void>;
  reference: ReferenceData;
  rules: FraudRule[];
  log: Logger;
  /** This worker's own task queue, where a batch sends the stages that read its partition's state (unset: no affinity). */
  stateTaskQueue?: string;
  close(): Promise<void>;
}

/** The alert window, cooldown and mail threshold from the settings: the fraud and checkpoint activities must use the same. */
export const alertPolicyOf = (config: Pick<Config, 'ALERT_WINDOW' | 'ALERT_COOLDOWN' | 'ALERT_MIN_SEVERITY'>): AlertPolicy => ({
  windowMs: config.ALERT_WINDOW,
  cooldownMs: config.ALERT_COOLDOWN,
  minSeverity: config.ALERT_MIN_SEVERITY,
});

export async function connectActivityDeps(config: Config, log: Logger): Promise<ActivityDeps> {
  const connection = await whenReachable('Temporal', () => Connection.connect(temporalConnectionOptions(config)), { log });
  const kafka = createKafka(config, 'orders-worker');
  await whenReachable('Kafka', () => probeKafkaBrokers(config), { log });
  await whenReachable('Kafka', () => ensureTopics(kafka, [{ topic: config.KAFKA_DLQ_TOPIC, partitions: 1 }]), { log });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await whenReachable('Kafka', () => producer.connect(), { log });
  const transport = createSmtpTransport(config.SMTP_URL);
  return {
    config,
    lake: openLake(config),
    temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    dlq: producer,
    async sendMail(mail) {
      await transport.sendMail(mail);
    },
    reference: loadReferenceData(config),
    rules: loadFraudRules(),
    log,
    async close() {
      transport.close();
      await producer.disconnect();
      await connection.close();
    },
  };
}
