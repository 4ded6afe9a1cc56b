// The activity boundary: which thrown errors Temporal may retry and which fail the batch at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { activitiesAtBoundary, classifyFailure } from '../../src/activities/boundary.ts';
import { NonFiniteNumberError } from '../../src/domain/finite.ts';
import { CorruptStateError } from '../../src/domain/state.ts';
import { ServiceUnavailableError } from '../../src/errors.ts';
import { CorruptLakeObjectError, LakeError, LakeUnavailableError } from '../../src/lake/errors.ts';
import { DETERMINISTIC_FAILURE_TYPES } from '../../src/contract/failure-types.ts';

const nonRetryable = (error: unknown): { type: string | undefined | null; nonRetryable: boolean } => {
  const out = classifyFailure(error);
  assert.ok(out instanceof ApplicationFailure, `${String(error)} becomes an ApplicationFailure`);
  return { type: out.type, nonRetryable: out.nonRetryable === true };
};

describe('classifyFailure', () => {
  test('deterministic project errors fail at once, typed by their name', () => {
    assert.deepEqual(nonRetryable(new CorruptStateError('customers.0.1.spendUsd: expected a finite number')), { type: 'CorruptStateError', nonRetryable: true });
    assert.deepEqual(nonRetryable(new CorruptLakeObjectError('raw batch is not gzip data', { key: 'raw/x' })), { type: 'CorruptLakeObjectError', nonRetryable: true });
    assert.deepEqual(nonRetryable(new LakeError('refused', 'put', 'k', { retryable: false })), { type: 'LakeError', nonRetryable: true });
    assert.deepEqual(nonRetryable(new NonFiniteNumberError('spendUsd', Infinity)), { type: 'NonFiniteNumberError', nonRetryable: true });
  });

  test('TypeError and RangeError from deterministic code fail at once (an INT32 column refusing 3e9)', () => {
    assert.deepEqual(nonRetryable(new TypeError('value 3000000000 does not fit INT32')), { type: 'TypeError', nonRetryable: true });
    assert.deepEqual(nonRetryable(new RangeError('Invalid string length')), { type: 'RangeError', nonRetryable: true });
  });

  test('what may heal by itself stays retryable: a service down, a retryable lake error, a fetch that failed on its socket, anything unknown', () => {
    const passThrough = [
      new ServiceUnavailableError('S3', 'connection refused'),
      new LakeUnavailableError('S3', 'get', 'k', 'ECONNRESET'),
      new LakeError('slow down', 'put', 'k', { retryable: true }),
      new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }),
      new Error('KafkaJSConnectionError'),
    ];
    for (const error of passThrough) assert.equal(classifyFailure(error), error, error.message);
  });

  test('a Temporal failure passes unchanged', () => {
    const failure = ApplicationFailure.nonRetryable('raw object is missing', 'CorruptBatch');
    assert.equal(classifyFailure(failure), failure);
  });

  test('every type the boundary produces for project errors is listed for the retry policies', () => {
    for (const type of ['CorruptStateError', 'CorruptLakeObjectError', 'LakeError', 'NonFiniteNumberError', 'TypeError', 'RangeError']) {
      assert.ok(DETERMINISTIC_FAILURE_TYPES.includes(type), type);
    }
  });
});

describe('activitiesAtBoundary', () => {
  test('wraps every activity: results pass, errors are classified, names are kept', async () => {
    const wrapped = activitiesAtBoundary({
      async ok(n: number) {
        return n + 1;
      },
      async corrupt(): Promise<void> {
        throw new CorruptStateError('bad');
      },
    });
    assert.equal(await wrapped.ok(1), 2);
    assert.equal(wrapped.corrupt.name, 'corrupt');
    await assert.rejects(wrapped.corrupt(), (error: unknown) => error instanceof ApplicationFailure && error.type === 'CorruptStateError' && error.nonRetryable);
  });
});

describe('heartbeats at the boundary', () => {
  test('a running activity heartbeats on its own until it returns', async () => {
    const { MockActivityEnvironment } = await import('@temporalio/testing');
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    // Runs until it has seen three heartbeats (or 5 s pass): robust on a busy machine.
    const waitForBeats = async (): Promise<string> => {
      for (const deadline = Date.now() + 5_000; beats < 3 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
      return 'done';
    };
    const slow = activitiesAtBoundary({ slow: waitForBeats }, 20);
    assert.equal(await env.run(slow.slow), 'done');
    assert.ok(beats >= 3, `heartbeats while running: ${beats}`);
    const after = beats;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(beats, after, 'no heartbeat after it returned');
  });
});

test('a classified failure keeps the error message and stack, not its causes (the CLI shows the innermost message)', () => {
  const error = new CorruptStateError('not JSON', new SyntaxError("Expected ',' or '}'"));
  const failure = classifyFailure(error) as ApplicationFailure;
  assert.equal(failure.message, 'partition state is unreadable: not JSON');
  assert.equal(failure.cause, undefined);
  assert.equal(failure.stack, error.stack);
});
