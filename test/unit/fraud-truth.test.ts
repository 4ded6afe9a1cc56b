// The quality bar of the fraud rules (issue: recall ≥ 0.95 and precision ≥ 0.90 per rule at
// default thresholds), measured without any server: the seeded simulator's messages go through
// the same pure steps as in the pipeline (decode, dedupe, enrich, fraud, checkpoint), in small
// batches per partition so that patterns straddle batches, and the flags are scored against the
// simulator's truth labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreFlags } from '../../src/domain/fraud/evaluate.ts';
import { RULE_IDS } from '../../src/domain/fraud/rules.ts';
import { loadReferenceData } from '../../src/reference/index.ts';
import { evaluateStream, simulateStream } from '../helpers/simulated-stream.ts';

const COUNT = 8000;
/** Four times the default share, for enough patterns of every rule in a short run. */
const ANOMALY_RATE = 0.08;
const PARTITIONS = 4;
const BATCH_RECORDS = 40;

describe('fraud rules against the simulator’s truth file', () => {
  it('reach recall ≥ 0.95 and precision ≥ 0.90 for every rule at default thresholds, and silver stays distinct', (t) => {
    const reference = loadReferenceData({ CUSTOMERS: 1000 });
    const stream = simulateStream(reference, { seed: 'fraud-truth', count: COUNT, anomalyRate: ANOMALY_RATE }, PARTITIONS);
    const truth = stream.truth;
    const batches = evaluateStream(stream, reference, BATCH_RECORDS);
    const flags = batches.flatMap((b) => b.flags);
    const silverIds = batches.flatMap((b) => b.orders.map((o) => o.orderId));

    const distinctValid = new Set(truth.filter((r) => r.valid).map((r) => r.orderId));
    assert.equal(silverIds.length, new Set(silverIds).size, 'no order id twice in silver');
    assert.equal(silverIds.length, distinctValid.size, 'every distinct valid order in silver');

    const confusion = scoreFlags(flags, truth, RULE_IDS);
    for (const c of confusion) {
      t.diagnostic(`${c.rule}: tp ${c.truePositives} fp ${c.falsePositives} fn ${c.falseNegatives} precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)}`);
    }
    for (const c of confusion) {
      assert.ok(c.truePositives + c.falseNegatives > 0, `the run holds ${c.rule} patterns`);
      assert.ok(c.recall >= 0.95, `${c.rule} recall ${c.recall.toFixed(3)} < 0.95`);
      assert.ok(c.precision >= 0.9, `${c.rule} precision ${c.precision.toFixed(3)} < 0.90`);
    }
  });
});
