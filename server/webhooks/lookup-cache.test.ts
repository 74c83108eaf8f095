import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {LookupCache} from './lookup-cache.js';

describe('LookupCache', () => {
  it('serves a read for ttlMs, then reads again; failures are not kept', async () => {
    let t = 1000;
    const reads: string[] = [];
    let fail = false;
    const cache = new LookupCache(
      async (id) => {
        reads.push(id);
        if (fail) throw new Error('down');
        return `${id}@${t}`;
      },
      500,
      2,
      () => t,
    );
    assert.equal(await cache.get('u'), 'u@1000');
    t += 499;
    assert.equal(await cache.get('u'), 'u@1000');
    assert.deepEqual(reads, ['u']);
    t += 1;
    assert.equal(await cache.get('u'), 'u@1500');
    fail = true;
    await assert.rejects(cache.get('v'), /down/);
    fail = false;
    assert.equal(await cache.get('v'), 'v@1500');
    assert.deepEqual(reads, ['u', 'u', 'v', 'v']);
    // Bounded: a third id pushes out the oldest.
    await cache.get('w');
    await cache.get('u');
    assert.deepEqual(reads, ['u', 'u', 'v', 'v', 'w', 'u']);
  });
});
