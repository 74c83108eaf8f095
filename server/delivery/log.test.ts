import assert from 'node:assert/strict';
import {after, afterEach, describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import {decodeJSON} from './kv.js';
import {decodeIndex} from './log-index.js';
import {DeliveryLog} from './log.js';
import {createDurableDeliveryService} from './service.js';
import {DeliveryWatchers, WATCH_TTL_MS} from './watchers.js';
import {closeReceivers, fakeClock, httpSender, makeHook, sleep, startReceiver, waitFor} from './testdata/support.js';
import type {Delivery, DeliveryHook, OutgoingJob, Send, SendResult} from './types.js';

const sender = httpSender();
after(() => sender.close());
afterEach(closeReceivers);

function job(hook: DeliveryHook, url: string, body: Buffer | string = '{"text":"hi"}', headers: Record<string, string> = {}): OutgoingJob {
  return {hook, url, contentType: 'application/json', body: Buffer.from(body), headers, event: 'posted', post: {Id: 'p1', ChannelId: 'c1'}};
}

const ok = (latencyMs = 5, status = 200): SendResult => ({status, headers: {}, body: Buffer.from('ok'), latencyMs});

function stubService(send: Send, now = fakeClock()) {
  const mm = new MemoryMattermost({now: now.now});
  const watchers = new DeliveryWatchers({now: now.now});
  const service = createDurableDeliveryService({api: mm, send, nodeId: 'n1', options: {now: now.now, concurrency: 64, retry: {random: () => 0}, log: {watchers}}});
  return {mm, service, clock: now, watchers};
}

async function drain(service: {poll(): Promise<void>; pendingIds(): Promise<string[]>}): Promise<void> {
  for (let i = 0; i < 100 && (await service.pendingIds()).length; i++) await service.poll();
}

describe('delivery log', () => {
  it('keeps the last 200 deliveries per hook, newest first, with paging', async () => {
    const t = stubService(async () => ok());
    const hook = makeHook();
    const ids: string[] = [];
    for (let i = 0; i < 205; i++) {
      ids.push(await t.service.deliver(job(hook, 'http://127.0.0.1:9/x')));
      t.clock.advance(1);
    }
    await t.service.deliver(job(makeHook({id: 'other'}), 'http://127.0.0.1:9/x'));
    await drain(t.service);
    const first = await t.service.list(hook.id, 0, 50);
    assert.equal(first.length, 50);
    assert.deepEqual(first.map((d) => d.id), ids.slice(-50).reverse());
    assert.equal(first[0]!.status, 'succeeded');
    assert.equal(first[0]!.request, undefined, 'summaries carry no bodies');
    const last = await t.service.list(hook.id, 3, 50);
    assert.deepEqual(last.map((d) => d.id), ids.slice(5, 55).reverse());
    assert.deepEqual(await t.service.list(hook.id, 4, 50), []);
    for (const id of ids.slice(0, 5)) {
      assert.equal(await t.service.get(id), null, 'dropped from the log');
      assert.equal(await t.mm.kvGet(`dl_${id}`), null, 'and from the store');
    }
    assert.equal((await t.service.list('other', 0, 50)).length, 1);
  });

  it('stores the deliveries of a flush in a few pages, which another node reads, and leaves nothing behind what fell off', async () => {
    const t = stubService(async () => ok());
    const hook = makeHook();
    const ids: string[] = [];
    const round = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        ids.push(await t.service.deliver(job(hook, 'http://127.0.0.1:9/x')));
        t.clock.advance(1);
      }
      await drain(t.service);
    };
    await round(100);
    const logWrites = (): string[] => t.mm.callsTo('KVSet').map((c) => String(c.args[0])).filter((k) => k.startsWith('dl'));
    assert.equal(logWrites().filter((k) => k.startsWith('dl_')).length, 0, 'no record on its own');
    assert.equal(logWrites().filter((k) => k.startsWith('dlp_')).length, 2, '100 records, 64 a page');
    const otherNode = new DeliveryLog(t.mm);
    assert.deepEqual((await otherNode.list(hook.id, 0, 100)).map((d) => [d.id, d.status]), ids.slice().reverse().map((id) => [id, 'succeeded']));
    assert.equal((await otherNode.get(ids[7]!))?.request?.body, '{"text":"hi"}');

    // Three more flushes' worth push the first deliveries off the 200 kept.
    for (let r = 0; r < 3; r++) await round(60);
    const kept = new Set(ids.slice(-200));
    for (const id of ids) assert.equal((await otherNode.get(id)) !== null, kept.has(id), id);
    const pages = new Set([...kept].map((id) => id.slice(0, 24)));
    const stored = [...t.mm.kv.keys()].filter((k) => k.startsWith('dlp_')).map((k) => k.slice(4));
    assert.deepEqual(stored.sort(), [...pages].sort(), 'exactly the pages something kept is in');
    assert.equal([...t.mm.kv.keys()].filter((k) => k.startsWith('dl_')).length, 0);
  });

  it('stores a delivery that is tried again on its own key, and its outcome there, for any node to read', async () => {
    let n = 0;
    const t = stubService(async () => (++n === 1 ? ok(5, 503) : ok()));
    const hook = makeHook();
    const id = await t.service.deliver(job(hook, 'http://127.0.0.1:9/x'));
    const quiet = await t.service.deliver(job(hook, 'http://127.0.0.1:9/y'));
    await t.service.poll();
    const alone = decodeJSON<Delivery>(await t.mm.kvGet(`dl_${id}`));
    assert.equal(alone?.status, 'retrying', 'written before the next attempt, which may run elsewhere');
    const index = decodeIndex(await t.mm.kvGet(`dlx_${hook.id}`))!;
    assert.deepEqual(index.find(([x]) => x === id)?.[2], 1, 'listed as stored on its own');
    assert.equal(index.find(([x]) => x === quiet)?.[2], 0, 'listed as in its page');
    t.clock.advance(60_000);
    await drain(t.service);
    const otherNode = new DeliveryLog(t.mm);
    assert.deepEqual((await otherNode.get(id))?.attempts?.map((a) => a.attempt), [1, 2]);
    assert.equal((await otherNode.get(id))?.status, 'succeeded');
    assert.equal((await otherNode.get(quiet))?.status, 'succeeded');
    await t.service.forgetHook(hook.id);
    assert.deepEqual([...t.mm.kv.keys()].filter((k) => k.startsWith('dl')), [], 'forgetting the hook leaves nothing');
  });

  it('writes a page again when the deliveries it stored as pending finish, and one that finishes alone under its own key', async () => {
    const mm = new MemoryMattermost();
    const log = new DeliveryLog(mm, {flushMs: 60_000, pendingWriteMs: 0, maxPerHook: 16});
    const hook = makeHook();
    const add = async (): Promise<string> => {
      const id = log.newId(hook.id);
      await log.create({id, job: job(hook, 'http://127.0.0.1:9/x'), headers: {}, createdAt: Date.now()});
      return id;
    };
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) ids.push(await add());
    await log.flush();
    const writes = (prefix: string): number => mm.callsTo('KVSet').filter((c) => String(c.args[0]).startsWith(prefix)).length;
    assert.equal(writes('dlp_'), 1, 'the page, all pending (a backlog)');
    const finish = (id: string, status: 'succeeded' | 'failed' = 'succeeded') => log.recordAttempt(id, {status, attempt: 1, at: Date.now(), ...(status === 'failed' ? {error: 'HTTP 500'} : {})});

    // Most of them finish: the page is written again, no record on its own.
    for (const id of ids.slice(0, 15)) await finish(id);
    await log.flush();
    assert.deepEqual([writes('dlp_'), writes('dl_')], [2, 0]);
    const otherNode = new DeliveryLog(mm);
    const statuses = async (): Promise<string[]> => (await otherNode.list(hook.id, 0, 50)).map((d) => d.status).sort();
    assert.deepEqual(await statuses(), [...Array(15).fill('succeeded'), 'pending'].sort());

    // The last one alone is too little of the page to write it again: its own key.
    await finish(ids[15]!, 'failed');
    await log.flush();
    assert.deepEqual([writes('dlp_'), writes('dl_')], [2, 1]);
    assert.equal((await otherNode.get(ids[15]!))?.status, 'failed');
    assert.deepEqual(await statuses(), [...Array(15).fill('succeeded'), 'failed'].sort());

    // Once they all fall off the log, the page written twice and the record go too.
    for (let i = 0; i < 16; i++) await finish(await add());
    await log.flush();
    await log.flush();
    assert.deepEqual([...mm.kv.keys()].filter((k) => k.startsWith('dl_')), []);
    assert.equal([...mm.kv.keys()].filter((k) => k.startsWith('dlp_')).length, 1, 'only the new page');
    assert.equal((await otherNode.list(hook.id, 0, 50)).length, 16);
  });

  it('writes behind once running deliveries are done, or after maxYieldMs, while flush() writes at once', async () => {
    const mm = new MemoryMattermost();
    let busy = true;
    const log = new DeliveryLog(mm, {flushMs: 5, yieldTo: () => busy, maxYieldMs: 400});
    const add = async (hookId: string): Promise<void> => {
      const hook = makeHook({id: hookId});
      await log.create({id: log.newId(hookId), job: job(hook, 'http://127.0.0.1:9/x'), headers: {}, createdAt: Date.now()});
    };
    const indexed = async (hookId: string): Promise<boolean> => (await mm.kvGet(`dlx_${hookId}`)) !== null;
    await add('waits');
    await sleep(100);
    assert.equal(await indexed('waits'), false, 'held back while deliveries run');
    busy = false;
    await waitFor(() => indexed('waits'), 2000, 'the index once they are done');
    busy = true;
    await add('capped');
    await waitFor(() => indexed('capped'), 3000, 'the index after maxYieldMs, deliveries or not');
    await add('now');
    await log.flush();
    assert.equal(await indexed('now'), true, 'an explicit flush does not wait');
  });

  it('reads and retires records an older version stored one per key', async () => {
    const t = stubService(async () => ok());
    const hook = makeHook();
    const old = {id: 'o1d0000000000000000000000a', hook_id: hook.id, team_id: hook.team_id, post_id: 'p0', event: 'posted', attempt: 1, status: 'succeeded', created_at: 1, attempts: []};
    await t.mm.kvSet(`dl_${old.id}`, Buffer.from(JSON.stringify(old)));
    await t.mm.kvSet(`dlx_${hook.id}`, Buffer.from(JSON.stringify([[old.id, 1]])));
    assert.deepEqual((await t.service.list(hook.id, 0, 5)).map((d) => d.id), [old.id]);
    assert.equal((await t.service.get(old.id))?.post_id, 'p0');
    for (let i = 0; i < 200; i++) await t.service.deliver(job(hook, 'http://127.0.0.1:9/x'));
    await drain(t.service);
    assert.equal(await t.mm.kvGet(`dl_${old.id}`), null, 'deleted once it fell off');
    assert.equal((await t.service.list(hook.id, 0, 200)).length, 200);
  });

  it('bounds stored bodies with a marker and still replays the exact request', async () => {
    const receiver = await startReceiver(() => ({status: 200, body: 'r'.repeat(70 * 1024)}));
    const mm = new MemoryMattermost();
    const service = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'n1', options: {timeoutMs: 2000}});
    // A multi-byte character across the cut must not be split.
    // '{"text":"' is 9 bytes, so the 2-byte é sits on bytes 65535-65536, across the 64 KiB cut.
    const body = Buffer.from('{"text":"' + 'a'.repeat(65_526) + 'é' + 'b'.repeat(40_000) + '"}');
    const id = await service.deliver(job(makeHook(), receiver.url, body));
    await service.poll();
    const d = (await service.get(id))!;
    assert.ok(d.request!.body.startsWith('{"text":"aaa'));
    assert.ok(d.request!.body.endsWith(`a\n…[truncated: ${body.length} bytes, first 65535 kept]`), d.request!.body.slice(-80));
    assert.ok(Buffer.byteLength(d.request!.body) < 64 * 1024 + 100);
    assert.ok(d.response!.body.endsWith('r\n…[truncated: 71680 bytes, first 65536 kept]'), d.response!.body.slice(-80));
    const replayId = await service.replay(id);
    await service.poll();
    assert.equal(receiver.received.length, 2);
    assert.ok(receiver.received[1]!.body.equals(body), 'replayed byte for byte');
    assert.notEqual(receiver.received[1]!.headers['x-hookbridge-delivery'], receiver.received[0]!.headers['x-hookbridge-delivery']);
    assert.equal(receiver.received[1]!.headers['x-hookbridge-delivery'], replayId);
    await receiver.close();
  });

  it('redacts secrets in the log but sends them', async () => {
    const receiver = await startReceiver(() => ({status: 200, headers: {'Set-Cookie': 'sid=abc', 'X-Request-Id': 'r1'}, body: 'fine'}));
    const mm = new MemoryMattermost();
    const service = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'n1'});
    const hook = makeHook({signing_secret: 'hbs_s', headers: {Authorization: 'Bearer sekrit', 'X-Api-Key': 'apikey-7731', 'X-Service-Token': 'svctoken-42', Cookie: 'a=b', 'X-Env': 'prod'}});
    const url = receiver.url.replace('http://', 'http://bob:pw@') + '?token=abc&channel=ops';
    const id = await service.deliver(job(hook, url));
    await service.poll();
    const sent = receiver.received[0]!.headers;
    assert.equal(sent.authorization, 'Bearer sekrit');
    assert.equal(sent['x-api-key'], 'apikey-7731');
    const d = (await service.get(id))!;
    const h = d.request!.headers;
    for (const name of ['Authorization', 'X-Api-Key', 'X-Service-Token', 'Cookie', 'X-Hookbridge-Signature']) assert.equal(h[name], '[redacted]', name);
    assert.equal(h['X-Env'], 'prod');
    assert.equal(h['X-Hookbridge-Delivery'], id);
    assert.match(h['X-Hookbridge-Timestamp']!, /^\d+$/);
    assert.equal(d.response!.headers['set-cookie'], '[redacted]');
    assert.equal(d.response!.headers['x-request-id'], 'r1');
    assert.equal(d.request!.url, receiver.url.replace('http://', 'http://bob:[redacted]@') + '?token=[redacted]&channel=ops');
    const everything = JSON.stringify([d, mm.events]);
    for (const secret of ['sekrit', 'hbs_s', 'apikey-7731', 'svctoken-42', ':pw@', 'token=abc']) assert.ok(!everything.includes(secret), secret);
    await receiver.close();
  });

  it('replays a delivery as a new one linked to the original; refuses unknown ids', async () => {
    const receiver = await startReceiver(() => ({status: 200}));
    const mm = new MemoryMattermost();
    const service = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'n1'});
    const id = await service.deliver(job(makeHook(), receiver.url, '{"text":"again"}', {'X-Extra': '1'}));
    await service.poll();
    const again = await service.replay(id);
    assert.notEqual(again, id);
    await service.poll();
    const d = (await service.get(again))!;
    assert.equal(d.replay_of, id);
    assert.equal(d.status, 'succeeded');
    assert.equal(d.post_id, 'p1');
    assert.deepEqual((await service.list('hook1', 0, 10)).map((x) => x.id), [again, id]);
    assert.equal(receiver.received[1]!.body.toString(), '{"text":"again"}');
    assert.equal(receiver.received[1]!.headers['x-extra'], '1');
    await assert.rejects(service.replay('nope'), (err: Error & {statusCode?: number}) => err.statusCode === 404);
    await receiver.close();
  });

  it('publishes status changes only to the users watching the hook, coalesced per flush and without bodies', async () => {
    let n = 0;
    const t = stubService(async () => (++n === 1 ? ok(5, 502) : ok()));
    const hook = makeHook({team_id: 'teamX'});
    const second = makeHook({id: 'hook2', team_id: 'teamX'});
    const unwatched = makeHook({id: 'hook3', team_id: 'teamX'});
    await t.watchers.watch(hook.id, 'alice');
    await t.watchers.watch(second.id, 'alice');
    await t.watchers.watch(second.id, 'bob');
    const id = await t.service.deliver(job(hook, 'http://127.0.0.1:9/x'));
    // Nothing is published until the log flushes: pending and retrying fold into one event.
    assert.equal(t.mm.events.filter((e) => e.event === 'delivery').length, 0);
    await t.service.poll();
    t.clock.advance(5_000);
    const other = await t.service.deliver(job(hook, 'http://127.0.0.1:9/y'));
    const sibling = await t.service.deliver(job(second, 'http://127.0.0.1:9/z'));
    await t.service.deliver(job(unwatched, 'http://127.0.0.1:9/w'));
    await t.service.poll();
    const events = t.mm.events.filter((e) => e.event === 'delivery');
    const shown = events.map((e) => [e.broadcast, (JSON.parse(e.payload.deliveries as string) as Delivery[]).map((d) => [d.id, d.hook_id, d.status]).sort()]);
    assert.deepEqual(shown, [
      [{UserId: 'alice'}, [[id, 'hook1', 'retrying']]],
      [{UserId: 'alice'}, [[id, 'hook1', 'succeeded'], [other, 'hook1', 'succeeded'], [sibling, 'hook2', 'succeeded']].sort()],
      [{UserId: 'bob'}, [[sibling, 'hook2', 'succeeded']]],
    ]);
    for (const e of events) {
      for (const d of JSON.parse(e.payload.deliveries as string) as Delivery[]) {
        assert.equal(d.request, undefined);
        assert.equal(d.response, undefined);
      }
    }

    // A watch that lapsed, or was ended, gets nothing more.
    t.clock.advance(WATCH_TTL_MS);
    await t.watchers.watch(second.id, 'bob');
    await t.watchers.unwatch(second.id, 'bob');
    await t.service.deliver(job(hook, 'http://127.0.0.1:9/x'));
    await t.service.deliver(job(second, 'http://127.0.0.1:9/z'));
    await t.service.poll();
    assert.equal(t.mm.events.filter((e) => e.event === 'delivery').length, events.length);
  });

  it('shows a delivery whose callback has not answered as pending, in the log and in a live update', async () => {
    let release: (r: SendResult) => void = () => undefined;
    const mm = new MemoryMattermost();
    const watchers = new DeliveryWatchers();
    const service = createDurableDeliveryService({api: mm, send: () => new Promise<SendResult>((r) => (release = r)), nodeId: 'n1', options: {log: {eventsMs: 10, flushMs: 50, watchers}}});
    service.start();
    try {
      const hook = makeHook({team_id: 'teamP'});
      await watchers.watch(hook.id, 'alice');
      const id = await service.deliver(job(hook, 'http://127.0.0.1:9/slow'));
      const listed = await service.list(hook.id, 0, 10);
      assert.deepEqual(listed.map((d) => [d.id, d.status]), [[id, 'pending']]);
      assert.equal((await service.get(id))?.request?.url, 'http://127.0.0.1:9/slow');
      await waitFor(async () => mm.events.some((e) => e.event === 'delivery'));
      const shown = (JSON.parse(mm.events.find((e) => e.event === 'delivery')!.payload.deliveries as string) as Delivery[]).map((d) => [d.id, d.status]);
      assert.deepEqual(shown, [[id, 'pending']]);
      release(ok());
      await waitFor(async () => (await service.get(id))?.status === 'succeeded');
    } finally {
      await service.stop(100);
    }
  });

  it('keeps hourly stats for 24 hours with p50/p95 latencies', async () => {
    const latencies = [10, 20, 30, 40, 50, 60, 70, 80, 90, 1000];
    let i = 0;
    const t = stubService(async () => {
      const l = latencies[i++ % latencies.length]!;
      return ok(l, l === 1000 ? 500 : 200);
    });
    const hook = makeHook({max_attempts: 1});
    const start = t.clock.now();
    for (let k = 0; k < 10; k++) await t.service.deliver(job(hook, 'http://127.0.0.1:9/x'));
    await drain(t.service);
    t.clock.advance(2 * 3_600_000);
    for (let k = 0; k < 3; k++) await t.service.deliver(job(hook, 'http://127.0.0.1:9/x'));
    await drain(t.service);
    const {buckets} = await t.service.stats(hook.id);
    assert.equal(buckets.length, 24);
    assert.deepEqual(buckets.map((b) => b.start), Array.from({length: 24}, (_, k) => Math.floor(t.clock.now() / 3_600_000) * 3_600_000 - (23 - k) * 3_600_000));
    const older = buckets.find((b) => b.start === Math.floor(start / 3_600_000) * 3_600_000)!;
    assert.equal(older.total, 10);
    assert.equal(older.ok, 9);
    assert.equal(older.failed, 1);
    assert.ok(Math.abs(older.p50_ms - 50) <= 50 * 0.06, `p50 ${older.p50_ms}`);
    assert.ok(Math.abs(older.p95_ms - 1000) <= 1000 * 0.06, `p95 ${older.p95_ms}`);
    const latest = buckets[23]!;
    assert.equal(latest.total, 3);
    assert.equal(buckets.reduce((n, b) => n + b.total, 0), 13);
    t.clock.advance(25 * 3_600_000);
    assert.equal((await t.service.stats(hook.id)).buckets.reduce((n, b) => n + b.total, 0), 0, 'older than a day is gone');
  });

  it('forgets a deleted hook', async () => {
    const t = stubService(async () => ok());
    const id = await t.service.deliver(job(makeHook(), 'http://127.0.0.1:9/x'));
    await t.service.poll();
    await t.service.forgetHook('hook1');
    assert.equal(await t.service.get(id), null);
    assert.deepEqual(await t.service.list('hook1', 0, 10), []);
    assert.deepEqual([...t.mm.kv.keys()].filter((k) => k.includes('hook1')), []);
  });
});
