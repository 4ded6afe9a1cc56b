// Transport security of every Kafka client the project creates (bridge, worker's DLQ producer,
// simulator, CLI, stack): TLS with an optional private CA and client certificate, and SASL
// (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). Pure apart from reading the PEM files the settings name.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { ConfigError } from '../errors.ts';
import { readPemSetting, type ReadFile } from '../secrets.ts';

// Written out rather than picked from Config: config.ts validates these settings at load time by
// calling this module, so importing its type back would make a cycle.
export interface KafkaSecuritySettings {
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE: string;
  KAFKA_SSL_CERT_FILE: string;
  KAFKA_SSL_KEY_FILE: string;
  KAFKA_SASL_MECHANISM: '' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  KAFKA_SASL_USERNAME: string;
  KAFKA_SASL_PASSWORD: string;
}

/** The `ssl` and `sasl` options of a kafkajs client; both absent for a plaintext broker (the local stack). */
export interface KafkaSecurityOptions {
  ssl?: ConnectionOptions | true;
  sasl?: SASLOptions;
}

const TLS_FILES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;

/**
 * Builds the options, or throws ConfigError naming the variable of a bad combination: a TLS file
 * without KAFKA_SSL=true, a certificate without its key (or the reverse), an unreadable file, a
 * SASL mechanism without user and password, or a user or password without a mechanism.
 */
export function kafkaSecurityOptions(settings: KafkaSecuritySettings, readFile: ReadFile = readFileSync): KafkaSecurityOptions {
  const options: KafkaSecurityOptions = {};
  for (const variable of TLS_FILES) {
    if (settings[variable] !== '' && !settings.KAFKA_SSL) throw new ConfigError(variable, 'is set but KAFKA_SSL is not true: set KAFKA_SSL=true to connect over TLS');
  }
  if ((settings.KAFKA_SSL_CERT_FILE === '') !== (settings.KAFKA_SSL_KEY_FILE === '')) {
    const missing = settings.KAFKA_SSL_CERT_FILE === '' ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE';
    throw new ConfigError(missing, 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE are set together (mutual TLS) or not at all');
  }
  if (settings.KAFKA_SSL) {
    const tls: ConnectionOptions = {};
    if (settings.KAFKA_SSL_CA_FILE !== '') tls.ca = [readPemSetting('KAFKA_SSL_CA_FILE', settings.KAFKA_SSL_CA_FILE, readFile)];
    if (settings.KAFKA_SSL_CERT_FILE !== '') {
      tls.cert = readPemSetting('KAFKA_SSL_CERT_FILE', settings.KAFKA_SSL_CERT_FILE, readFile);
      tls.key = readPemSetting('KAFKA_SSL_KEY_FILE', settings.KAFKA_SSL_KEY_FILE, readFile);
    }
    // `true`: Node's defaults (the system's CAs, host name checked) when nothing is customised.
    options.ssl = Object.keys(tls).length === 0 ? true : tls;
  }
  const mechanism = settings.KAFKA_SASL_MECHANISM;
  if (mechanism === '') {
    if (settings.KAFKA_SASL_USERNAME !== '') throw new ConfigError('KAFKA_SASL_MECHANISM', 'is empty but KAFKA_SASL_USERNAME is set: choose plain, scram-sha-256 or scram-sha-512');
    if (settings.KAFKA_SASL_PASSWORD !== '') throw new ConfigError('KAFKA_SASL_MECHANISM', 'is empty but KAFKA_SASL_PASSWORD is set: choose plain, scram-sha-256 or scram-sha-512');
    return options;
  }
  if (settings.KAFKA_SASL_USERNAME === '') throw new ConfigError('KAFKA_SASL_USERNAME', `is needed with KAFKA_SASL_MECHANISM=${mechanism}`);
  if (settings.KAFKA_SASL_PASSWORD === '') throw new ConfigError('KAFKA_SASL_PASSWORD', `is needed with KAFKA_SASL_MECHANISM=${mechanism}`);
  options.sasl = { mechanism, username: settings.KAFKA_SASL_USERNAME, password: settings.KAFKA_SASL_PASSWORD };
  return options;
}

/** What the settings turn on, for logs and `stack status`: never a secret. */
export function describeKafkaSecurity(settings: KafkaSecuritySettings): string {
  const tls = settings.KAFKA_SSL ? `TLS${settings.KAFKA_SSL_CERT_FILE !== '' ? ' (client certificate)' : ''}` : 'plaintext';
  return settings.KAFKA_SASL_MECHANISM === '' ? tls : `${tls}, SASL ${settings.KAFKA_SASL_MECHANISM.toUpperCase()} as ${settings.KAFKA_SASL_USERNAME}`;
}
