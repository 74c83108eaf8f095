import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import {CasBatcher, decodeJSON, newId} from './kv.js';

describe('KV helpers', () => {
  it('coalesces concurrent changes into few compare-and-set rounds', async () => {
    const mm = new MemoryMattermost();
    const b = new CasBatcher<number[]>(mm);
    await Promise.all(Array.from({length: 100}, (_, i) => b.update('k', (l) => [...(l ?? []), i])));
    assert.deepEqual(decodeJSON<number[]>(await mm.kvGet('k')), Array.from({length: 100}, (_, i) => i));
    assert.ok(mm.callsTo('KVSetWithOptions').length <= 3, `${mm.callsTo('KVSetWithOptions').length} writes`);
  });

  it('two writers on one key lose nothing (CAS conflicts are retried)', async () => {
    const mm = new MemoryMattermost();
    const a = new CasBatcher<{n: number}>(mm);
    const b = new CasBatcher<{n: number}>(mm);
    const inc = (c: {n: number} | null) => ({n: (c?.n ?? 0) + 1});
    await Promise.all(Array.from({length: 200}, (_, i) => (i % 2 ? a : b).update('count', inc)));
    assert.deepEqual(decodeJSON(await mm.kvGet('count')), {n: 200});
  });

  it('deletes on null, skips writes that change nothing, and sets expiry', async () => {
    const mm = new MemoryMattermost();
    const b = new CasBatcher<string>(mm, {expireInSeconds: () => 60});
    await b.update('x', () => 'v');
    assert.ok(mm.kv.get('x')!.expiresAt! > Date.now());
    const writes = mm.callsTo('KVSetWithOptions').length;
    await b.update('x', (v) => v);
    assert.equal(mm.callsTo('KVSetWithOptions').length, writes);
    await b.update('x', () => null);
    assert.equal(await mm.kvGet('x'), null);
  });

  it('with remember, writes a key it alone changes without reading it, and notices when another node did', async () => {
    const mm = new MemoryMattermost();
    const mine = new CasBatcher<number[]>(mm, {remember: 8});
    const other = new CasBatcher<number[]>(mm);
    await mine.update('k', (l) => [...(l ?? []), 1]);
    const reads = mm.callsTo('KVGet').length;
    await mine.update('k', (l) => [...(l ?? []), 2]);
    await mine.update('k', (l) => [...(l ?? []), 3]);
    assert.equal(mm.callsTo('KVGet').length, reads, 'no read between its own writes');
    assert.deepEqual(await mine.read('k'), [1, 2, 3]);
    await other.update('k', (l) => [...(l ?? []), 9]);
    await mine.update('k', (l) => [...(l ?? []), 4]);
    assert.deepEqual(decodeJSON<number[]>(await mm.kvGet('k')), [1, 2, 3, 9, 4]);
    // A change that keeps the remembered value still checks the store.
    await other.update('k', () => [7]);
    await mine.update('k', (l) => l);
    assert.deepEqual(await mine.read('k'), [7]);
  });

  it('with remember, keeps at most that many keys', async () => {
    const mm = new MemoryMattermost();
    const b = new CasBatcher<number>(mm, {remember: 2});
    for (const k of ['a', 'b', 'c']) await b.update(k, () => 1);
    const reads = mm.callsTo('KVGet').length;
    await b.update('a', () => 2);
    assert.equal(mm.callsTo('KVGet').length, reads + 1, 'the oldest key was forgotten');
    await b.update('c', () => 2);
    assert.equal(mm.callsTo('KVGet').length, reads + 1);
  });

  it('makes unique ids that sort in creation order', () => {
    const ids = Array.from({length: 2000}, () => newId());
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
    assert.ok(ids.every((id) => /^[0-9a-z]{26}$/.test(id)));
  });
});
