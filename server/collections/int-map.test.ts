import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {IntMap} from './int-map.js';

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

type Gc = (options?: {type?: 'minor' | 'major'}) => void;

function gcFunction(): Gc {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Gc;
}

describe('IntMap', () => {
  it('behaves like a Map under random inserts, updates and deletes', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const next = random(seed);
      const ours = new IntMap<number>();
      const ref = new Map<number, number>();
      // Keys from a small range collide and reuse slots; some are far beyond 32 bits.
      const key = (): number => (next() < 0.9 ? Math.floor(next() * 300) : Math.floor(next() * Number.MAX_SAFE_INTEGER));
      for (let op = 0; op < 20000; op++) {
        const k = key();
        const r = next();
        if (r < 0.5) {
          ours.set(k, op);
          ref.set(k, op);
        } else if (r < 0.9) {
          assert.equal(ours.delete(k), ref.delete(k), `seed ${seed} op ${op}: delete ${k}`);
        } else {
          assert.equal(ours.get(k), ref.get(k), `seed ${seed} op ${op}: get ${k}`);
          assert.equal(ours.has(k), ref.has(k));
        }
        assert.equal(ours.size, ref.size);
      }
      for (const [k, v] of ref) assert.equal(ours.get(k), v, `seed ${seed}: ${k} after the run`);
      assert.deepEqual([...ours.entries()].sort((a, b) => a[0] - b[0]), [...ref.entries()].sort((a, b) => a[0] - b[0]));
      assert.deepEqual([...ours.values()].sort((a, b) => a - b), [...ref.values()].sort((a, b) => a - b));
    }
  });

  it('keeps its lookups right across growth and long delete chains', () => {
    const m = new IntMap<string>();
    // Stream ids count up by 2; thousands open, then closed out of order.
    for (let id = 1; id < 20000; id += 2) m.set(id, `s${id}`);
    assert.equal(m.size, 10000);
    for (let id = 1; id < 20000; id += 6) assert.ok(m.delete(id));
    for (let id = 1; id < 20000; id += 2) assert.equal(m.get(id), (id - 1) % 6 === 0 ? undefined : `s${id}`);
    assert.equal(m.delete(1), false);
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.get(3), undefined);
    assert.deepEqual([...m.values()], []);
  });

  it('refuses keys that are not non-negative safe integers', () => {
    const m = new IntMap<number>();
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) assert.throws(() => m.set(bad, 0), RangeError, String(bad));
    assert.equal(m.get(-1), undefined);
    assert.equal(m.delete(Number.NaN), false);
  });

  it('lets a deleted young value die young, where a Map has it promoted', () => {
    // The reason the table exists: an entry that turned over must not be kept
    // alive by a table left behind, or the young-generation collector promotes
    // it, and what it points to, to the old generation.
    const gc = gcFunction();
    const oldSpace = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
    const promoted = (m: {set(key: number, value: object): unknown; delete(key: number): boolean}): number => {
      for (let id = 0; id < 64; id++) m.set(id, {id});
      gc();
      gc(); // the table is in the old generation now, like that of any long-lived session
      const before = oldSpace();
      let id = 64;
      // 64 young values of 16 KiB each...
      for (; id < 128; id++) m.set(id, {id, payload: new Array<number>(2048).fill(id + 0.5)});
      // ...turnover, as with streams: many more inserts and deletes than the table holds...
      for (; id < 5000; id++) {
        m.set(id, {id});
        m.delete(id - 40);
      }
      // ...and the 64 are gone from the table.
      for (let k = 64; k < 128; k++) m.delete(k);
      gc({type: 'minor'});
      gc({type: 'minor'}); // what survived the first is promoted by the second
      return oldSpace() - before;
    };
    const map = promoted(new Map<number, object>());
    // Whatever else the process allocates meanwhile (the test runner's own work)
    // can be promoted too: the least of three tries is the table's share.
    const ours = Math.min(...[0, 1, 2].map(() => promoted(new IntMap<object>())));
    assert.ok(map > 512 * 1024, `the check itself: a Map had only ${map} bytes promoted`);
    assert.ok(ours < 256 * 1024, `${ours} bytes promoted to the old generation`);
  });
});
