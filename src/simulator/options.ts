// Parsing of the simulator's textual options (CLI flags), with errors that say what is wrong.
import { UsageError } from '../errors.ts';
import { ANOMALY_TYPES, type AnomalyType } from './types.ts';

/** "1:0.1,2:0.3,3:0.6" → { 1: 0.1, 2: 0.3, 3: 0.6 } (weights, need not sum to 1). */
export function parseVersionMix(spec: string): Record<1 | 2 | 3, number> {
  const mix: Record<1 | 2 | 3, number> = { 1: 0, 2: 0, 3: 0 };
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([123]):(\d+(?:\.\d+)?|\.\d+)$/.exec(part);
    if (!match) throw new UsageError(`--versions: "${part}" is not VERSION:WEIGHT with VERSION 1, 2 or 3 (e.g. 1:0.1,2:0.3,3:0.6)`);
    mix[Number(match[1]) as 1 | 2 | 3] = Number(match[2]);
  }
  if (mix[1] + mix[2] + mix[3] <= 0) throw new UsageError('--versions: at least one weight must be > 0');
  return mix;
}

/** "velocity,high-value" → those types; "all" → every type. */
export function parseAnomalyTypes(spec: string): AnomalyType[] {
  if (spec.trim() === 'all') return [...ANOMALY_TYPES];
  const types = spec.split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of types) {
    if (!(ANOMALY_TYPES as readonly string[]).includes(t)) throw new UsageError(`--anomaly-types: unknown type "${t}" (known: ${ANOMALY_TYPES.join(', ')})`);
  }
  return types as AnomalyType[];
}
