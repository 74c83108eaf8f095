import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {FairScheduler} from './scheduler.js';

describe('FairScheduler', () => {
  it('alternates hooks, keeps each hook first-in first-out and honours the per-hook cap', () => {
    const s = new FairScheduler<string>(2);
    for (let i = 0; i < 4; i++) s.add('busy', `b${i}`);
    s.add('quiet', 'q0');
    assert.equal(s.size, 5);
    const taken = [s.take(), s.take(), s.take()].map((t) => t?.job);
    assert.deepEqual(taken, ['b0', 'q0', 'b1']);
    // busy has two running: at its cap, so nothing is runnable.
    assert.equal(s.take(), null);
    s.done('busy');
    assert.equal(s.take()?.job, 'b2');
    s.done('busy');
    s.done('busy');
    assert.equal(s.take()?.job, 'b3');
    assert.equal(s.size, 0);
    assert.equal(s.take(), null);
  });

  it('clear() drops waiting jobs only', () => {
    const s = new FairScheduler<number>(1);
    s.add('h', 1);
    s.add('h', 2);
    s.add('k', 3);
    assert.equal(s.take()?.job, 1);
    assert.deepEqual(s.clear().sort(), [2, 3]);
    assert.equal(s.size, 0);
    s.add('h', 4);
    assert.equal(s.take(), null, 'h still has one running');
    s.done('h');
    assert.equal(s.take()?.job, 4);
  });

  it('keeps order through a long backlog', () => {
    const s = new FairScheduler<number>(1);
    for (let i = 0; i < 5000; i++) s.add('h', i);
    const out: number[] = [];
    for (let t = s.take(); t; t = s.take()) {
      out.push(t.job);
      s.done('h');
    }
    assert.deepEqual(out, Array.from({length: 5000}, (_, i) => i));
  });
});
