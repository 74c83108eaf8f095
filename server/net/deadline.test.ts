import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Deadline} from './deadline.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Deadline', () => {
  it('aborts with its reason when the time is up, telling each listener once', async () => {
    const d = new Deadline(5, () => new Error('too slow'));
    let told = 0;
    const listener = (): void => void told++;
    d.addEventListener('abort', listener, {once: true});
    assert.equal(d.aborted, false);
    await tick(30);
    assert.equal(d.aborted, true);
    assert.equal((d.reason as Error).message, 'too slow');
    d.abort(new Error('again'));
    assert.equal(told, 1);
    assert.equal((d.reason as Error).message, 'too slow');
  });

  it('tells no listener that was removed, and nothing after finish()', async () => {
    const a = new Deadline(5, () => new Error('late'));
    let told = 0;
    const listener = (): void => void told++;
    a.addEventListener('abort', listener);
    a.removeEventListener('abort', listener);
    const b = new Deadline(5, () => new Error('late'));
    b.addEventListener('abort', listener);
    b.finish();
    await tick(30);
    assert.equal(told, 0);
    assert.equal(a.aborted, true);
    assert.equal(b.aborted, false, 'a finished exchange has no deadline left');
  });
});
