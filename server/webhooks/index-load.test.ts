import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {call, createOutgoing, makeWorld} from '../http/test-kit.js';
import type {PluginAPI} from '../mattermost/api.js';
import {MemoryMattermost} from '../mattermost/memory.js';
import type {Post} from '../mattermost/model.js';
import {HookbridgePlugin} from '../plugin.js';
import {acceptAll} from './incoming-guard.js';
import {IndexSync} from './index-sync.js';
import {HookStore, hookKey} from './store.js';
import {makeHook, RecordingDelivery} from './test-fixtures.js';
import {RegexRunner} from './safe-regex.js';
import {TriggerIndex} from './trigger-index.js';

const noWait = async (): Promise<void> => {};

/** The API with kvGet replaced (the other methods keep their own object). */
function withKvGet(mm: MemoryMattermost, kvGet: (key: string) => Promise<Uint8Array | null>): PluginAPI {
  return new Proxy(mm, {
    get(target, prop) {
      if (prop === 'kvGet') return kvGet;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function storeWith(count: number): Promise<{mm: MemoryMattermost; ids: string[]}> {
  const mm = new MemoryMattermost();
  const store = new HookStore(mm, {backoff: noWait});
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const h = makeHook({trigger_words: [`w${i}`]});
    await store.createOutgoing(h);
    ids.push(h.id);
  }
  return {mm, ids};
}

describe('loading every outgoing hook', () => {
  it('visits each stored hook once, skipping deleted and missing ones, with a bounded number of reads in flight', async () => {
    const {mm, ids} = await storeWith(40);
    const writer = new HookStore(mm, {backoff: noWait});
    await writer.deleteOutgoing(ids[3]!);
    // A listed id whose record is gone (a crash between the two writes).
    await mm.kvDelete(hookKey('outgoing', ids[5]!));
    let inFlight = 0;
    let most = 0;
    const api = withKvGet(mm, async (key) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return mm.kvGet(key);
    });
    const seen: string[] = [];
    const visited = await new HookStore(api).eachOutgoing((h) => seen.push(h.id), 6);
    assert.equal(visited, 38);
    assert.deepEqual(seen.sort(), ids.filter((_, i) => i !== 3 && i !== 5).sort());
    assert.equal(most, 6);
  });

  it('fails as a whole when a read fails, and stops reading', async () => {
    const {mm, ids} = await storeWith(30);
    let reads = 0;
    const api = withKvGet(mm, async (key) => {
      if (key === hookKey('outgoing', ids[4]!)) throw new Error('kv down');
      if (key.startsWith('hb_out_')) reads++;
      await new Promise((r) => setImmediate(r));
      return mm.kvGet(key);
    });
    await assert.rejects(new HookStore(api).eachOutgoing(() => undefined, 2), /kv down/);
    assert.ok(reads < 29, `read ${reads} hooks after the failure`);
  });

  it('a rebuild refreshes the serving index in place: hooks gone are removed at the end, unchanged records are kept, and a failed one removes nothing', async () => {
    const {mm, ids} = await storeWith(20);
    let armed = false;
    let gate: (() => void) | null = null;
    let fail = false;
    const api = withKvGet(mm, async (key) => {
      if (armed && key === hookKey('outgoing', ids[10]!)) {
        if (fail) throw new Error('kv down');
        if (gate === null) await new Promise<void>((r) => (gate = r));
      }
      return mm.kvGet(key);
    });
    const index = new TriggerIndex(new RegexRunner());
    const sync = new IndexSync(api, new HookStore(api), index);
    await sync.rebuild();
    assert.equal(index.size, 20);
    const kept = index.get(ids[3]!);

    // Changed behind the index's back: one hook gone from the store, one with new words, one new.
    const writer = new HookStore(mm, {backoff: noWait});
    const old = makeHook({trigger_words: ['old']});
    index.upsert(old);
    await writer.deleteOutgoing(ids[0]!);
    await writer.updateOutgoing(ids[1]!, (h) => ({...h, trigger_words: ['renamed']}));
    const added = makeHook({trigger_words: ['added']});
    await writer.createOutgoing(added);

    armed = true;
    const done = sync.rebuild();
    while (gate === null) await new Promise((r) => setImmediate(r));
    assert.ok(index.get(old.id), 'a hook gone from the store is served until the read is complete');
    assert.ok(index.get(ids[0]!));
    (gate as () => void)();
    await done;
    assert.equal(index.get(old.id), undefined);
    assert.equal(index.get(ids[0]!), undefined);
    assert.deepEqual(index.get(ids[1]!)?.trigger_words, ['renamed']);
    assert.ok(index.get(added.id));
    assert.equal(index.size, 20);
    assert.equal(index.get(ids[3]!), kept, 'an unchanged hook keeps its record');

    index.upsert(old);
    fail = true;
    await assert.rejects(sync.rebuild(), /kv down/);
    assert.ok(index.get(old.id), 'a failed rebuild removes nothing');
    assert.equal(index.size, 21);
  });
});

describe('dispatch with compact index records', () => {
  it('sends with the hook as stored now, including changes this node has not heard of', async () => {
    const rec = new RecordingDelivery();
    const w = await makeWorld({plugin: {delivery: () => rec}});
    const post = async (message: string): Promise<void> => {
      const saved = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: message} as Post);
      await w.plugin.messageHasBeenPosted({}, saved);
      await w.plugin.idle();
    };
    const hook = await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: ['http://a.example/1']});
    await post('deploy now');
    assert.deepEqual(
      rec.jobs.map((j) => j.url),
      ['http://a.example/1'],
    );
    assert.equal(rec.jobs[0]!.hook.token, hook.token, 'the whole hook, secrets included');

    // Changed by another node; applied here as its change notice would be: the remembered copy is replaced.
    const other = new HookStore(w.mm);
    await other.updateOutgoing(String(hook.id), (h) => ({...h, callback_urls: ['http://b.example/2']}));
    w.plugin.index.upsert((await other.getOutgoing(String(hook.id)))!);
    await post('deploy again');
    assert.equal(rec.jobs[1]!.url, 'http://b.example/2');

    // Changed again, and this node has not heard of it (its index still has the old words); the
    // remembered copy is gone (evicted, say): the stored hook no longer has the word, so it does not fire.
    await other.updateOutgoing(String(hook.id), (h) => ({...h, trigger_words: ['ship']}));
    w.plugin.index.remove(String(hook.id));
    w.plugin.index.upsert({...(await other.getOutgoing(String(hook.id)))!, trigger_words: ['deploy']});
    assert.deepEqual(w.plugin.index.get(String(hook.id))?.trigger_words, ['deploy']);
    await post('deploy once more');
    assert.equal(rec.jobs.length, 2, 'matched on stale words, dropped on the stored ones');
  });
});

describe('duplicate checks with compact index records', () => {
  it('refuses a hook that sends a trigger word of another hook of its channel to the same URL, reading the other hook whole', async () => {
    const w = await makeWorld();
    const first = await createOutgoing(w, {display_name: 'first', channel_id: w.town.Id, trigger_words: ['deploy', 'ship'], callback_urls: ['http://a.example/1']});
    const create = (body: Record<string, unknown>) => call(w.plugin, {path: '/api/v1/hooks/outgoing', userId: w.admin.Id, body: {team_id: w.team.Id, channel_id: w.town.Id, ...body}});
    const clash = await create({trigger_words: ['ship'], callback_urls: ['http://b.example/2', 'http://a.example/1']});
    assert.equal(clash.status, 400);
    assert.match(clash.text, /Another outgoing webhook \(first\)/);
    assert.equal((await create({trigger_words: ['ship'], callback_urls: ['http://b.example/2']})).status, 201, 'another URL');
    assert.equal((await create({trigger_words: ['build'], callback_urls: ['http://a.example/1']})).status, 201, 'another word');
    // Its own words and URL do not clash with itself on update.
    const put = await call(w.plugin, {method: 'PUT', path: `/api/v1/hooks/outgoing/${String(first.id)}`, userId: w.admin.Id, body: {...first, trigger_words: ['deploy']}});
    assert.equal(put.status, 200);
  });
});

describe('activation with hooks already stored', () => {
  /** A plugin restarted on `mm` whose reads of stored hooks go through `kvGet`. */
  async function restarted(mm: MemoryMattermost, kvGet: (key: string) => Promise<Uint8Array | null>, rec: RecordingDelivery): Promise<HookbridgePlugin> {
    const plugin = new HookbridgePlugin({checkIncoming: acceptAll, backgroundSync: false, delivery: () => rec});
    plugin.setAPI(withKvGet(mm, kvGet));
    await plugin.onActivate();
    return plugin;
  }

  it('is done before the hooks are read; a post seen meanwhile fires once they are, and incoming webhooks work at once', async () => {
    const w = await makeWorld();
    const hook = await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: ['http://a.example/1']});
    const incoming = await call(w.plugin, {path: '/api/v1/hooks/incoming', userId: w.admin.Id, body: {channel_id: w.town.Id}});
    assert.equal(incoming.status, 201);
    await w.plugin.onDeactivate();

    let gate: (() => void) | null = null;
    const rec = new RecordingDelivery();
    const plugin = await restarted(
      w.mm,
      async (key) => {
        if (key === hookKey('outgoing', String(hook.id)) && gate === null) await new Promise<void>((r) => (gate = r));
        return w.mm.kvGet(key);
      },
      rec,
    );
    while (gate === null) await new Promise((r) => setImmediate(r));
    const status = await call(plugin, {path: '/api/v1/status', userId: w.admin.Id});
    assert.deepEqual(status.json, {outgoing_index: {loaded: false, hooks: 0}});
    const sent = await call(plugin, {path: `/hooks/${String((incoming.json as {id: string}).id)}`, body: {text: 'while loading'}});
    assert.equal(sent.status, 200, 'an incoming webhook needs no outgoing hook');

    const saved = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'deploy now'} as Post);
    await plugin.messageHasBeenPosted({}, saved);
    // The duplicate guard looks through the index too, so it waits as well.
    const duplicate = call(plugin, {path: '/api/v1/hooks/outgoing', userId: w.admin.Id, body: {team_id: w.team.Id, trigger_words: ['deploy'], callback_urls: ['http://a.example/1']}});
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(rec.jobs.length, 0, 'nothing is matched before the hooks are read');
    (gate as () => void)();
    assert.equal((await duplicate).status, 400);
    await plugin.idle();
    assert.deepEqual(
      rec.jobs.map((j) => j.url),
      ['http://a.example/1'],
    );
    assert.deepEqual((await call(plugin, {path: '/api/v1/status', userId: w.admin.Id})).json, {outgoing_index: {loaded: true, hooks: 1}});
    assert.equal((await call(plugin, {path: '/api/v1/status', userId: w.alice.Id})).status, 403, 'system admins only');
    await plugin.onDeactivate();
  });

  it('logs a failed read, lets posts through unmatched, and reads the hooks again later', async (t) => {
    t.mock.timers.enable({apis: ['setTimeout']});
    const w = await makeWorld();
    const hook = await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: ['http://a.example/1']});
    await w.plugin.onDeactivate();
    let down = true;
    const rec = new RecordingDelivery();
    const plugin = await restarted(
      w.mm,
      async (key) => {
        if (down && key === hookKey('outgoing', String(hook.id))) throw new Error('kv down');
        return w.mm.kvGet(key);
      },
      rec,
    );
    const post = async (): Promise<void> => {
      const saved = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'deploy now'} as Post);
      await plugin.messageHasBeenPosted({}, saved);
      await plugin.idle();
    };
    await post();
    assert.equal(rec.jobs.length, 0);
    assert.ok(
      w.mm.logs.some((l) => l.level === 'error' && /could not read the outgoing webhooks/.test(l.message)),
      'the failure is logged',
    );
    down = false;
    t.mock.timers.tick(1000);
    for (let i = 0; i < 1000 && !(await call(plugin, {path: '/api/v1/status', userId: w.admin.Id})).text.includes('"loaded":true'); i++) await new Promise((r) => setImmediate(r));
    await post();
    assert.equal(rec.jobs.length, 1, 'matched once the hooks were read again');
    await plugin.onDeactivate();
  });
});
