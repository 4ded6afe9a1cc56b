// The histogram median (quantity-outlier rule, kept in the state) against the plain median of the
// same values, over random histograms with repeats, gaps, zero counts and negative values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramMad, histogramMedian, mad, median } from '../../src/domain/fraud/stats.ts';

describe('histogram statistics', () => {
  it('give the median and MAD of the values the histogram counts', () => {
    let seed = 3;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5_000; i++) {
      const histogram = new Map<number, number>();
      const values: number[] = [];
      for (let j = Math.floor(random() * 7); j > 0; j--) {
        const value = Math.floor(random() * 20) - 5;
        const count = Math.floor(random() * 4);
        histogram.set(value, (histogram.get(value) ?? 0) + count);
        for (let c = 0; c < count; c++) values.push(value);
      }
      const label = JSON.stringify([...histogram]);
      assert.deepEqual(histogramMedian(histogram), median(values), label);
      assert.deepEqual(histogramMad(histogram), mad(values), label);
    }
  });
});
