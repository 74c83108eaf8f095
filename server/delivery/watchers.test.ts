import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {fakeClock} from './testdata/support.js';
import {DeliveryWatchers, WATCH_TTL_MS, type WatchNotice} from './watchers.js';

const decode = (data: Uint8Array): WatchNotice => JSON.parse(Buffer.from(data).toString('utf8')) as WatchNotice;
const notice = (n: WatchNotice): Uint8Array => Buffer.from(JSON.stringify(n));

describe('delivery watchers', () => {
  it('keeps a watch until it expires or ends, and tells the other nodes', async () => {
    const clock = fakeClock();
    const told: WatchNotice[] = [];
    const w = new DeliveryWatchers({now: clock.now, announce: async (data) => void told.push(decode(data))});
    assert.equal(w.watching('h1'), false);
    assert.equal(await w.watch('h1', 'alice'), WATCH_TTL_MS);
    await w.watch('h1', 'bob');
    await w.watch('h2', 'bob');
    assert.deepEqual([w.watching('h1'), w.usersOf('h1').sort(), w.usersOf('h2'), w.watching('h3')], [true, ['alice', 'bob'], ['bob'], false]);

    clock.advance(WATCH_TTL_MS - 1);
    await w.watch('h1', 'alice'); // renewed
    clock.advance(1);
    assert.deepEqual([w.usersOf('h1'), w.watching('h2')], [['alice'], false], 'unrenewed watches lapse');

    await w.unwatch('h1', 'alice');
    assert.equal(w.watching('h1'), false);
    assert.deepEqual(told, [
      {hook_id: 'h1', user_id: 'alice', ttl_ms: WATCH_TTL_MS},
      {hook_id: 'h1', user_id: 'bob', ttl_ms: WATCH_TTL_MS},
      {hook_id: 'h2', user_id: 'bob', ttl_ms: WATCH_TTL_MS},
      {hook_id: 'h1', user_id: 'alice', ttl_ms: WATCH_TTL_MS},
      {hook_id: 'h1', user_id: 'alice', ttl_ms: 0},
    ]);
  });

  it('applies what another node announces, on its own clock, and ignores malformed notices', () => {
    const clock = fakeClock();
    const here = new DeliveryWatchers({now: clock.now});
    here.remote(notice({hook_id: 'h1', user_id: 'alice', ttl_ms: 10 * WATCH_TTL_MS}));
    here.remote(notice({hook_id: 'h1', user_id: 'bob', ttl_ms: 1000}));
    for (const bad of [undefined, Buffer.from('{'), Buffer.from('[]'), notice({hook_id: '', user_id: 'x', ttl_ms: 1000}), Buffer.from(JSON.stringify({hook_id: 'h1', user_id: 'eve', ttl_ms: 'long'})), Buffer.from(JSON.stringify({hook_id: 'h1', user_id: 'x'.repeat(65), ttl_ms: 1000})), Buffer.alloc(2000, 32)]) {
      assert.doesNotThrow(() => here.remote(bad));
    }
    assert.deepEqual(here.usersOf('h1').sort(), ['alice', 'bob']);
    clock.advance(1000);
    assert.deepEqual(here.usersOf('h1'), ['alice']);
    clock.advance(WATCH_TTL_MS);
    assert.deepEqual(here.usersOf('h1'), [], 'a remote time to live is capped at the usual one');
    here.remote(notice({hook_id: 'h1', user_id: 'carol', ttl_ms: 1000}));
    here.remote(notice({hook_id: 'h1', user_id: 'carol', ttl_ms: 0}));
    assert.equal(here.watching('h1'), false);
  });

  it('holds at most maxWatches, letting the ones expiring first go; a deleted hook takes its watches along', async () => {
    const clock = fakeClock();
    const w = new DeliveryWatchers({now: clock.now, maxWatches: 3});
    await w.watch('h1', 'a');
    clock.advance(10);
    await w.watch('h1', 'b');
    await w.watch('h2', 'c');
    clock.advance(10);
    await w.watch('h2', 'd');
    assert.deepEqual([w.usersOf('h1'), w.usersOf('h2').sort()], [['b'], ['c', 'd']]);
    w.forgetHook('h2');
    assert.equal(w.watching('h2'), false);
    await w.watch('h3', 'e');
    await w.watch('h3', 'f');
    assert.deepEqual([w.usersOf('h1'), w.usersOf('h3').sort()], [['b'], ['e', 'f']], 'room was left by the forgotten hook');
  });
});
