// Transport security settings: the options every Kafka and Temporal client gets, and the
// combinations that stop the process at start-up naming the variable, never a secret.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { ConfigError, PipelineError } from '../../src/errors.ts';
import { describeKafkaSecurity, kafkaSecurityOptions, type KafkaSecuritySettings } from '../../src/kafka/security.ts';
import { printableSetting } from '../../src/secrets.ts';
import { whenReachable } from '../../src/startup.ts';
import { describeTemporalSecurity, temporalConnectionOptions, type TemporalConnectionSettings } from '../../src/temporal/connection-options.ts';

const PEM = (label: string): Buffer => Buffer.from(`-----BEGIN ${label}-----\nMIIB…\n-----END ${label}-----\n`);
/** A file system of three PEM files and one that is not PEM; anything else is missing. */
const files: Record<string, Buffer> = {
  '/etc/kafka/ca.pem': PEM('CERTIFICATE'),
  '/etc/kafka/client.pem': PEM('CERTIFICATE'),
  '/etc/kafka/client.key': PEM('PRIVATE KEY'),
  '/etc/kafka/notes.txt': Buffer.from('just text'),
};
const readFile = (file: string): Buffer => {
  const bytes = files[file];
  if (!bytes) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
  return bytes;
};

const KAFKA_PLAIN: KafkaSecuritySettings = {
  KAFKA_SSL: false,
  KAFKA_SSL_CA_FILE: '',
  KAFKA_SSL_CERT_FILE: '',
  KAFKA_SSL_KEY_FILE: '',
  KAFKA_SASL_MECHANISM: '',
  KAFKA_SASL_USERNAME: '',
  KAFKA_SASL_PASSWORD: '',
};
const TEMPORAL_PLAIN: TemporalConnectionSettings = {
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_TLS: false,
  TEMPORAL_TLS_CA_FILE: '',
  TEMPORAL_TLS_CERT_FILE: '',
  TEMPORAL_TLS_KEY_FILE: '',
  TEMPORAL_TLS_SERVER_NAME: '',
  TEMPORAL_API_KEY: '',
};

/** Asserts a ConfigError naming `variable`, whose message holds none of `secrets`. */
function rejectsNaming(run: () => unknown, variable: string, ...secrets: string[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    assert.equal(error.variable, variable, error.message);
    assert.ok(error.message.startsWith(`${variable}: `), error.message);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), `the message quotes a secret: ${error.message}`);
    return true;
  });
}

describe('Kafka client options', () => {
  test('with nothing set, the client is plaintext without SASL (the local stack)', () => {
    assert.deepEqual(kafkaSecurityOptions(KAFKA_PLAIN, readFile), {});
    assert.equal(describeKafkaSecurity(KAFKA_PLAIN), 'plaintext');
  });

  test('KAFKA_SSL alone uses Node\'s trusted CAs (ssl: true)', () => {
    assert.deepEqual(kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SSL: true }, readFile), { ssl: true });
  });

  test('a CA file and a client certificate and key become the TLS options, read from the files', () => {
    const options = kafkaSecurityOptions(
      { ...KAFKA_PLAIN, KAFKA_SSL: true, KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem', KAFKA_SSL_CERT_FILE: '/etc/kafka/client.pem', KAFKA_SSL_KEY_FILE: '/etc/kafka/client.key' },
      readFile,
    );
    assert.ok(options.ssl && options.ssl !== true);
    assert.deepEqual(options.ssl.ca, [files['/etc/kafka/ca.pem']]);
    assert.equal(options.ssl.cert, files['/etc/kafka/client.pem']);
    assert.equal(options.ssl.key, files['/etc/kafka/client.key']);
    assert.equal(options.sasl, undefined);
  });

  test('SASL over TLS (Confluent Cloud, MSK): each mechanism with its user and password', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const settings = { ...KAFKA_PLAIN, KAFKA_SSL: true, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'ABCKEY', KAFKA_SASL_PASSWORD: 's3cr3t/secret' };
      assert.deepEqual(kafkaSecurityOptions(settings, readFile), { ssl: true, sasl: { mechanism, username: 'ABCKEY', password: 's3cr3t/secret' } });
      const described = describeKafkaSecurity(settings);
      assert.equal(described, `TLS, SASL ${mechanism.toUpperCase()} as ABCKEY`);
      assert.ok(!described.includes('s3cr3t'));
    }
  });

  test('a bad combination stops the process naming the variable', () => {
    rejectsNaming(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem' }, readFile), 'KAFKA_SSL_CA_FILE');
    rejectsNaming(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SSL: true, KAFKA_SSL_CERT_FILE: '/etc/kafka/client.pem' }, readFile), 'KAFKA_SSL_KEY_FILE');
    rejectsNaming(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SSL: true, KAFKA_SSL_KEY_FILE: '/etc/kafka/client.key' }, readFile), 'KAFKA_SSL_CERT_FILE');
    rejectsNaming(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'hunter2' }, readFile), 'KAFKA_SASL_USERNAME', 'hunter2');
    rejectsNaming(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc' }, readFile), 'KAFKA_SASL_PASSWORD');
    rejectsNaming(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'hunter2' }, readFile), 'KAFKA_SASL_MECHANISM', 'hunter2');
  });

  test('a file that cannot be read or is not PEM is named with its path, its content never quoted', () => {
    rejectsNaming(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SSL: true, KAFKA_SSL_CA_FILE: '/etc/kafka/missing.pem' }, readFile), 'KAFKA_SSL_CA_FILE');
    assert.throws(() => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SSL: true, KAFKA_SSL_CA_FILE: '/etc/kafka/missing.pem' }, readFile), /cannot read "\/etc\/kafka\/missing.pem" \(ENOENT\)/);
    rejectsNaming(
      () => kafkaSecurityOptions({ ...KAFKA_PLAIN, KAFKA_SSL: true, KAFKA_SSL_CERT_FILE: '/etc/kafka/client.pem', KAFKA_SSL_KEY_FILE: '/etc/kafka/notes.txt' }, readFile),
      'KAFKA_SSL_KEY_FILE',
      'just text',
    );
  });
});

describe('Temporal connection options', () => {
  test('with nothing set, only the address (plaintext, the local stack)', () => {
    assert.deepEqual(temporalConnectionOptions(TEMPORAL_PLAIN, readFile), { address: '127.0.0.1:7233' });
    assert.equal(describeTemporalSecurity(TEMPORAL_PLAIN), 'plaintext');
  });

  test('Temporal Cloud with an API key: TLS on, the key passed to the connection', () => {
    const settings = { ...TEMPORAL_PLAIN, TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_TLS: true, TEMPORAL_API_KEY: 'eyJhbGciOi.secret' };
    assert.deepEqual(temporalConnectionOptions(settings, readFile), { address: 'eu-west-1.aws.api.temporal.io:7233', tls: {}, apiKey: 'eyJhbGciOi.secret' });
    assert.equal(describeTemporalSecurity(settings), 'TLS, API key');
  });

  test('mTLS: CA, client certificate pair and server name from the settings', () => {
    const options = temporalConnectionOptions(
      {
        ...TEMPORAL_PLAIN,
        TEMPORAL_ADDRESS: 'orders.a1b2c.tmprl.cloud:7233',
        TEMPORAL_TLS: true,
        TEMPORAL_TLS_CA_FILE: '/etc/kafka/ca.pem',
        TEMPORAL_TLS_CERT_FILE: '/etc/kafka/client.pem',
        TEMPORAL_TLS_KEY_FILE: '/etc/kafka/client.key',
        TEMPORAL_TLS_SERVER_NAME: 'orders.a1b2c.tmprl.cloud',
      },
      readFile,
    );
    assert.deepEqual(options, {
      address: 'orders.a1b2c.tmprl.cloud:7233',
      tls: {
        serverRootCACertificate: files['/etc/kafka/ca.pem'],
        clientCertPair: { crt: files['/etc/kafka/client.pem'], key: files['/etc/kafka/client.key'] },
        serverNameOverride: 'orders.a1b2c.tmprl.cloud',
      },
    });
  });

  test('a bad combination stops the process naming the variable, never the API key', () => {
    rejectsNaming(() => temporalConnectionOptions({ ...TEMPORAL_PLAIN, TEMPORAL_API_KEY: 'eyJhbGciOi.secret' }, readFile), 'TEMPORAL_API_KEY', 'eyJhbGciOi');
    rejectsNaming(() => temporalConnectionOptions({ ...TEMPORAL_PLAIN, TEMPORAL_TLS_CA_FILE: '/etc/kafka/ca.pem' }, readFile), 'TEMPORAL_TLS_CA_FILE');
    rejectsNaming(() => temporalConnectionOptions({ ...TEMPORAL_PLAIN, TEMPORAL_TLS: true, TEMPORAL_TLS_CERT_FILE: '/etc/kafka/client.pem' }, readFile), 'TEMPORAL_TLS_KEY_FILE');
    rejectsNaming(() => temporalConnectionOptions({ ...TEMPORAL_PLAIN, TEMPORAL_TLS: true, TEMPORAL_TLS_KEY_FILE: '/etc/kafka/client.key' }, readFile), 'TEMPORAL_TLS_CERT_FILE');
    rejectsNaming(
      () => temporalConnectionOptions({ ...TEMPORAL_PLAIN, TEMPORAL_TLS: true, TEMPORAL_TLS_CERT_FILE: '/nope.pem', TEMPORAL_TLS_KEY_FILE: '/etc/kafka/client.key' }, readFile),
      'TEMPORAL_TLS_CERT_FILE',
    );
  });
});

describe('transport settings at start-up (loadConfig)', () => {
  test('the defaults are plaintext: the local stack needs no setting', () => {
    const config = loadConfig({});
    assert.equal(config.KAFKA_SSL, false);
    assert.equal(config.TEMPORAL_TLS, false);
    assert.equal(config.KAFKA_SASL_MECHANISM, '');
  });

  test('an unknown SASL mechanism or a flag that is not true/false is named', () => {
    rejectsNaming(() => loadConfig({ KAFKA_SASL_MECHANISM: 'gssapi' }), 'KAFKA_SASL_MECHANISM');
    rejectsNaming(() => loadConfig({ KAFKA_SSL: 'yes' }), 'KAFKA_SSL');
    assert.equal(loadConfig({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }).KAFKA_SASL_MECHANISM, 'scram-sha-256');
  });

  test('cross-field rules and unreadable files stop loadConfig, naming the variable and no secret', () => {
    rejectsNaming(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'hunter2' }), 'KAFKA_SASL_USERNAME', 'hunter2');
    rejectsNaming(() => loadConfig({ TEMPORAL_API_KEY: 'eyJhbGciOi.secret' }), 'TEMPORAL_API_KEY', 'eyJhbGciOi');
    rejectsNaming(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }), 'KAFKA_SSL_CA_FILE');
    rejectsNaming(() => loadConfig({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT_FILE: '/nonexistent/client.pem' }), 'TEMPORAL_TLS_KEY_FILE');
  });

  test('the SASL password and the API key print as ***', () => {
    assert.equal(printableSetting('KAFKA_SASL_PASSWORD', 'hunter2'), '***');
    assert.equal(printableSetting('TEMPORAL_API_KEY', 'eyJhbGciOi.secret'), '***');
    assert.equal(printableSetting('KAFKA_SASL_USERNAME', 'svc'), 'svc');
  });
});

describe('start-up waits', () => {
  test('an error no retry can cure (a TLS listener mismatch) ends the wait at once', async () => {
    let calls = 0;
    await assert.rejects(
      whenReachable('Kafka', async () => {
        calls++;
        throw new PipelineError('Kafka at 127.0.0.1:9092: TLS handshake failed', { retryable: false });
      }, { now: () => 0, sleep: async () => {} }),
      /TLS handshake failed/,
    );
    assert.equal(calls, 1);
  });
});
