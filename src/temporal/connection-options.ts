// Transport security of every Temporal connection the project opens (worker, bridge, CLI,
// dashboard, stack): TLS with an optional private CA, server name and client certificate (mTLS),
// and an API key (Temporal Cloud). Pure apart from reading the PEM files the settings name.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError } from '../errors.ts';
import { readPemSetting, type ReadFile } from '../secrets.ts';

// Written out rather than picked from Config: config.ts validates these settings at load time by
// calling this module, so importing its type back would make a cycle.
export interface TemporalConnectionSettings {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_TLS: boolean;
  TEMPORAL_TLS_CA_FILE: string;
  TEMPORAL_TLS_CERT_FILE: string;
  TEMPORAL_TLS_KEY_FILE: string;
  TEMPORAL_TLS_SERVER_NAME: string;
  TEMPORAL_API_KEY: string;
}

/** Options both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

const TLS_SETTINGS = ['TEMPORAL_TLS_CA_FILE', 'TEMPORAL_TLS_CERT_FILE', 'TEMPORAL_TLS_KEY_FILE', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;

/**
 * Builds the options, or throws ConfigError naming the variable of a bad combination: a TLS
 * setting or the API key without TEMPORAL_TLS=true (an API key is never sent in clear), a
 * certificate without its key (or the reverse), or an unreadable file.
 */
export function temporalConnectionOptions(settings: TemporalConnectionSettings, readFile: ReadFile = readFileSync): TemporalConnectionOptions {
  for (const variable of TLS_SETTINGS) {
    if (settings[variable] !== '' && !settings.TEMPORAL_TLS) throw new ConfigError(variable, 'is set but TEMPORAL_TLS is not true: set TEMPORAL_TLS=true to connect over TLS');
  }
  if ((settings.TEMPORAL_TLS_CERT_FILE === '') !== (settings.TEMPORAL_TLS_KEY_FILE === '')) {
    const missing = settings.TEMPORAL_TLS_CERT_FILE === '' ? 'TEMPORAL_TLS_CERT_FILE' : 'TEMPORAL_TLS_KEY_FILE';
    throw new ConfigError(missing, 'TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE are set together (mTLS) or not at all');
  }
  const options: TemporalConnectionOptions = { address: settings.TEMPORAL_ADDRESS };
  if (!settings.TEMPORAL_TLS) return options;
  const tls: TLSConfig = {};
  if (settings.TEMPORAL_TLS_CA_FILE !== '') tls.serverRootCACertificate = readPemSetting('TEMPORAL_TLS_CA_FILE', settings.TEMPORAL_TLS_CA_FILE, readFile);
  if (settings.TEMPORAL_TLS_CERT_FILE !== '') {
    tls.clientCertPair = {
      crt: readPemSetting('TEMPORAL_TLS_CERT_FILE', settings.TEMPORAL_TLS_CERT_FILE, readFile),
      key: readPemSetting('TEMPORAL_TLS_KEY_FILE', settings.TEMPORAL_TLS_KEY_FILE, readFile),
    };
  }
  if (settings.TEMPORAL_TLS_SERVER_NAME !== '') tls.serverNameOverride = settings.TEMPORAL_TLS_SERVER_NAME;
  options.tls = tls;
  if (settings.TEMPORAL_API_KEY !== '') options.apiKey = settings.TEMPORAL_API_KEY;
  return options;
}

/** What the settings turn on, for logs and `stack status`: never a secret. */
export function describeTemporalSecurity(settings: TemporalConnectionSettings): string {
  if (!settings.TEMPORAL_TLS) return 'plaintext';
  const parts = ['TLS'];
  if (settings.TEMPORAL_TLS_CERT_FILE !== '') parts.push('client certificate');
  if (settings.TEMPORAL_API_KEY !== '') parts.push('API key');
  return parts.join(', ');
}
