import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ClusterEventSendOptions} from '../mattermost/api.js';
import {call, createIncoming, makeWorld, type World} from '../http/test-kit.js';
import {IncomingHookCache} from './incoming-cache.js';
import type {IncomingHook} from './model.js';

function hook(id: string, enabled = true): IncomingHook {
  return {id, enabled} as IncomingHook;
}

/** A load whose answers the test releases one by one. */
function controlledLoad(): {load: (id: string) => Promise<IncomingHook | null>; calls: string[]; answer: (h: IncomingHook | null) => void} {
  const waiting: ((h: IncomingHook | null) => void)[] = [];
  const calls: string[] = [];
  return {
    calls,
    load: (id) => {
      calls.push(id);
      return new Promise((resolve) => waiting.push(resolve));
    },
    answer: (h) => waiting.shift()!(h),
  };
}

describe('incoming hook cache', () => {
  it('reads a hook once, serves it from memory, and reads again after the TTL', async () => {
    let now = 1000;
    let loads = 0;
    const cache = new IncomingHookCache(async (id) => (loads++, hook(id)), {ttlMs: 5000, now: () => now});
    assert.equal((await cache.get('a'))?.id, 'a');
    assert.equal((await cache.get('a'))?.id, 'a');
    assert.equal(loads, 1);
    now += 4999;
    await cache.get('a');
    assert.equal(loads, 1);
    now += 1;
    await cache.get('a');
    assert.equal(loads, 2);
  });

  it('shares one read between concurrent requests, and keeps no unknown ids', async () => {
    const c = controlledLoad();
    const cache = new IncomingHookCache(c.load);
    const both = Promise.all([cache.get('x'), cache.get('x')]);
    c.answer(null);
    assert.deepEqual(await both, [null, null]);
    assert.deepEqual(c.calls, ['x']);
    const again = cache.get('x');
    c.answer(null);
    await again;
    assert.deepEqual(c.calls, ['x', 'x'], 'an unknown id is read each time');
    assert.equal(cache.size, 0);
  });

  it('never keeps what a read started before a change returned, and later requests do not join that read', async () => {
    const c = controlledLoad();
    const cache = new IncomingHookCache(c.load);
    const before = cache.get('h');
    cache.forget('h'); // the hook was switched off while the read was on its way
    const after = cache.get('h');
    assert.deepEqual(c.calls, ['h', 'h'], 'the request after the change reads again');
    c.answer(hook('h', true)); // the old state
    c.answer(hook('h', false)); // the new state
    assert.equal((await before)?.enabled, true);
    assert.equal((await after)?.enabled, false);
    assert.equal((await cache.get('h'))?.enabled, false, 'only the new state is kept');
    assert.equal(c.calls.length, 2);
  });

  it('forgets everything on clear, drops the oldest beyond max, and keeps no failed read', async () => {
    let fail = false;
    const cache = new IncomingHookCache(async (id) => {
      if (fail) throw new Error('kv down');
      return hook(id);
    }, {max: 2});
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    assert.equal(cache.size, 2);
    cache.clear();
    assert.equal(cache.size, 0);
    fail = true;
    await assert.rejects(cache.get('d'), /kv down/);
    fail = false;
    assert.equal((await cache.get('d'))?.id, 'd');
  });
});

describe('incoming hooks served from memory', () => {
  const post = (w: World, id: string) => call(w.plugin, {method: 'POST', path: `/hooks/${id}`, body: '{"text":"hi"}'});
  const kvReads = (w: World, id: string): (() => number) => {
    let n = 0;
    const get = w.mm.kvGet.bind(w.mm);
    w.mm.kvGet = async (key: string) => {
      if (key.endsWith(id)) n++;
      return get(key);
    };
    return () => n;
  };

  it('reads the hook from the store once for many requests', async () => {
    const w = await makeWorld();
    const id = String((await createIncoming(w)).id);
    const reads = kvReads(w, id);
    for (let i = 0; i < 5; i++) assert.equal((await post(w, id)).status, 200);
    assert.equal(reads(), 1);
  });

  it('refuses a hook right after it is switched off or deleted on this node', async () => {
    const w = await makeWorld();
    const id = String((await createIncoming(w)).id);
    assert.equal((await post(w, id)).status, 200);
    const hook = (await call(w.plugin, {path: `/api/v1/hooks/incoming/${id}`, userId: w.admin.Id})).json as Record<string, unknown>;
    await call(w.plugin, {method: 'PUT', path: `/api/v1/hooks/incoming/${id}`, userId: w.admin.Id, body: {...hook, enabled: false}});
    assert.equal((await post(w, id)).status, 403);
    await call(w.plugin, {method: 'PUT', path: `/api/v1/hooks/incoming/${id}`, userId: w.admin.Id, body: {...hook, enabled: true}});
    assert.equal((await post(w, id)).status, 200);
    await call(w.plugin, {method: 'DELETE', path: `/api/v1/hooks/incoming/${id}`, userId: w.admin.Id});
    assert.equal((await post(w, id)).status, 400);
  });

  it('refuses a hook another node switched off as soon as its cluster event arrives', async () => {
    const n1 = await makeWorld();
    const n2 = await makeWorld({mm: n1.mm});
    const events: {id: string; data: Uint8Array}[] = [];
    n1.mm.publishPluginClusterEvent = async (id: string, data: Uint8Array, _options?: ClusterEventSendOptions) => {
      events.push({id, data});
    };
    const id = String((await createIncoming(n1)).id);
    assert.equal((await post(n2, id)).status, 200, 'n2 now holds the hook in memory');
    const hook = (await call(n1.plugin, {path: `/api/v1/hooks/incoming/${id}`, userId: n1.admin.Id})).json as Record<string, unknown>;
    await call(n1.plugin, {method: 'PUT', path: `/api/v1/hooks/incoming/${id}`, userId: n1.admin.Id, body: {...hook, enabled: false}});
    assert.equal((await post(n1, id)).status, 403);
    const reads = kvReads(n2, id);
    for (const e of events.splice(0)) await n2.plugin.onPluginClusterEvent({}, {Id: e.id, Data: e.data});
    assert.equal((await post(n2, id)).status, 403);
    assert.equal(reads(), 1, 'the change made n2 read the hook again');
  });

  it('starts over after a full index rebuild (a change may have been missed)', async () => {
    const w = await makeWorld();
    const id = String((await createIncoming(w)).id);
    assert.equal((await post(w, id)).status, 200);
    const reads = kvReads(w, id);
    const sync = (w.plugin as unknown as {wired: {sync: {rebuild(): Promise<void>}}}).wired.sync;
    await sync.rebuild();
    assert.equal((await post(w, id)).status, 200);
    assert.equal(reads(), 1);
  });
});

describe('channel and owner looked up together', () => {
  const send = (w: World, id: string, body: object) => call(w.plugin, {method: 'POST', path: `/hooks/${id}`, body});

  it('answers in Mattermost order: an unknown channel before a missing owner, a missing owner before posting', async () => {
    const w = await makeWorld();
    const id = String((await createIncoming(w, {channel_locked: false}, w.admin.Id)).id);
    // The owner goes away: the hook is admin's, so take admin's record out of the store.
    const admin = w.mm.users.get(w.admin.Id)!;
    w.mm.users.delete(w.admin.Id);
    const unknownChannel = await send(w, id, {text: 'hi', channel: 'nope'});
    assert.deepEqual([unknownChannel.status, (unknownChannel.json as {id: string}).id], [404, 'web.incoming_webhook.channel.app_error']);
    const noOwner = await send(w, id, {text: 'hi'});
    assert.deepEqual([noOwner.status, (noOwner.json as {id: string}).id], [403, 'web.incoming_webhook.user.app_error']);
    assert.equal([...w.mm.posts.values()].length, 0);
    w.mm.users.set(admin.Id, admin);
    assert.equal((await send(w, id, {text: 'hi'})).status, 200);
  });

  it('asks for the channel and the owner once each, both before the payload is judged, and at most once a second', async () => {
    const w = await makeWorld();
    const id = String((await createIncoming(w)).id);
    const lookups = (from: number): string[] => w.mm.calls.slice(from).map((c) => c.method).filter((m) => m === 'GetChannel' || m === 'GetUser' || m === 'CreatePost');
    let before = w.mm.calls.length;
    assert.equal((await send(w, id, {text: 'first'})).status, 200);
    assert.deepEqual(lookups(before), ['GetChannel', 'GetUser', 'CreatePost']);
    before = w.mm.calls.length;
    for (let i = 0; i < 5; i++) assert.equal((await send(w, id, {text: `again ${i}`})).status, 200);
    assert.deepEqual(lookups(before), Array(5).fill('CreatePost'), 'answered from the recent reads');
    await new Promise((r) => setTimeout(r, 1050));
    before = w.mm.calls.length;
    assert.equal((await send(w, id, {text: 'later'})).status, 200);
    assert.deepEqual(lookups(before), ['GetChannel', 'GetUser', 'CreatePost'], 'read again a second later');
  });
});
