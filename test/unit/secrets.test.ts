// Secrets stay out of what the project prints, and S3 keys are never invented outside the local stack.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { LOCAL_STACK_S3_KEYS, printableSetting, redactUrl, s3Credentials } from '../../src/secrets.ts';
import { csvField } from '../../src/stack/services.ts';

describe('redaction', () => {
  test('a password in a URL becomes ***, the rest stays readable', () => {
    assert.equal(redactUrl('smtps://alerts:p%40ss-w0rd@mail.example.com:465'), 'smtps://alerts:***@mail.example.com:465');
    assert.equal(redactUrl('smtp://127.0.0.1:1025'), 'smtp://127.0.0.1:1025');
    assert.equal(redactUrl('smtp://user:secret@exa mple'), 'smtp://user:***@exa mple');
  });

  test('secret settings print as ***', () => {
    assert.equal(printableSetting('S3_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI'), '***');
    assert.equal(printableSetting('SMTP_URL', 'smtp://u:pw@h'), 'smtp://u:***@h');
    assert.equal(printableSetting('KAFKA_TOPIC', 'orders'), 'orders');
  });

  test('a ConfigError never echoes the SMTP password', () => {
    assert.throws(
      () => loadConfig({ SMTP_URL: 'http://alerts:hunter2@mail.example.com' }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('SMTP_URL') && !error.message.includes('hunter2'),
    );
  });
});

describe('S3 credentials', () => {
  const local = 'http://127.0.0.1:9000';
  test('keys set in the environment are used as they are', () => {
    assert.deepEqual(s3Credentials({ S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', S3_ACCESS_KEY_ID: 'AK', S3_SECRET_ACCESS_KEY: 'SK' }), { accessKeyId: 'AK', secretAccessKey: 'SK' });
  });
  test('no keys: the local stack gets its own, anything else the AWS default credential chain', () => {
    assert.deepEqual(s3Credentials({ S3_ENDPOINT: local, S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '' }), LOCAL_STACK_S3_KEYS);
    assert.equal(s3Credentials({ S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '' }), undefined);
  });
  test('one key without the other stops the process naming the missing one', () => {
    assert.throws(() => loadConfig({ S3_ACCESS_KEY_ID: 'AK' }), /S3_SECRET_ACCESS_KEY: .*set together/);
    assert.throws(() => loadConfig({ S3_SECRET_ACCESS_KEY: 'SK' }), (error: unknown) => error instanceof ConfigError && error.variable === 'S3_ACCESS_KEY_ID' && !error.message.includes('SK'));
  });
  test("the local S3 server's key pair is one quoted CSV field (rclone's RCLONE_AUTH_KEY)", () => {
    assert.equal(csvField('orders,orders-secret'), '"orders,orders-secret"');
    assert.equal(csvField('a"b,c'), '"a""b,c"');
  });
});
