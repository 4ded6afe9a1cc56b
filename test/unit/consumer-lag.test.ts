import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerLag } from '../../src/bridge/consumer-lag.ts';

void describe('consumer lag', () => {
  void it('is the records between the committed offset and the high watermark', () => {
    assert.equal(consumerLag({ partition: 0, low: 0, high: 1200, committed: 1000 }), 200);
    assert.equal(consumerLag({ partition: 0, low: 0, high: 1200, committed: 1200 }), 0);
  });

  void it('counts every retained record before the group committed anything', () => {
    assert.equal(consumerLag({ partition: 1, low: 300, high: 1200, committed: undefined }), 900);
  });

  void it('is never negative, even when retention moved the high watermark oddly', () => {
    assert.equal(consumerLag({ partition: 2, low: 0, high: 5, committed: 9 }), 0);
  });
});
