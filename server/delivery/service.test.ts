import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {after, afterEach, describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import {createDurableDeliveryService, type DeliveryServiceDeps} from './service.js';
import {closeReceivers, fakeClock, httpSender, makeHook, startReceiver, type Receiver, type Reply} from './testdata/support.js';
import type {Delivery, DeliveryHook, OutgoingJob, SendResult} from './types.js';

const sender = httpSender();
after(() => sender.close());
afterEach(closeReceivers);

function job(hook: DeliveryHook, url: string, n = 0): OutgoingJob {
  return {hook, url, contentType: 'application/json', body: Buffer.from(JSON.stringify({text: `message ${n}`})), headers: {'User-Agent': 'Mattermost-Bot/1.1', Accept: 'application/json'}, event: 'posted', post: {Id: `post${n}`, ChannelId: 'c1'}};
}

const v0 = (secret: string, ts: string, body: Buffer) => 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:`).update(body).digest('hex');

function setup(reply: (n: number) => Reply, extra: Partial<DeliveryServiceDeps> = {}, options: DeliveryServiceDeps['options'] = {}) {
  const clock = fakeClock();
  const mm = new MemoryMattermost({now: clock.now});
  const responses: {job: OutgoingJob; result: SendResult}[] = [];
  const disabled: [string, string][] = [];
  let receiver!: Receiver;
  const ready = startReceiver((_r, n) => reply(n)).then((r) => (receiver = r));
  const service = createDurableDeliveryService({
    api: mm,
    send: sender.send,
    nodeId: 'n1',
    onResponse: (j, result) => void responses.push({job: j, result}),
    onDisable: (id, reason) => void disabled.push([id, reason]),
    ...extra,
    // One user watches every hook's log, so live updates are published.
    options: {now: clock.now, retry: {random: () => 0.5}, timeoutMs: 150, log: {watchers: {watching: () => true, usersOf: () => ['watcher']}}, ...options},
  });
  return {clock, mm, service, responses, disabled, ready: async () => (await ready, receiver)};
}

describe('delivery service: retries', () => {
  it('retries 503, 429 with Retry-After and a timeout, honouring the waits, then succeeds once', async () => {
    const script: Reply[] = [{status: 503}, {status: 429, headers: {'Retry-After': '7'}}, 'hang', {status: 200, headers: {'Content-Type': 'application/json'}, body: '{"text":"pong"}'}];
    const t = setup((n) => script[n - 1] ?? {status: 200});
    const receiver = await t.ready();
    const hook = makeHook({max_attempts: 4, signing_secret: 'hbs_test'});
    const id = await t.service.deliver(job(hook, receiver.url));
    const sent = () => receiver.received.length;

    await t.service.poll();
    assert.equal(sent(), 1);
    let d = (await t.service.get(id))!;
    assert.equal(d.status, 'retrying');
    assert.equal(d.response_status, 503);
    // Full jitter with random 0.5: 0.5 × 1 s.
    assert.equal(d.next_attempt_at, t.clock.now() + 500);

    t.clock.advance(499);
    await t.service.poll();
    assert.equal(sent(), 1, 'not before the backoff');
    t.clock.advance(1);
    await t.service.poll();
    assert.equal(sent(), 2);
    d = (await t.service.get(id))!;
    assert.equal(d.next_attempt_at, t.clock.now() + 7000, 'Retry-After: 7 honoured');

    t.clock.advance(6999);
    await t.service.poll();
    assert.equal(sent(), 2, 'not before Retry-After');
    t.clock.advance(1);
    await t.service.poll();
    assert.equal(sent(), 3);
    d = (await t.service.get(id))!;
    assert.equal(d.status, 'retrying');
    assert.equal(d.error, 'timed out after 150 ms');
    assert.equal(d.next_attempt_at, t.clock.now() + 2000, 'third wait: 0.5 × 4 s');

    t.clock.advance(2000);
    await t.service.poll();
    assert.equal(sent(), 4);
    d = (await t.service.get(id))!;
    assert.equal(d.status, 'succeeded');
    assert.equal(d.attempt, 4);
    assert.equal(d.response?.body, '{"text":"pong"}');
    assert.deepEqual(d.attempts?.map((a) => [a.attempt, a.response_status ?? a.error]), [[1, 503], [2, 429], [3, 'timed out after 150 ms'], [4, 200]]);

    // The same delivery id on every attempt, a fresh valid signature on each.
    assert.deepEqual(new Set(receiver.received.map((r) => r.headers['x-hookbridge-delivery'])), new Set([id]));
    for (const r of receiver.received) assert.equal(r.headers['x-hookbridge-signature'], v0('hbs_test', r.headers['x-hookbridge-timestamp']!, r.body));

    assert.equal(t.responses.length, 1, 'onResponse once');
    assert.equal(Buffer.from(t.responses[0]!.result.body).toString(), '{"text":"pong"}');
    assert.equal(t.responses[0]!.job.post.Id, 'post0');

    // One event per poll (each flushes the log), with the state the delivery had by then.
    const statuses = t.mm.events.filter((e) => e.event === 'delivery').flatMap((e) => (JSON.parse(e.payload.deliveries as string) as Delivery[]).map((d) => d.status));
    assert.deepEqual(statuses, ['retrying', 'retrying', 'retrying', 'succeeded']);
    assert.deepEqual(await t.service.pendingIds(), []);
    t.clock.advance(3_600_000);
    await t.service.poll();
    assert.equal(sent(), 4, 'a finished job is never sent again');
    await receiver.close();
  });

  it('does not retry other 4xx; gives up after max_attempts; 1 attempt is native behaviour', async () => {
    const t = setup((n) => ({status: n === 1 ? 400 : 500}));
    const receiver = await t.ready();
    const a = await t.service.deliver(job(makeHook({id: 'h400'}), receiver.url));
    await t.service.poll();
    assert.equal((await t.service.get(a))!.status, 'failed');
    assert.equal((await t.service.get(a))!.error, 'HTTP 400');
    const b = await t.service.deliver(job(makeHook({id: 'h500', max_attempts: 2}), receiver.url));
    await t.service.poll();
    t.clock.advance(60_000);
    await t.service.poll();
    const db = (await t.service.get(b))!;
    assert.equal(db.status, 'failed');
    assert.equal(db.attempt, 2);
    assert.equal(db.error, 'HTTP 500 (gave up after 2 attempts)');
    const c = await t.service.deliver(job(makeHook({id: 'h1x', max_attempts: 1}), receiver.url));
    await t.service.poll();
    assert.equal((await t.service.get(c))!.status, 'failed');
    assert.equal(receiver.received.length, 4);
    assert.equal(t.responses.length, 0, 'no onResponse for failures');
    await receiver.close();
  });

  it('retries connection errors', async () => {
    const t = setup(() => ({status: 200}));
    const receiver = await t.ready();
    const url = receiver.url;
    await receiver.close();
    const id = await t.service.deliver(job(makeHook({max_attempts: 2}), url));
    await t.service.poll();
    const d = (await t.service.get(id))!;
    assert.equal(d.status, 'retrying');
    assert.match(d.error ?? '', /ECONNREFUSED/);
  });
});

describe('delivery service: disabling', () => {
  it('410 Gone disables the hook at once and DMs its owner', async () => {
    const t = setup(() => ({status: 410}));
    const receiver = await t.ready();
    const owner = t.mm.addUser({Username: 'owner'});
    const hook = makeHook({id: 'gonehook', creator_id: owner.Id, display_name: 'Deploy bot'});
    const id = await t.service.deliver(job(hook, receiver.url));
    await t.service.poll();
    assert.equal(receiver.received.length, 1, '410 is not retried');
    assert.equal((await t.service.get(id))!.status, 'failed');
    assert.equal(t.disabled.length, 1);
    assert.equal(t.disabled[0]![0], 'gonehook');
    assert.match(t.disabled[0]![1], /410 Gone/);
    const dm = [...t.mm.posts.values()];
    assert.equal(dm.length, 1);
    const channel = t.mm.channels.get(dm[0]!.ChannelId!)!;
    assert.equal(channel.Type, 'D');
    assert.ok(channel.Name.includes(owner.Id) && channel.Name.includes(t.mm.bots.get('hookbridge')!));
    assert.equal(dm[0]!.UserId, t.mm.bots.get('hookbridge'));
    assert.match(dm[0]!.Message!, /Deploy bot/);
    assert.match(dm[0]!.Message!, /410 Gone/);
    assert.match(dm[0]!.Message!, /switch it back on/);
    await receiver.close();
  });

  it('N consecutive failed deliveries disable the hook once and DM the owner; a success resets the streak', async () => {
    let fail = true;
    const t = setup(() => ({status: fail ? 500 : 200}), {}, {failureThreshold: 3});
    const receiver = await t.ready();
    const owner = t.mm.addUser({Username: 'owner'});
    const hook = makeHook({id: 'flaky', creator_id: owner.Id, max_attempts: 1});
    for (let i = 0; i < 2; i++) await t.service.deliver(job(hook, receiver.url, i));
    await t.service.poll();
    fail = false;
    await t.service.deliver(job(hook, receiver.url, 2));
    await t.service.poll();
    fail = true;
    for (let i = 3; i < 5; i++) await t.service.deliver(job(hook, receiver.url, i));
    await t.service.poll();
    assert.equal(t.disabled.length, 0, 'the success broke the streak');
    await t.service.deliver(job(hook, receiver.url, 5));
    await t.service.poll();
    assert.equal(t.disabled.length, 1);
    assert.match(t.disabled[0]![1], /last 3 deliveries failed \(last error: HTTP 500 from http:\/\/127\.0\.0\.1/);
    const posts = [...t.mm.posts.values()];
    assert.equal(posts.length, 1);
    assert.match(posts[0]!.Message!, /CI notifier/);
    assert.match(posts[0]!.Message!, /`flaky`/);
    await receiver.close();
  });

  it('stops queued deliveries of a disabled or deleted hook (getHook)', async () => {
    const hooks = new Map<string, DeliveryHook | null>();
    const t = setup(() => ({status: 200}), {getHook: async (id) => hooks.get(id) ?? null});
    const receiver = await t.ready();
    hooks.set('off', makeHook({id: 'off', enabled: false}));
    const a = await t.service.deliver(job(makeHook({id: 'off'}), receiver.url));
    const b = await t.service.deliver(job(makeHook({id: 'deleted'}), receiver.url));
    await t.service.poll();
    assert.equal(receiver.received.length, 0);
    assert.equal((await t.service.get(a))!.error, 'the hook is disabled');
    assert.equal((await t.service.get(b))!.error, 'the hook was deleted');
    await receiver.close();
  });
});

/** A service whose getHook counts its reads and can be held like a slow store; hook h1 has made one delivery. */
async function withHookReads(options: DeliveryServiceDeps['options'] = {}) {
  const stored = new Map<string, DeliveryHook>();
  let reads = 0;
  let holding = false;
  const held: (() => void)[] = [];
  const t = setup(
    () => ({status: 200}),
    {
      getHook: async (id) => {
        reads++;
        // A read that waits: a delivery that depends on it would wait too.
        if (holding) await new Promise<void>((r) => held.push(r));
        return stored.get(id) ?? null;
      },
    },
    options,
  );
  const receiver = await t.ready();
  const hook = makeHook({id: 'h1'});
  stored.set('h1', hook);
  await t.service.deliver(job(hook, receiver.url, 1));
  await t.service.poll();
  return {
    t,
    stored,
    hook,
    receiver,
    reads: () => reads,
    hold: () => void (holding = true),
    release: async (): Promise<void> => {
      holding = false;
      for (const r of held.splice(0)) r();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('delivery service: reading hooks', () => {
  it('reads a hook again before its copy expires, so a stream of deliveries never waits for the store', async () => {
    const {t, stored, hook, receiver, reads, hold, release} = await withHookReads();
    assert.equal(reads(), 1);

    // Past half of hookCacheMs (1 s): the copy serves this delivery while a read goes out behind it.
    t.clock.advance(600);
    hold();
    await t.service.deliver(job(hook, receiver.url, 2));
    await Promise.race([t.service.poll(), new Promise((r) => setTimeout(r, 1000))]);
    assert.equal(receiver.received.length, 2, 'the delivery, not held up by the read');
    assert.equal(reads(), 2);
    stored.set('h1', {...hook, enabled: false});
    await release();

    // The read of 600 ms is the copy now (made after the change).
    t.clock.advance(300);
    const id = await t.service.deliver(job(hook, receiver.url, 3));
    await t.service.poll();
    assert.equal(receiver.received.length, 2);
    assert.equal((await t.service.get(id))!.error, 'the hook is disabled');
    await receiver.close();
  });

  it('after a quiet spell, serves a burst from the copy it has while reading the hook again, up to hookStaleMs; a reported change drops the copy', async () => {
    const {t, stored, hook, receiver, reads, hold, release} = await withHookReads({hookStaleMs: 30_000});
    assert.equal(reads(), 1);

    // 20 s later, the store is slow and the hook was switched off elsewhere, unannounced.
    t.clock.advance(20_000);
    stored.set('h1', {...hook, enabled: false});
    hold();
    await t.service.deliver(job(hook, receiver.url, 2));
    await t.service.deliver(job(hook, receiver.url, 3));
    await Promise.race([t.service.poll(), new Promise((r) => setTimeout(r, 1000))]);
    assert.equal(receiver.received.length, 3, 'the burst went out with the copy it had');
    assert.equal(reads(), 2, 'one read behind the burst, not one per delivery');
    await release();
    const after = await t.service.deliver(job(hook, receiver.url, 4));
    await t.service.poll();
    assert.equal((await t.service.get(after))!.error, 'the hook is disabled', 'the read behind the burst is the copy now');

    // A change reported to the service (by this node or through another node's notice) applies at once.
    stored.set('h1', hook);
    t.service.hookChanged('h1');
    await t.service.deliver(job(hook, receiver.url, 5));
    await t.service.poll();
    assert.equal(receiver.received.length, 4);
    assert.equal(reads(), 3);
    stored.set('h1', {...hook, enabled: false});
    t.service.hookChanged(null);
    const dropped = await t.service.deliver(job(hook, receiver.url, 6));
    await t.service.poll();
    assert.equal((await t.service.get(dropped))!.error, 'the hook is disabled');

    // Older than hookStaleMs, a copy is not used: the delivery waits for the read.
    stored.set('h1', hook);
    t.clock.advance(30_000);
    hold();
    await t.service.deliver(job(hook, receiver.url, 7));
    const waiting = t.service.poll();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(receiver.received.length, 4, 'held until the hook is read');
    await release();
    await waiting;
    await t.service.poll();
    assert.equal(receiver.received.length, 5);
    await receiver.close();
  });
});

describe('delivery service: writing behind', () => {
  it('holds the delivery log back while `busy` says other work is under way, then writes it', async () => {
    let busy = true;
    const t = setup(() => ({status: 200}), {}, {busy: () => busy, log: {flushMs: 5, maxYieldMs: 5000}});
    const receiver = await t.ready();
    const hook = makeHook();
    t.service.start();
    await t.service.deliver(job(hook, receiver.url));
    for (let i = 0; i < 200 && receiver.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(receiver.received.length, 1, 'the delivery itself does not wait');
    const indexed = async (): Promise<boolean> => (await t.mm.kvGet(`dlx_${hook.id}`)) !== null;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(await indexed(), false, 'nothing written while busy');
    busy = false;
    for (let i = 0; i < 200 && !(await indexed()); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await indexed(), true, 'written once the other work is done');
    assert.equal((await t.service.get((await t.service.list(hook.id, 0, 10))[0]!.id))?.status, 'succeeded');
    await t.service.stop();
    await receiver.close();
  });
});

describe('delivery service: requests', () => {
  it('sends custom headers, cannot be spoofed by them, and signs with the current secret after a rotation', async () => {
    const hooks = new Map<string, DeliveryHook>();
    const t = setup((n) => ({status: n === 1 ? 503 : 200}), {getHook: async (id) => hooks.get(id) ?? null});
    const receiver = await t.ready();
    const hook = makeHook({signing_secret: 'hbs_one', headers: {Authorization: 'Bearer xyz', 'x-hookbridge-signature': 'forged', 'X-Team': 'ops'}});
    hooks.set(hook.id, hook);
    await t.service.deliver(job(hook, receiver.url));
    await t.service.poll();
    // Rotate between the attempts: new secret, the old one still valid for a minute.
    hooks.set(hook.id, {...hook, signing_secret: 'hbs_two', previous_secret: 'hbs_one', previous_secret_expires_at: t.clock.now() + 60_000});
    // As the plugin reports every change of a hook, from any node.
    t.service.hookChanged(hook.id);
    t.clock.advance(10_000);
    await t.service.poll();
    const [first, second] = receiver.received;
    assert.equal(first!.headers.authorization, 'Bearer xyz');
    assert.equal(first!.headers['x-team'], 'ops');
    assert.equal(first!.headers['content-type'], 'application/json');
    assert.equal(first!.headers['user-agent'], 'Mattermost-Bot/1.1');
    assert.equal(first!.headers['x-hookbridge-signature'], v0('hbs_one', first!.headers['x-hookbridge-timestamp']!, first!.body));
    const ts = second!.headers['x-hookbridge-timestamp']!;
    assert.equal(Number(ts) - Number(first!.headers['x-hookbridge-timestamp']), 10, 'fresh timestamp per attempt');
    assert.equal(second!.headers['x-hookbridge-signature'], `${v0('hbs_two', ts, second!.body)},${v0('hbs_one', ts, second!.body)}`);
    await receiver.close();
  });

  it('queues a UTF-8 body as text and any other as base64, and sends each byte for byte', async () => {
    const t = setup(() => ({status: 200}));
    const receiver = await t.ready();
    const hook = makeHook();
    const text = Buffer.from('{"text":"déployé ✓ 🚀"}');
    const binary = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0xc3, 0x7d]);
    await t.service.deliver({...job(hook, receiver.url), body: text});
    await t.service.deliver({...job(hook, receiver.url), body: binary});
    const queued = t.mm
      .callsTo('KVSet')
      .filter((c) => String(c.args[0]).startsWith('dq_j_'))
      .map((c) => JSON.parse(Buffer.from(c.args[1] as Uint8Array).toString()) as {jobs: {payload: Record<string, unknown>}[]});
    const payloads = queued.flatMap((g) => g.jobs.map((j) => j.payload));
    assert.deepEqual(payloads.map((p) => [typeof p.body, typeof p.body_b64]), [['string', 'undefined'], ['undefined', 'string']]);
    assert.equal(payloads[0]!.body, text.toString('utf8'));
    await t.service.poll();
    assert.deepEqual(receiver.received.map((r) => r.body.toString('hex')).sort(), [text.toString('hex'), binary.toString('hex')].sort());
    await receiver.close();
  });

  it('test(): one synthetic attempt per callback URL, no reply posts, no failure streak', async () => {
    const t = setup(() => ({status: 500}), {}, {failureThreshold: 1});
    const receiver = await t.ready();
    const hook = makeHook({max_attempts: 5, callback_urls: [receiver.url, receiver.url + '?second'], token: 'tok', channel_id: 'c9'});
    const ids = await t.service.test(hook);
    assert.equal(ids.length, 2);
    await t.service.poll();
    t.clock.advance(60_000);
    await t.service.poll();
    assert.equal(receiver.received.length, 2, 'tried once each');
    const body = JSON.parse(receiver.received[0]!.body.toString()) as Record<string, unknown>;
    assert.equal(body.event, 'test');
    assert.equal(body.token, 'tok');
    assert.equal(body.channel_id, 'c9');
    assert.equal(typeof body.timestamp, 'number');
    assert.equal((await t.service.get(ids[0]!))!.event, 'test');
    assert.equal(t.disabled.length, 0);
    const form = await t.service.test({...hook, content_type: 'application/x-www-form-urlencoded', callback_urls: [receiver.url]});
    await t.service.poll();
    assert.equal(form.length, 1);
    const params = new URLSearchParams(receiver.received[2]!.body.toString());
    assert.equal(params.get('event'), 'test');
    assert.equal(params.get('timestamp'), String(Math.floor(t.clock.now() / 1000)));
    await receiver.close();
  });
});
