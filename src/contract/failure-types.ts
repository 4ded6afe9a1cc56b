// Failure types that no retry can cure: activities throw them as non-retryable ApplicationFailures
// (src/activities/boundary.ts), and the workflows' retry policies list them too, so an error thrown
// with one of these types but without the flag is not retried either. No imports: the workflow
// bundle reads this file.
export const DETERMINISTIC_FAILURE_TYPES = [
  'CorruptBatch',
  'InjectedFault',
  'InvalidConfiguration',
  'BackfillGap',
  'LakeError',
  'CorruptLakeObjectError',
  'CorruptStateError',
  'NonFiniteNumberError',
  'TypeError',
  'RangeError',
  'SyntaxError',
];
