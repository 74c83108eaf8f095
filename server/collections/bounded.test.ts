import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {rememberBounded} from './bounded.js';

describe('rememberBounded', () => {
  it('keeps at most the limit, dropping the oldest entry first, and returns what it stored', () => {
    const cache = new Map<string, number>();
    for (let i = 0; i < 3; i++) assert.equal(rememberBounded(cache, `k${i}`, i, 3), i);
    assert.deepEqual([...cache.keys()], ['k0', 'k1', 'k2']);
    assert.equal(rememberBounded(cache, 'k3', 3, 3), 3);
    assert.deepEqual([...cache.entries()], [['k1', 1], ['k2', 2], ['k3', 3]]);
    rememberBounded(cache, 'k4', 4, 3);
    assert.deepEqual([...cache.keys()], ['k2', 'k3', 'k4']);
  });
});
