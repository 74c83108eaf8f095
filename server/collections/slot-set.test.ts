import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {getHeapSpaceStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {SlotSet, trackUntilSettled} from './slot-set.js';

type Gc = (options?: {type?: 'minor' | 'major'}) => void;

describe('SlotSet', () => {
  it('adds, removes by slot and reuses freed slots', () => {
    const s = new SlotSet<string>();
    const a = s.add('a');
    const b = s.add('b');
    const c = s.add('c');
    assert.equal(s.size, 3);
    assert.ok(s.delete(b));
    assert.equal(s.delete(b), false, 'a slot is freed once');
    assert.deepEqual(s.toArray(), ['a', 'c']);
    const d = s.add('d');
    assert.equal(d, b, 'the freed slot is taken again');
    assert.deepEqual(s.toArray().sort(), ['a', 'c', 'd']);
    assert.ok(s.delete(a) && s.delete(c) && s.delete(d));
    assert.equal(s.size, 0);
    assert.deepEqual(s.toArray(), []);
    assert.equal(s.delete(99), false);
    assert.throws(() => s.add(undefined as unknown as string), TypeError);
  });

  it('holds work until it settles, fulfilled or rejected', async () => {
    const s = new SlotSet<Promise<unknown>>();
    let resolve!: (v: number) => void;
    let reject!: (e: Error) => void;
    const ok = trackUntilSettled(s, new Promise<number>((r) => (resolve = r)));
    const bad = trackUntilSettled(s, new Promise<number>((_r, j) => (reject = j)));
    bad.catch(() => undefined);
    assert.equal(s.size, 2);
    resolve(1);
    assert.equal(await ok, 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(s.size, 1);
    reject(new Error('no'));
    await assert.rejects(bad, /no/);
    await new Promise((r) => setImmediate(r));
    assert.equal(s.size, 0);
  });

  it('lets finished work die young, where a Set has it promoted', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as Gc;
    const oldSpace = (): number => getHeapSpaceStatistics().find((x) => x.space_name === 'old_space')!.space_used_size;
    const promoted = (add: (v: object) => () => void): number => {
      const keep: (() => void)[] = [];
      for (let i = 0; i < 64; i++) keep.push(add({i}));
      gc();
      gc(); // the set is in the old generation now, like a plugin's
      const before = oldSpace();
      const removers: (() => void)[] = [];
      // 64 young members of 16 KiB each, then turnover, then the 64 are gone.
      for (let i = 0; i < 64; i++) removers.push(add({i, payload: new Array<number>(2048).fill(i + 0.5)}));
      const window: (() => void)[] = [];
      for (let i = 0; i < 5000; i++) {
        window.push(add({i}));
        if (window.length > 40) window.shift()!();
      }
      for (const r of removers) r();
      gc({type: 'minor'});
      gc({type: 'minor'});
      return oldSpace() - before;
    };
    const set = new Set<object>();
    const bySet = promoted((v) => {
      set.add(v);
      return () => set.delete(v);
    });
    // Whatever else the process allocates meanwhile (the test runner's own work)
    // can be promoted too: the least of three tries is the table's share.
    const bySlots = Math.min(
      ...[0, 1, 2].map(() => {
        const slots = new SlotSet<object>();
        return promoted((v) => {
          const slot = slots.add(v);
          return () => slots.delete(slot);
        });
      }),
    );
    assert.ok(bySet > 512 * 1024, `the check itself: a Set had only ${bySet} bytes promoted`);
    assert.ok(bySlots < 256 * 1024, `${bySlots} bytes promoted to the old generation`);
  });
});
