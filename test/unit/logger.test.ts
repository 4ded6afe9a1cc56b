// The console's readable log line, and kafkajs's start-up retries kept off the error level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { formatLine, kafkaLogCreator } from '../../src/logger.ts';

test('a pino JSON line reads as time, level, process, message and key=value fields', () => {
  const json = JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 30, 16, 4, 5, 123), pid: 1, hostname: 'h', name: 'worker', msg: 'worker running', taskQueue: 'orders', metrics: 'http://127.0.0.1:9465/metrics' });
  assert.equal(formatLine(json), '16:04:05.123 INFO  worker    worker running taskQueue=orders metrics=http://127.0.0.1:9465/metrics');
});

test('an error field shows its message and cause, not its stack, above debug level', () => {
  const err = { type: 'Error', message: 'connect ECONNREFUSED', stack: 'Error: connect ECONNREFUSED\n    at x (y.ts:1:1)', cause: { message: 'refused', stack: '' } };
  const line = formatLine(JSON.stringify({ level: 40, time: 0, name: 'bridge', msg: 'Kafka is not reachable yet; retrying', service: 'Kafka', err }));
  assert.equal(line, '00:00:00.000 WARN  bridge    Kafka is not reachable yet; retrying service=Kafka err="connect ECONNREFUSED (cause: refused)"');
  assert.doesNotMatch(line, /\n/);
});

test('a line that is not JSON passes through', () => {
  assert.equal(formatLine('plain text\n'), 'plain text');
});

test("kafkajs's group-coordinator retry is debug, other kafkajs errors stay errors", () => {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const kafkaLog = kafkaLogCreator(log)();
  kafkaLog({ namespace: 'Connection', level: 1, label: 'ERROR', log: { message: 'Response GroupCoordinator(key: 10, version: 2)', error: 'The group coordinator is not available' } });
  kafkaLog({ namespace: 'Connection', level: 1, label: 'ERROR', log: { message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' } });
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [
    [20, 'kafka: Response GroupCoordinator(key: 10, version: 2)'],
    [50, 'kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
  ]);
});
