import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import {newId} from './ids.js';
import {idListValues, IdLists, shardKey, shardOf} from './id-list.js';
import {HookStore} from './store.js';

const KEY = 'hb_ix_out_all';
const dec = new TextDecoder();

function lists(mm: MemoryMattermost, options: {inlineMax?: number; shards?: number} = {}): IdLists {
  // HookStore's own compare-and-set loop, with its retries and jittered waits.
  const store = new HookStore(mm);
  return new IdLists(mm, (key, mutate) => store.cas(key, mutate), options);
}

function stored(mm: MemoryMattermost, key: string): unknown {
  const e = mm.kv.get(key);
  return e ? JSON.parse(dec.decode(e.value)) : undefined;
}

/** Bytes of new values written per key by compare-and-set since `from` (an index into mm.calls). */
function writes(mm: MemoryMattermost, from: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of mm.calls.slice(from)) {
    if (c.method !== 'KVSetWithOptions') continue;
    const [key, value] = c.args as [string, Uint8Array | null];
    out.set(key, (out.get(key) ?? 0) + (value?.length ?? 0));
  }
  return out;
}

const ids = (n: number): string[] => Array.from({length: n}, () => newId());

describe('index lists', () => {
  it('a small list is one JSON array in insertion order, and is deleted once empty', async () => {
    const mm = new MemoryMattermost();
    const l = lists(mm);
    const [a, b, c] = ids(3);
    for (const id of [a!, b!, c!, b!]) await l.add(KEY, id);
    assert.deepEqual(stored(mm, KEY), [a, b, c]);
    assert.deepEqual(await l.read(KEY), [a, b, c]);
    await l.remove(KEY, b!);
    await l.remove(KEY, 'x'.repeat(26));
    assert.deepEqual(await l.read(KEY), [a, c]);
    await l.remove(KEY, a!);
    await l.remove(KEY, c!);
    assert.equal(mm.kv.has(KEY), false);
    assert.deepEqual(await l.read(KEY), []);
  });

  it('past inlineMax the list moves into shards, keeping every id and their order', async () => {
    const mm = new MemoryMattermost();
    const l = lists(mm, {inlineMax: 5, shards: 4});
    const all = ids(12);
    for (const id of all.slice(0, 5)) await l.add(KEY, id);
    assert.ok(Array.isArray(stored(mm, KEY)), 'still inline at inlineMax');
    for (const id of all.slice(5)) await l.add(KEY, id);
    assert.deepEqual(stored(mm, KEY), {v: 2, shards: 4});
    assert.deepEqual(await l.read(KEY), all);
    for (const id of all) {
      const shard = stored(mm, shardKey(KEY, shardOf(id, 4))) as {ids: string[]; at: number[]};
      assert.equal(shard.ids.filter((x) => x === id).length, 1, 'each id in its own shard, once');
      assert.equal(shard.at.length, shard.ids.length);
    }
    // Adding again changes nothing; removing takes the id out of its shard only.
    await l.add(KEY, all[7]!);
    await l.remove(KEY, all[2]!);
    await l.remove(KEY, all[9]!);
    assert.deepEqual(await l.read(KEY), all.filter((_, i) => i !== 2 && i !== 9));
  });

  it('changing one id of a large list rewrites one shard, not the list', async () => {
    const mm = new MemoryMattermost();
    const l = lists(mm, {inlineMax: 100, shards: 16});
    for (const id of ids(2000)) await l.add(KEY, id);
    const listBytes = [...mm.kv].filter(([k]) => k.startsWith(KEY)).reduce((n, [, e]) => n + e.value.length, 0);
    const mark = mm.calls.length;
    const id = newId();
    await l.add(KEY, id);
    await l.remove(KEY, id);
    const written = writes(mm, mark);
    assert.deepEqual([...written.keys()], [shardKey(KEY, shardOf(id, 16))]);
    const bytes = [...written.values()].reduce((a, b) => a + b, 0);
    // Two writes of one shard of 16: about an eighth of the list, where rewriting it took twice the list.
    assert.ok(bytes < listBytes / 4, `${bytes} bytes written for a list of ${listBytes}`);
    assert.equal((await l.read(KEY)).length, 2000);
  });

  it('reads an inline list longer than inlineMax as it is, and shards it on the next change', async () => {
    const mm = new MemoryMattermost();
    const before = ids(30);
    // As an older version, or a bulk load, left it.
    mm.kv.set(KEY, {value: new TextEncoder().encode(JSON.stringify(before)), expiresAt: null});
    const l = lists(mm, {inlineMax: 10, shards: 4});
    assert.deepEqual(await l.read(KEY), before);
    const extra = newId();
    await l.add(KEY, extra);
    assert.deepEqual(stored(mm, KEY), {v: 2, shards: 4});
    assert.deepEqual(await l.read(KEY), [...before, extra]);
  });

  it('a move left half-way is read whole and finished by the next writer', async () => {
    const mm = new MemoryMattermost();
    const moved = ids(8);
    // The mover swapped the head and stopped before merging its ids into the shards.
    mm.kv.set(KEY, {value: new TextEncoder().encode(JSON.stringify({v: 2, shards: 4, moving: moved})), expiresAt: null});
    const l = lists(mm, {inlineMax: 5, shards: 4});
    assert.deepEqual(await l.read(KEY), moved);
    await l.remove(KEY, moved[3]!);
    assert.deepEqual(stored(mm, KEY), {v: 2, shards: 4});
    assert.deepEqual(await l.read(KEY), moved.filter((_, i) => i !== 3));
  });

  it('two nodes adding and removing at once, across the move, lose nothing', async () => {
    const mm = new MemoryMattermost();
    const node1 = lists(mm, {inlineMax: 8, shards: 4});
    const node2 = lists(mm, {inlineMax: 8, shards: 4});
    const kept = ids(20);
    const dropped = ids(6);
    for (const id of dropped) await node1.add(KEY, id);
    await Promise.all([
      ...kept.map((id, i) => (i % 2 ? node1 : node2).add(KEY, id)),
      ...dropped.map((id, i) => (i % 2 ? node2 : node1).remove(KEY, id)),
    ]);
    assert.deepEqual(stored(mm, KEY), {v: 2, shards: 4});
    assert.deepEqual([...(await node2.read(KEY))].sort(), [...kept].sort());
  });

  it('idListValues lays a list out as adding its ids one by one does', async () => {
    for (const n of [0, 3, 40]) {
      const mm = new MemoryMattermost();
      const l = lists(mm, {inlineMax: 10, shards: 4});
      const all = ids(n);
      for (const id of all) await l.add(KEY, id);
      const bulk = idListValues(KEY, all, {inlineMax: 10, shards: 4});
      const one = new MemoryMattermost();
      for (const [k, v] of bulk) one.kv.set(k, {value: v, expiresAt: null});
      assert.deepEqual(await lists(one, {inlineMax: 10, shards: 4}).read(KEY), all);
      assert.deepEqual([...bulk.keys()].sort(), [...mm.kv.keys()].sort());
    }
  });

  it('refuses a head it does not understand instead of treating it as empty', async () => {
    const mm = new MemoryMattermost();
    mm.kv.set(KEY, {value: new TextEncoder().encode('{"v":3}'), expiresAt: null});
    const l = lists(mm);
    await assert.rejects(l.read(KEY), /layout this version does not know/);
    await assert.rejects(l.add(KEY, newId()), /layout this version does not know/);
    assert.equal(dec.decode(mm.kv.get(KEY)!.value), '{"v":3}');
  });
});
