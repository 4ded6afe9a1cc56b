// Delta file statistics: string bounds in UTF-8 byte order, and stats taken at write time equal
// to the ones read back from the file (the commit uses whichever it has).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareUtf8, fileStatsOf } from '../../src/lake/delta/stats.ts';
import { readParquet, TABLES, writeParquet } from '../../src/lake/parquet.ts';

const sign = (n: number): number => Math.sign(n);

describe('compareUtf8', () => {
  it('orders strings as their UTF-8 bytes do, also across surrogate pairs and U+E000 and above', () => {
    const alphabet = ['a', 'z', 'é', '中', '\uffff', '\ue000', '😀', '𝄞', '\u0000', 'A'];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const word = (): string => Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 5_000; i++) {
      const a = word();
      const b = word();
      assert.equal(sign(compareUtf8(a, b)), sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    // Where UTF-16 order is wrong: U+FFFF sorts after U+E000 and before any astral character.
    assert.ok(compareUtf8('\uffff', '😀') < 0);
    assert.ok('\uffff' > '😀');
  });
});

describe('stats at write time', () => {
  it('equal the stats of the rows read back from the written file', async () => {
    const rows = [
      { customerId: 'c-😀', orders: 3, items: 7, spendUsd: 120.5, firstOrderTs: 1_700_000_000_000, lastOrderTs: 1_700_000_900_000, segment: 'vip', partition: 2, asOfOffset: 41 },
      { customerId: 'c-\uffff', orders: 1, items: 1, spendUsd: 0, firstOrderTs: 1_690_000_000_000, lastOrderTs: 1_690_000_000_000, segment: 'new', partition: 2, asOfOffset: 41 },
      { customerId: 'c-a', orders: 12, items: 30, spendUsd: 9_999.99, firstOrderTs: 1_600_000_000_000, lastOrderTs: 1_710_000_000_000, segment: 'regular', partition: 2, asOfOffset: 41 },
    ];
    const table = TABLES.customerTotals;
    const written = fileStatsOf(table, rows);
    const readBack = fileStatsOf(table, await readParquet(writeParquet(table, rows)));
    assert.deepEqual(written, readBack);
  });
});
