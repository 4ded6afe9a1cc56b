// Transport security against the real local stack, which is plaintext: with the settings unset
// everything connects; a client told to use TLS fails fast, naming the service and the setting,
// instead of retrying for minutes; no secret from the environment reaches any output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOrders } from '../helpers/cli.ts';
import { uniqueName } from '../helpers/wait.ts';

const SASL_PASSWORD = 'never-print-this-sasl-password';
const API_KEY = 'never-print-this-temporal-api-key';

describe('transport security settings on the plaintext local stack', () => {
  it('with the settings unset, stack status reaches Temporal and Kafka', { timeout: 60_000 }, async () => {
    const result = await runOrders(['stack', 'status', '--json'], {}, 60_000);
    const services = JSON.parse(result.stdout) as { name: string; healthy: boolean }[];
    for (const name of ['temporal', 'kafka']) {
      const service = services.find((s) => s.name === name);
      assert.equal(service?.healthy, true, `${name} is not healthy on the local stack (is it up? \`npx orders stack up\`):\n${result.stdout}\n${result.stderr}`);
    }
  });

  it('a bridge with KAFKA_SSL=true against the plaintext broker exits within 30 s naming Kafka and KAFKA_SSL', { timeout: 60_000 }, async () => {
    const name = uniqueName('tls');
    const started = Date.now();
    const result = await runOrders(['bridge'], { KAFKA_SSL: 'true', KAFKA_TOPIC: name, KAFKA_GROUP_ID: name, BRIDGE_METRICS_PORT: '19464' }, 30_000);
    const elapsedMs = Date.now() - started;
    assert.notEqual(result.code, 0, 'the bridge must not start');
    assert.match(result.stderr, /Kafka at 127\.0\.0\.1:\d+: TLS handshake failed/, result.stderr);
    assert.match(result.stderr, /KAFKA_SSL=true needs an SSL or SASL_SSL listener/);
    assert.ok(elapsedMs < 30_000, `took ${elapsedMs} ms`);
  });

  it('a CLI call with TEMPORAL_TLS=true against the plaintext frontend fails naming Temporal and TLS, never the API key', { timeout: 60_000 }, async () => {
    const result = await runOrders(['batches', 'list', '--limit', '1'], { TEMPORAL_TLS: 'true', TEMPORAL_API_KEY: API_KEY }, 30_000);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Temporal is not reachable: .*TEMPORAL_TLS=true: is the frontend serving TLS \(TLS, API key\)\?/, result.stderr);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(API_KEY), 'the API key was printed');
  });

  it('stack status with SASL and an API key set prints neither secret', { timeout: 60_000 }, async () => {
    const env = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'orders-svc', KAFKA_SASL_PASSWORD: SASL_PASSWORD, TEMPORAL_TLS: 'true', TEMPORAL_API_KEY: API_KEY };
    for (const args of [['stack', 'status'], ['stack', 'status', '--json']]) {
      const result = await runOrders(args, env, 60_000);
      const printed = `${result.stdout}${result.stderr}`;
      assert.match(printed, /SASL SCRAM-SHA-512 as orders-svc/, printed);
      assert.ok(!printed.includes(SASL_PASSWORD), `the SASL password was printed:\n${printed}`);
      assert.ok(!printed.includes(API_KEY), `the API key was printed:\n${printed}`);
    }
  });
});
