import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import type {ClusterEventSendOptions} from '../mattermost/api.js';
import {call, createOutgoing, makeWorld, type World, type WorldOptions} from '../http/test-kit.js';
import type {DeliveryService} from './delivery.js';
import {HookError} from './errors.js';
import {IdLists} from './id-list.js';
import {CLUSTER_EVENT_ID} from './index-sync.js';
import {CHANGE_PREFIX, HookStore, hookKey, VERSION_KEY} from './store.js';
import {makeHook} from './test-fixtures.js';

const noWait = async (): Promise<void> => {};

describe('hook store', () => {
  it('keeps secondary indexes by team, channel and creator', async () => {
    const mm = new MemoryMattermost();
    const store = new HookStore(mm, {backoff: noWait});
    const a = makeHook({channel_id: 'chan0000000000000000000001', creator_id: 'user0000000000000000000001'});
    const b = makeHook({creator_id: 'user0000000000000000000002'});
    const c = makeHook({team_id: 'team0000000000000000000009', creator_id: 'user0000000000000000000001'});
    for (const h of [a, b, c]) await store.createOutgoing(h);
    const ids = (list: {id: string}[]) => list.map((h) => h.id);
    assert.deepEqual(ids(await store.listOutgoing({teamId: a.team_id}, 0, 10)), [a.id, b.id]);
    assert.deepEqual(ids(await store.listOutgoing({channelId: a.channel_id}, 0, 10)), [a.id]);
    assert.deepEqual(ids(await store.listOutgoing({creatorId: a.creator_id}, 0, 10)), [a.id, c.id]);
    assert.deepEqual(ids(await store.listOutgoing({creatorId: a.creator_id, teamId: a.team_id}, 0, 10)), [a.id]);
    assert.deepEqual(ids(await store.listOutgoing({}, 1, 2)), [c.id]);
    assert.ok(mm.kv.has('hb_ix_out_team_team0000000000000000000001'));
    assert.ok(mm.kv.has('hb_ix_out_chan_chan0000000000000000000001'));
    assert.ok(mm.kv.has('hb_ix_out_user_user0000000000000000000001'));

    // Moving channels and deleting keep the indexes exact.
    await store.updateOutgoing(a.id, (h) => ({...h, channel_id: 'chan0000000000000000000002'}));
    assert.deepEqual(ids(await store.listOutgoing({channelId: 'chan0000000000000000000001'}, 0, 10)), []);
    assert.deepEqual(ids(await store.listOutgoing({channelId: 'chan0000000000000000000002'}, 0, 10)), [a.id]);
    await store.deleteOutgoing(a.id);
    assert.equal(await store.getOutgoing(a.id), null);
    assert.equal(mm.kv.has('hb_ix_out_chan_chan0000000000000000000002'), false);
    assert.equal(await store.version(), 5);
  });

  it('two nodes changing the same hook at once lose no update (compare-and-set, retried)', async () => {
    const mm = new MemoryMattermost();
    const node1 = new HookStore(mm, {backoff: noWait});
    const node2 = new HookStore(mm, {backoff: noWait});
    const hook = makeHook({trigger_words: []});
    await node1.createOutgoing(hook);
    const n = 20;
    await Promise.all(
      Array.from({length: n}, (_, i) => (i % 2 ? node1 : node2).updateOutgoing(hook.id, (h) => ({...h, trigger_words: [...h.trigger_words, `w${i}`]}))),
    );
    const stored = (await node2.getOutgoing(hook.id))!;
    assert.deepEqual([...stored.trigger_words].sort(), Array.from({length: n}, (_, i) => `w${i}`).sort());
    assert.ok(node1.conflicts + node2.conflicts > 0, 'the race was real');
    assert.equal(await node1.version(), n + 1);
  });

  it('concurrent creates on two nodes all land in the shared indexes', async () => {
    const mm = new MemoryMattermost();
    // The default jittered backoff: without it 30 writers can starve one another.
    const nodes = [new HookStore(mm), new HookStore(mm)];
    const hooks = Array.from({length: 30}, () => makeHook());
    await Promise.all(hooks.map((h, i) => nodes[i % 2]!.createOutgoing(h)));
    assert.equal((await nodes[0]!.allOutgoing()).length, 30);
    assert.equal(await nodes[1]!.version(), 30);
  });

  it('keeps its indexes exact once their lists are split into shards, on two nodes at once', async () => {
    const mm = new MemoryMattermost();
    const lists = {inlineMax: 4, shards: 3};
    const nodes = [new HookStore(mm, {lists}), new HookStore(mm, {lists})];
    const user = (n: number): string => `user${String(n).padStart(22, '0')}`;
    const hooks = Array.from({length: 16}, (_, i) => makeHook({channel_id: chan(i % 2), creator_id: user(i % 3)}));
    await Promise.all(hooks.map((h, i) => nodes[i % 2]!.createOutgoing(h)));
    // Lists past four ids are sharded: the whole team's, and those of both channels and every creator.
    assert.deepEqual(JSON.parse(new TextDecoder().decode(mm.kv.get(`hb_ix_out_team_${hooks[0]!.team_id}`)!.value)), {v: 2, shards: 3});
    // Half of one channel's hooks move to a third channel, and every fourth hook is deleted.
    await Promise.all(hooks.filter((_, i) => i % 4 === 1).map((h, i) => nodes[i % 2]!.updateOutgoing(h.id, (x) => ({...x, channel_id: chan(2)}))));
    await Promise.all(hooks.filter((_, i) => i % 4 === 0).map((h, i) => nodes[i % 2]!.deleteOutgoing(h.id)));
    const kept = hooks.map((h, i) => (i % 4 === 1 ? {...h, channel_id: chan(2)} : h)).filter((_, i) => i % 4 !== 0);
    const expectIds = (pred: (h: (typeof kept)[number]) => boolean): string[] => kept.filter(pred).map((h) => h.id).sort();
    const ids = (list: {id: string}[]): string[] => list.map((h) => h.id).sort();
    for (const node of nodes) {
      assert.deepEqual(ids(await node.listOutgoing({teamId: hooks[0]!.team_id}, 0, 100)), expectIds(() => true), 'the team');
      for (const c of [0, 1, 2]) assert.deepEqual(ids(await node.listOutgoing({channelId: chan(c)}, 0, 100)), expectIds((h) => h.channel_id === chan(c)), `channel ${c}`);
      for (const u of [0, 1, 2]) assert.deepEqual(ids(await node.listOutgoing({creatorId: user(u)}, 0, 100)), expectIds((h) => h.creator_id === user(u)), `creator ${u}`);
      const seen: {id: string}[] = [];
      assert.equal(await node.eachOutgoing((h) => seen.push(h)), 12);
      assert.deepEqual(ids(seen), expectIds(() => true));
    }
    // The lists themselves, not only what listing filters out of them, name exactly the live hooks.
    const raw = new IdLists(mm, (key, mutate) => nodes[0]!.cas(key, mutate), lists);
    for (const c of [0, 1, 2]) assert.deepEqual([...(await raw.read(`hb_ix_out_chan_${chan(c)}`))].sort(), expectIds((h) => h.channel_id === chan(c)), `channel ${c}'s list`);
    assert.deepEqual([...(await raw.read('hb_ix_out_all'))].sort(), expectIds(() => true));
  });

  it('a page is a window of its list: a deep page reads its own hooks, and ids whose hook is gone are passed over', async () => {
    const mm = new MemoryMattermost();
    const store = new HookStore(mm, {backoff: noWait});
    const mine = 'user0000000000000000000001';
    const hooks = Array.from({length: 40}, (_, i) => makeHook({creator_id: i % 2 ? mine : 'user0000000000000000000002'}));
    for (const h of hooks) await store.createOutgoing(h);
    const team = {teamId: hooks[0]!.team_id};
    const ids = (list: {id: string}[]): string[] => list.map((h) => h.id);
    const hookReads = (): number => mm.callsTo('KVGet').filter((c) => String(c.args[0]).startsWith('hb_out_')).length;

    const pages: string[] = [];
    for (let p = 0; p < 4; p++) pages.push(...ids(await store.listOutgoing(team, p, 10)));
    assert.deepEqual(pages, ids(hooks));
    const before = hookReads();
    assert.deepEqual(ids(await store.listOutgoing(team, 3, 10)), ids(hooks.slice(30)));
    assert.equal(hookReads() - before, 10, 'page 3 reads its ten hooks, not the thirty before it');
    assert.deepEqual(await store.listOutgoing(team, 4, 10), []);

    // A hook whose record is gone but whose id is still listed (a node stopped between the two).
    mm.kv.delete(hookKey('outgoing', hooks[15]!.id));
    assert.deepEqual(ids(await store.listOutgoing(team, 1, 10)), ids([...hooks.slice(10, 15), ...hooks.slice(16, 21)]), 'filled from past the window');
    assert.deepEqual(ids(await store.listOutgoing(team, 2, 10)), ids(hooks.slice(20, 30)));

    // Two dimensions (a user's own hooks in a team): pages count the hooks that match.
    const own = hooks.filter((_, i) => i % 2 === 1 && i !== 15);
    assert.deepEqual(ids(await store.listOutgoing({...team, creatorId: mine}, 1, 5)), ids(own.slice(5, 10)));
  });

  it('long lists are read once per version while paging, and a hook moved into a channel meanwhile is never missed', async () => {
    const mm = new MemoryMattermost();
    const lists = {inlineMax: 4, shards: 3};
    let clock = 1_000_000;
    const reader = new HookStore(mm, {backoff: noWait, lists, now: () => clock});
    // The writer pauses right after taking a version, when armed.
    const pausing = pausingApi(mm, (key) => key === VERSION_KEY);
    const writer = new HookStore(pausing.api, {backoff: noWait, lists});
    const hooks = Array.from({length: 12}, (_, i) => makeHook({channel_id: chan(i % 2)}));
    for (const h of hooks) await writer.createOutgoing(h);
    const team = {teamId: hooks[0]!.team_id};
    const shardReads = (): number => mm.callsTo('KVGet').filter((c) => /_s\d+$/.test(String(c.args[0]))).length;

    let before = shardReads();
    assert.equal((await reader.listOutgoing(team, 0, 5)).length, 5);
    assert.equal(shardReads() - before, 3, 'the first page reads the shards');
    before = shardReads();
    assert.equal((await reader.listOutgoing(team, 1, 5)).length, 5);
    assert.equal((await reader.listOutgoing(team, 2, 5)).length, 2);
    assert.equal(shardReads() - before, 0, 'the next pages at the same version do not');
    clock += 60_000;
    await reader.listOutgoing(team, 1, 5);
    assert.equal(shardReads() - before, 3, 'nor for a minute');
    const added = makeHook({channel_id: chan(0)});
    await writer.createOutgoing(added);
    assert.ok((await reader.listOutgoing(team, 2, 5)).some((h) => h.id === added.id), "another node's new hook is listed");

    // Moving a hook into channel 1 while the reader lists channel 1 between the version and the hook's write.
    const moved = hooks[0]!;
    const first = pausing.arm();
    const moving = writer.updateOutgoing(moved.id, (h) => ({...h, channel_id: chan(1)}));
    await first.reached;
    assert.ok(!(await reader.listOutgoing({channelId: chan(1)}, 0, 100)).some((h) => h.id === moved.id), 'not there yet');
    first.release();
    await moving;
    const inChannel = await reader.listOutgoing({channelId: chan(1)}, 0, 100);
    assert.deepEqual(inChannel.map((h) => h.id).sort(), [...hooks.filter((h) => h.channel_id === chan(1)), moved].map((h) => h.id).sort());

    // A change whose move depends on another change that lands while it waits: the list it joins late gets a version after the join.
    const second = hooks[2]!;
    const other = new HookStore(mm, {backoff: noWait, lists});
    const longChannel = Array.from({length: 5}, () => makeHook({channel_id: chan(2)}));
    for (const h of longChannel) await other.createOutgoing(h);
    const again = pausing.arm();
    const late = writer.updateOutgoing(second.id, (h) => ({...h, channel_id: h.trigger_words.includes('go') ? chan(2) : h.channel_id}));
    await again.reached;
    await other.updateOutgoing(second.id, (h) => ({...h, trigger_words: ['go']}));
    assert.equal((await reader.listOutgoing({channelId: chan(2)}, 0, 100)).length, 5);
    again.release();
    await late;
    assert.deepEqual(
      (await reader.listOutgoing({channelId: chan(2)}, 0, 100)).map((h) => h.id).sort(),
      [...longChannel, second].map((h) => h.id).sort(),
    );
  });

  it('a hook moved by two nodes at once stays in the list of the channel it ends in', async () => {
    const mm = new MemoryMattermost();
    const hook = makeHook({channel_id: chan(0)});
    // Node A pauses right after writing the hook, before it takes it out of its old channel's list.
    const pausing = pausingApi(mm, (key) => key === hookKey('outgoing', hook.id));
    const a = new HookStore(pausing.api, {backoff: noWait});
    const b = new HookStore(mm, {backoff: noWait});
    await b.createOutgoing(hook);
    const paused = pausing.arm();
    const toOne = a.updateOutgoing(hook.id, (h) => ({...h, channel_id: chan(1)}));
    await paused.reached;
    // B moves it back while A is still to clean up channel 0's list.
    await b.updateOutgoing(hook.id, (h) => ({...h, channel_id: chan(0)}));
    const before = await b.version();
    paused.release();
    await toOne;
    assert.equal((await b.getOutgoing(hook.id))!.channel_id, chan(0));
    assert.deepEqual((await b.listOutgoing({channelId: chan(0)}, 0, 10)).map((h) => h.id), [hook.id], "in channel 0's list");
    assert.deepEqual(await new IdLists(mm, (key, m) => b.cas(key, m)).read(`hb_ix_out_chan_${chan(1)}`), [], "not in channel 1's");
    assert.equal(await b.version(), before + 1, 'putting it back took a version');
  });

  it('gives up with 503 when the race never ends, and 404 for missing hooks', async () => {
    const mm = new MemoryMattermost();
    const store = new HookStore(mm, {backoff: noWait, maxRetries: 3});
    const hook = makeHook();
    await store.createOutgoing(hook);
    const original = mm.kvSetWithOptions.bind(mm);
    mm.kvSetWithOptions = async (key, value, options) => (key === hookKey('outgoing', hook.id) ? false : original(key, value, options));
    await assert.rejects(
      store.updateOutgoing(hook.id, (h) => h),
      (err: unknown) => err instanceof HookError && err.status === 503,
    );
    await assert.rejects(
      store.updateOutgoing('nosuchhook0000000000000000', (h) => h),
      (err: unknown) => err instanceof HookError && err.status === 404,
    );
  });
});

const chan = (n: number): string => `chan${String(n).padStart(22, '0')}`;

/**
 * An API over `mm` that holds back, once armed, the next successful write of a
 * key `at` picks: `arm()` gives when that write has landed, and its release.
 */
function pausingApi(mm: MemoryMattermost, at: (key: string) => boolean): {api: MemoryMattermost; arm(): {reached: Promise<void>; release: () => void}} {
  let armed: {landed: () => void; held: Promise<void>} | null = null;
  const api = Object.create(mm) as MemoryMattermost;
  api.kvSetWithOptions = async (key, value, options) => {
    const ok = await mm.kvSetWithOptions(key, value, options);
    if (ok && armed && at(key)) {
      const {landed, held} = armed;
      armed = null;
      landed();
      await held;
    }
    return ok;
  };
  return {
    api,
    arm() {
      let landed = (): void => {};
      let release = (): void => {};
      const reached = new Promise<void>((resolve) => (landed = resolve));
      armed = {landed, held: new Promise<void>((resolve) => (release = resolve))};
      return {reached, release};
    },
  };
}

/** A node's index sync, whose periodic check the tests run by hand. */
function syncOf(node: World): {check(): Promise<void>; rebuilds: number} {
  return (node.plugin as unknown as {wired: {sync: {check(): Promise<void>; rebuilds: number}}}).wired.sync;
}

/**
 * Two plugin nodes on one Mattermost. Both talk to the same API object, so an
 * event cannot tell its sender; delivering it to the sender too is harmless
 * (it re-reads the store), so every event goes to both.
 */
async function cluster(options: WorldOptions = {}): Promise<{n1: World; n2: World; deliver: () => Promise<void>; dropNext: () => void}> {
  const n1 = await makeWorld(options);
  const n2 = await makeWorld({...options, mm: n1.mm});
  let drop = false;
  const queue: {id: string; data: Uint8Array}[] = [];
  n1.mm.publishPluginClusterEvent = async (id: string, data: Uint8Array, _options?: ClusterEventSendOptions) => {
    if (drop) drop = false;
    else queue.push({id, data});
  };
  const deliver = async (): Promise<void> => {
    while (queue.length) {
      const e = queue.shift()!;
      for (const node of [n1, n2]) await node.plugin.onPluginClusterEvent({}, {Id: e.id, Data: e.data});
    }
    await n1.plugin.idle();
    await n2.plugin.idle();
  };
  return {n1, n2, deliver, dropNext: () => (drop = true)};
}

describe('trigger index coherence across nodes', () => {
  it('a hook created on one node fires on the other after the cluster event', async () => {
    const {n1, n2, deliver} = await cluster();
    const hook = await createOutgoing(n1, {trigger_words: ['deploy']});
    assert.ok(n1.plugin.index.get(String(hook.id)), 'applied at once where it was made');
    assert.equal(n2.plugin.index.get(String(hook.id)), undefined);
    await deliver();
    assert.equal(n2.plugin.index.get(String(hook.id))?.trigger_words[0], 'deploy');

    const put = {...hook, trigger_words: ['ship']};
    assert.equal((await call(n1.plugin, {method: 'PUT', path: `/api/v1/hooks/outgoing/${String(hook.id)}`, userId: n1.admin.Id, body: put})).status, 200);
    await deliver();
    assert.deepEqual(n2.plugin.index.get(String(hook.id))?.trigger_words, ['ship']);
    await call(n1.plugin, {method: 'DELETE', path: `/api/v1/hooks/outgoing/${String(hook.id)}`, userId: n1.admin.Id});
    await deliver();
    assert.equal(n2.plugin.index.size, 0);
  });

  it('the delivery engine of every node hears of each hook change (its copies of hooks go at once), and of a rebuild', async () => {
    const heard = new Map<string, (string | null)[]>();
    let node = 0;
    const spy = (): DeliveryService => {
      const mine: (string | null)[] = [];
      heard.set(`n${++node}`, mine);
      return {deliver: async () => 'x', list: async () => [], get: async () => null, replay: async () => 'x', stats: async () => ({buckets: []}), hookChanged: (id) => void mine.push(id)};
    };
    const {n1, n2, deliver, dropNext} = await cluster({plugin: {delivery: spy}});
    const hook = await createOutgoing(n1, {trigger_words: ['deploy']});
    await deliver();
    await call(n1.plugin, {method: 'PUT', path: `/api/v1/hooks/outgoing/${String(hook.id)}`, userId: n1.admin.Id, body: {...hook, enabled: false}});
    await deliver();
    assert.ok(heard.get('n2')!.filter((id) => id === hook.id).length >= 2, `node 2 heard of the creation and the change: ${JSON.stringify(heard.get('n2'))}`);
    assert.ok(heard.get('n1')!.includes(String(hook.id)));

    // A lost event is repaired from the change's record: node 2 hears of that hook.
    dropNext();
    const other = await createOutgoing(n1, {trigger_words: ['other']});
    const sync = syncOf(n2);
    await sync.check();
    await sync.check();
    assert.equal(heard.get('n2')!.at(-1), other.id);
    // Without the record, the index is rebuilt, and any hook may have changed.
    dropNext();
    await createOutgoing(n1, {trigger_words: ['third']});
    n1.mm.kv.delete(CHANGE_PREFIX + String(await new HookStore(n1.mm).version()));
    await sync.check();
    await sync.check();
    assert.equal(heard.get('n2')!.at(-1), null, 'after a rebuild any hook may have changed');
  });

  it('a lost cluster event is repaired by the version check (after one grace interval), reading only the hook it changed', async () => {
    const {n1, n2, deliver, dropNext} = await cluster();
    const sync = syncOf(n2);
    await n2.plugin.idle(); // the read after activation is a rebuild too
    const rebuildsBefore = sync.rebuilds;
    const kept = await createOutgoing(n1, {trigger_words: ['keep']});
    await deliver();
    dropNext();
    const hook = await createOutgoing(n1, {trigger_words: ['deploy']});
    await sync.check();
    assert.equal(n2.plugin.index.get(String(hook.id)), undefined, 'an event may still be in flight');
    const reads = n1.mm.callsTo('KVGet').length;
    await sync.check();
    assert.ok(n2.plugin.index.get(String(hook.id)), 'read from the store');
    assert.equal(sync.rebuilds, rebuildsBefore, 'no full rebuild');
    // The version, the change's record and the hook: not every hook and list.
    assert.equal(n1.mm.callsTo('KVGet').length - reads, 3);
    assert.ok(n2.plugin.index.get(String(kept.id)));

    // A lost change and a lost deletion are repaired the same way.
    dropNext();
    await call(n1.plugin, {method: 'PUT', path: `/api/v1/hooks/outgoing/${String(hook.id)}`, userId: n1.admin.Id, body: {...hook, trigger_words: ['ship']}});
    dropNext();
    await call(n1.plugin, {method: 'DELETE', path: `/api/v1/hooks/outgoing/${String(kept.id)}`, userId: n1.admin.Id});
    await sync.check();
    await sync.check();
    assert.deepEqual(n2.plugin.index.get(String(hook.id))?.trigger_words, ['ship']);
    assert.equal(n2.plugin.index.get(String(kept.id)), undefined);
    assert.equal(sync.rebuilds, rebuildsBefore);
  });

  it('a node that stops right after writing a hook has taken its version already: other nodes find the hook', async () => {
    const {n1, n2} = await cluster();
    const sync = syncOf(n2);
    await n2.plugin.idle();
    const rebuildsBefore = sync.rebuilds;
    const hook = makeHook({trigger_words: ['deploy']});
    // Every write after the hook's own fails, and no cluster event goes out: the node stopped there.
    const original = n1.mm.kvSetWithOptions.bind(n1.mm);
    let stopped = false;
    n1.mm.kvSetWithOptions = async (key, value, options) => {
      if (stopped) throw new Error('the node stopped');
      const ok = await original(key, value, options);
      if (key === hookKey('outgoing', hook.id)) stopped = true;
      return ok;
    };
    await new HookStore(n1.mm).createOutgoing(hook).catch(() => undefined);
    n1.mm.kvSetWithOptions = original;
    assert.ok(n1.mm.kv.has(hookKey('outgoing', hook.id)), 'the hook was written');
    await sync.check();
    await sync.check();
    assert.ok(n2.plugin.index.get(hook.id), 'found through its version');
    assert.equal(sync.rebuilds, rebuildsBefore);
  });

  it('a lost change without its record (expired, or made by an older version) is repaired by a full rebuild', async () => {
    const {n1, n2, dropNext} = await cluster();
    const sync = syncOf(n2);
    await n2.plugin.idle(); // the read after activation is a rebuild too
    const rebuildsBefore = sync.rebuilds;
    dropNext();
    const hook = await createOutgoing(n1, {trigger_words: ['deploy']});
    const version = await new HookStore(n1.mm).version();
    // The record is kept a day, then expires with the KV store's own clock.
    assert.notEqual(n1.mm.kv.get(CHANGE_PREFIX + String(version))?.expiresAt ?? null, null);
    n1.mm.kv.delete(CHANGE_PREFIX + String(version));
    await sync.check();
    await sync.check();
    assert.ok(n2.plugin.index.get(String(hook.id)), 'rebuilt from the store');
    assert.equal(sync.rebuilds, rebuildsBefore + 1);
    assert.equal(n1.mm.kv.has(VERSION_KEY), true);
  });

  it('events carry no hook data: receivers re-read the store, so order does not matter', async () => {
    const {n1, n2} = await cluster();
    const hook = await createOutgoing(n1, {trigger_words: ['a']});
    // A stale event for an old version arrives after the hook already changed.
    const stale = new TextEncoder().encode(JSON.stringify({kind: 'outgoing', id: hook.id, version: 1}));
    const store = new HookStore(n1.mm);
    await store.updateOutgoing(String(hook.id), (h) => ({...h, trigger_words: ['b']}));
    await n2.plugin.onPluginClusterEvent({}, {Id: CLUSTER_EVENT_ID, Data: stale});
    await n2.plugin.idle();
    assert.deepEqual(n2.plugin.index.get(String(hook.id))?.trigger_words, ['b']);
  });
});
