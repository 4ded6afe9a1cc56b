// Fraud detection: the declarative rule set, one pure detector per rule, and the batch evaluation.
export * from './rules.ts';
export * from './detectors.ts';
export * from './evaluate.ts';
export * from './stats.ts';
export * from './describe.ts';
export * from './evidence.ts';
