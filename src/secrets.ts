// Secrets in settings: which ones there are, how they look when printed, and the local stack's own
// S3 keys, and the PEM files of the TLS settings. A secret never reaches a log, `orders stack
// status`, an error message or a command line.
import { ConfigError } from './errors.ts';

/** Settings whose whole value is a secret. */
export const SECRET_SETTINGS = new Set(['S3_SECRET_ACCESS_KEY', 'KAFKA_SASL_PASSWORD', 'TEMPORAL_API_KEY']);
/** Settings that are URLs whose user-info may hold a password (smtp://user:pass@host). */
export const URL_SETTINGS_WITH_CREDENTIALS = new Set(['SMTP_URL']);

export const REDACTED = '***';

/**
 * The URL with its password replaced by ***; the user name stays (it tells which account). Text
 * that does not parse as a URL is redacted after the last ':' before an '@', or kept when it has none.
 */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password === '') return text;
    url.password = REDACTED;
    return url.toString();
  } catch {
    return text.replace(/^([^:/?#]+:\/\/[^:@/]*:)[^@/]*@/, `$1${REDACTED}@`);
  }
}

/** A setting's value as it may be printed. */
export function printableSetting(name: string, value: string): string {
  if (SECRET_SETTINGS.has(name)) return value === '' ? '' : REDACTED;
  if (URL_SETTINGS_WITH_CREDENTIALS.has(name)) return redactUrl(value);
  return value;
}

/**
 * Keys of the local stack's S3 server (rclone here, MinIO in docker-compose.yml). Used only when no
 * keys are set and the endpoint is on this machine; anywhere else the AWS default credential chain
 * decides (environment, profile, web identity, ECS or EC2 instance role).
 */
export const LOCAL_STACK_S3_KEYS = Object.freeze({ accessKeyId: 'orders', secretAccessKey: 'orders-secret' });

export interface S3CredentialSettings {
  S3_ENDPOINT: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLocalEndpoint(endpoint: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/**
 * Explicit S3 keys, or undefined for the AWS SDK's default credential chain. Keys set in the
 * environment win; with none set, a loopback endpoint gets the local stack's keys.
 */
export function s3Credentials(settings: S3CredentialSettings): { accessKeyId: string; secretAccessKey: string } | undefined {
  if (settings.S3_ACCESS_KEY_ID !== '' && settings.S3_SECRET_ACCESS_KEY !== '') {
    return { accessKeyId: settings.S3_ACCESS_KEY_ID, secretAccessKey: settings.S3_SECRET_ACCESS_KEY };
  }
  return isLocalEndpoint(settings.S3_ENDPOINT) ? { ...LOCAL_STACK_S3_KEYS } : undefined;
}

/** Reads a file's bytes; tests pass their own. */
export type ReadFile = (file: string) => Buffer;

/**
 * The PEM file a setting names (a CA, a client certificate or key), checked at start-up: a file
 * that cannot be read or is not PEM stops the process naming the variable and the path, never
 * quoting the content (a key file is a secret).
 */
export function readPemSetting(variable: string, file: string, readFile: ReadFile): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(variable, `cannot read ${JSON.stringify(file)}${code ? ` (${code})` : ''}`);
  }
  if (!bytes.toString('latin1').includes('-----BEGIN ')) throw new ConfigError(variable, `${JSON.stringify(file)} is not a PEM file (no "-----BEGIN" line)`);
  return bytes;
}
