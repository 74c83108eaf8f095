import assert from 'node:assert/strict';
import {after, afterEach, describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import {ALIVE_PREFIX, DurableQueue, JOB_PREFIX, LEASE_PREFIX, ROSTER_KEY, SHARD_PREFIX, SWEEP_KEY} from './queue.js';
import {createDurableDeliveryService, type DurableDeliveryService} from './service.js';
import {closeReceivers, fakeClock, httpSender, makeHook, sleep, startReceiver, waitFor} from './testdata/support.js';
import type {DeliveryHook, OutgoingJob, Send} from './types.js';

const sender = httpSender();
after(() => sender.close());
afterEach(closeReceivers);

function job(hook: DeliveryHook, url: string, n: number): OutgoingJob {
  return {hook, url, contentType: 'application/json', body: Buffer.from(JSON.stringify({n})), headers: {}, event: 'posted', post: {Id: `p${n}`}};
}

const stopAll: DurableDeliveryService[] = [];
afterEach(async () => {
  await Promise.all(stopAll.splice(0).map((s) => s.stop(0)));
});

function countBy(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('durable queue: two nodes', () => {
  it('delivers 500 jobs exactly once between two running nodes', async (t) => {
    const receiver = await startReceiver(() => ({status: 200}));
    const mm = new MemoryMattermost();
    const sentBy = {a: 0, b: 0};
    const node = (name: 'a' | 'b'): DurableDeliveryService => {
      const send: Send = (req) => {
        sentBy[name]++;
        return sender.send(req);
      };
      const s = createDurableDeliveryService({api: mm, send, nodeId: name, options: {scanIntervalMs: 20}});
      stopAll.push(s);
      s.start();
      return s;
    };
    const a = node('a');
    const b = node('b');
    const hooks = [makeHook({id: 'h1'}), makeHook({id: 'h2'}), makeHook({id: 'h3'})];
    const started = performance.now();
    const ids = await Promise.all(Array.from({length: 500}, (_, i) => (i % 2 ? a : b).deliver(job(hooks[i % 3]!, receiver.url, i))));
    await waitFor(async () => receiver.received.length >= 500 && (await a.pendingIds()).length === 0, 20_000, '500 deliveries');
    const ms = performance.now() - started;
    await sleep(150);
    const seen = countBy(receiver.received.map((r) => r.headers['x-hookbridge-delivery']!));
    assert.equal(seen.size, 500);
    assert.deepEqual(new Set(seen.keys()), new Set(ids));
    assert.deepEqual([...seen.values()].filter((n) => n > 1), [], 'no duplicates');
    assert.equal(receiver.received.length, 500);
    assert.ok(sentBy.a > 0 && sentBy.b > 0, `both nodes sent (${sentBy.a}/${sentBy.b})`);
    assert.deepEqual([...mm.kv.keys()].filter((k) => k.startsWith(JOB_PREFIX) || k.startsWith(LEASE_PREFIX) || k.startsWith('dq_ix_')), []);
    t.diagnostic(`two nodes: 500 deliveries in ${ms.toFixed(0)} ms (${Math.round((500 / ms) * 1000)}/s), node a ${sentBy.a}, node b ${sentBy.b}`);
  });

  it("takes over a dead node's jobs once their leases expire, not before", async () => {
    const clock = fakeClock();
    const mm = new MemoryMattermost({now: clock.now});
    const receiver = await startReceiver(() => ({status: 200}));
    let hung = 0;
    // Node A sends into the void: its process "dies" with 8 requests in flight.
    const a = createDurableDeliveryService({api: mm, send: () => (hung++, new Promise(() => undefined)), nodeId: 'a', options: {now: clock.now, concurrency: 8, perHookConcurrency: 8, scanIntervalMs: 10, leaseSeconds: 30}});
    a.start();
    const hook = makeHook();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await a.deliver(job(hook, receiver.url, i)));
    await waitFor(() => hung === 8, 5000, 'node a to take 8 jobs');
    await a.stop(0);
    const leases = [...mm.kv.keys()].filter((k) => k.startsWith(LEASE_PREFIX));
    assert.equal(leases.length, 8);

    const b = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'b', options: {now: clock.now}});
    await b.poll();
    await b.poll();
    assert.equal(receiver.received.length, 12, 'the 12 unleased jobs');
    clock.advance(29_000);
    await b.poll();
    assert.equal(receiver.received.length, 12, 'leases still valid');
    clock.advance(1_001);
    await b.poll();
    assert.equal(receiver.received.length, 20, 'taken over after expiry');
    const seen = countBy(receiver.received.map((r) => r.headers['x-hookbridge-delivery']!));
    assert.deepEqual(new Set(seen.keys()), new Set(ids));
    assert.ok([...seen.values()].every((n) => n === 1));
    assert.deepEqual(await b.pendingIds(), []);
    for (const id of ids) assert.equal((await b.get(id))!.status, 'succeeded');
  });
});

describe('durable queue: scheduling', () => {
  it('takes hooks round-robin so a busy hook does not starve a quiet one', async () => {
    const order: string[] = [];
    const mm = new MemoryMattermost();
    const send: Send = async (req) => {
      order.push(JSON.parse(Buffer.from(req.body).toString()).n as string);
      return {status: 200, headers: {}, body: new Uint8Array(), latencyMs: 1};
    };
    const s = createDurableDeliveryService({api: mm, send, nodeId: 'n', options: {concurrency: 2}});
    for (let i = 0; i < 20; i++) await s.deliver({...job(makeHook({id: 'busy'}), 'http://127.0.0.1:9/', i), body: Buffer.from(JSON.stringify({n: `busy${i}`}))});
    for (let i = 0; i < 3; i++) await s.deliver({...job(makeHook({id: 'quiet'}), 'http://127.0.0.1:9/', i), body: Buffer.from(JSON.stringify({n: `quiet${i}`}))});
    for (let i = 0; i < 3; i++) await s.poll();
    assert.deepEqual(order.slice(0, 6).filter((n) => n.startsWith('quiet')), ['quiet0', 'quiet1', 'quiet2']);
    assert.deepEqual(order.filter((n) => n.startsWith('busy')), ['busy0', 'busy1', 'busy2']);
  });

  it('caps one hook below the node concurrency', async () => {
    let running = 0;
    let peak = 0;
    const mm = new MemoryMattermost();
    const send: Send = async () => {
      peak = Math.max(peak, ++running);
      await sleep(5);
      running--;
      return {status: 200, headers: {}, body: new Uint8Array(), latencyMs: 5};
    };
    const s = createDurableDeliveryService({api: mm, send, nodeId: 'n', options: {concurrency: 8, perHookConcurrency: 3}});
    for (let i = 0; i < 12; i++) await s.deliver(job(makeHook(), 'http://127.0.0.1:9/', i));
    await s.poll();
    assert.equal(peak, 3);
  });

  it('re-indexes a job whose enqueue died between its two writes', async () => {
    const receiver = await startReceiver(() => ({status: 200}));
    const mm = new MemoryMattermost();
    const s = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'n', options: {scanIntervalMs: 20}});
    stopAll.push(s);
    const rec = {id: 'orphan00000000000000000000', hook_id: 'hook1', attempt: 0, due: Date.now() - 120_000, created_at: Date.now() - 120_000, payload: {url: receiver.url, content_type: 'application/json', headers: {}, body_b64: Buffer.from('{}').toString('base64'), event: 'posted', post: {}, hook: makeHook(), max_attempts: 3, counts: true}};
    await mm.kvSet(JOB_PREFIX + rec.id, Buffer.from(JSON.stringify(rec)));
    s.start();
    await waitFor(() => receiver.received.length === 1, 5000, 'the orphan to be sent');
    assert.equal(receiver.received[0]!.headers['x-hookbridge-delivery'], rec.id);
    assert.equal(receiver.received[0]!.body.toString(), '{}', 'a body in base64, as older versions stored every job');
  });

  it('finds a group left without its index entry while running, once no node can still be writing it', async () => {
    const receiver = await startReceiver(() => ({status: 200}));
    const mm = new MemoryMattermost();
    const s = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'n', options: {scanIntervalMs: 20, leaseSeconds: 1, sweepIntervalMs: 100}});
    stopAll.push(s);
    s.start();
    const orphan = (id: string, createdAt: number): Record<string, unknown> => ({id, hook_id: 'hook1', attempt: 0, due: createdAt, created_at: createdAt, payload: {url: receiver.url, content_type: 'application/json', headers: {}, body: '{}', event: 'posted', post: {}, hook: makeHook(), max_attempts: 3, counts: true}});
    // Written just now, as by a node that died before writing the index entry (the start-up sweep has run).
    const written = Date.now();
    await mm.kvSet(`${JOB_PREFIX}young0000000000000000000000`, Buffer.from(JSON.stringify(orphan('young0000000000000000000000', written))));
    // Old, but under a lease: its owner is alive and will index or finish it.
    const leased = Date.now();
    await mm.kvSet(`${JOB_PREFIX}leased000000000000000000000`, Buffer.from(JSON.stringify(orphan('leased000000000000000000000', leased - 120_000))));
    await mm.kvSetWithOptions(`${LEASE_PREFIX}leased000000000000000000000`, Buffer.from('another-node'), {expireInSeconds: 2});
    await waitFor(() => receiver.received.length === 2, 10_000, 'both groups to be sent');
    const at = (id: string): number => receiver.received.find((r) => r.headers['x-hookbridge-delivery'] === id)!.at;
    // Neither may go earlier: a record younger than two lease periods, or a leased one, may still be its writer's.
    assert.ok(at('young0000000000000000000000') >= written + 2000, 'the young group waited for two lease periods');
    assert.ok(at('leased000000000000000000000') >= leased + 1900, 'the leased group waited for its lease to lapse');
    await waitFor(() => ![...mm.kv.keys()].some((k) => k.startsWith(JOB_PREFIX)), 5000, 'both groups to finish');
  });

  it('the cluster makes one sweep of the keys per interval, whichever node starts it', async () => {
    const mm = new MemoryMattermost();
    const sweeps = (): number => mm.callsTo('KVList').filter((c) => c.args[0] === 0).length;
    const nodes = ['a', 'b', 'c'].map((nodeId) => createDurableDeliveryService({api: mm, send: sender.send, nodeId, options: {scanIntervalMs: 50, sweepIntervalMs: 2000}}));
    stopAll.push(...nodes);
    for (const n of nodes) n.start();
    await waitFor(() => sweeps() >= 1, 5000, 'the first sweep');
    await sleep(300);
    assert.equal(sweeps(), 1, 'three nodes starting together sweep once');
    assert.ok(mm.kv.has(SWEEP_KEY));
    // The key lapses before the next interval (1 s of 2 here): a node's timer sweeps again.
    await waitFor(() => sweeps() >= 2, 5000, 'the next interval\'s sweep');
    await sleep(500);
    assert.equal(sweeps(), 2, 'one sweep in that interval too');
  });

  it('sweeps only for a node that stopped without a clean stop, and strikes it off', async () => {
    const receiver = await startReceiver(() => ({status: 200}));
    const mm = new MemoryMattermost();
    const sweeps = (): number => mm.callsTo('KVList').filter((c) => c.args[0] === 0).length;
    const roster = async (): Promise<unknown> => JSON.parse(Buffer.from((await mm.kvGet(ROSTER_KEY))!).toString());
    const options = {scanIntervalMs: 20, leaseSeconds: 1, rosterCheckMs: 100, sweepIntervalMs: 0};
    // The cluster's first node: no roster yet, so it sweeps once, for whatever older versions left.
    const a = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'a', options});
    stopAll.push(a);
    a.start();
    await waitFor(() => sweeps() === 1, 5000, 'the first start\'s sweep');
    await waitFor(async () => mm.kv.has(ROSTER_KEY) && (await roster()) !== null, 5000, 'the roster');
    assert.deepEqual(await roster(), ['a']);
    assert.ok(mm.kv.has(`${ALIVE_PREFIX}a`));
    // A clean stop strikes it off: the next node has nothing to sweep for, at start or later.
    await a.stop(0);
    assert.deepEqual(await roster(), []);
    assert.equal(mm.kv.has(`${ALIVE_PREFIX}a`), false);
    const b = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'b', options});
    stopAll.push(b);
    b.start();
    await waitFor(async () => JSON.stringify(await roster()) === '["b"]', 5000, 'b on the roster');
    await sleep(350);
    assert.equal(sweeps(), 1, 'no sweep after a clean stop');
    // A node named on the roster without its presence key stopped uncleanly, maybe between a group's two writes.
    const orphan = (id: string, createdAt: number): Record<string, unknown> => ({id, hook_id: 'hook1', attempt: 0, due: createdAt, created_at: createdAt, payload: {url: receiver.url, content_type: 'application/json', headers: {}, body: '{}', event: 'posted', post: {}, hook: makeHook(), max_attempts: 3, counts: true}});
    const written = Date.now();
    await mm.kvSet(`${JOB_PREFIX}old00000000000000000000000`, Buffer.from(JSON.stringify(orphan('old00000000000000000000000', written - 120_000))));
    // One too young to tell from a group still being written: the crashed node stays on the roster until it is not.
    await mm.kvSet(`${JOB_PREFIX}young0000000000000000000000`, Buffer.from(JSON.stringify(orphan('young0000000000000000000000', written))));
    // The roster as a node would leave it that struck b off, not seeing its presence: b puts itself back.
    await mm.kvSet(ROSTER_KEY, Buffer.from(JSON.stringify(['crashed'])));
    await waitFor(() => receiver.received.length === 1, 5000, 'the old orphan to be found and sent');
    assert.deepEqual(((await roster()) as string[]).sort(), ['b', 'crashed']);
    await waitFor(() => receiver.received.length === 2, 5000, 'the young one, once two lease periods old');
    assert.ok(receiver.received[1]!.at >= written + 2000);
    await waitFor(async () => JSON.stringify(await roster()) === '["b"]', 5000, 'the crashed node struck off');
    const swept = sweeps();
    assert.ok(swept >= 3 && swept <= 30, `one sweep per check while the young group aged (${swept})`);
    await sleep(350);
    assert.equal(sweeps(), swept, 'no sweep once the crashed node is struck off');
  });

  it('writes an index entry that failed at the next scan, by the node that owns the group', async () => {
    const mm = new MemoryMattermost();
    const api = Object.create(mm) as MemoryMattermost;
    let failIndex = 1;
    api.kvSetWithOptions = async (key, value, opts) => {
      if (key.startsWith(SHARD_PREFIX) && failIndex > 0) {
        failIndex--;
        throw new Error('the database is away');
      }
      return mm.kvSetWithOptions(key, value, opts);
    };
    let release = (): void => undefined;
    const sending = new Promise<void>((r) => (release = r));
    const send: Send = async () => {
      await sending;
      return {status: 200, headers: {}, body: new Uint8Array(), latencyMs: 1};
    };
    const s = createDurableDeliveryService({api, send, nodeId: 'n', options: {scanIntervalMs: 20, sweepIntervalMs: 0, sweepOnStart: false}});
    stopAll.push(s);
    s.start();
    const queued = await s.deliver(job(makeHook(), 'http://127.0.0.1:9/', 1));
    assert.equal(failIndex, 0, 'the first index write failed');
    await waitFor(async () => (await s.pendingIds()).length === 1, 5000, 'the entry written by the retry');
    assert.ok(mm.logs.some((l) => /indexing a new group failed; retrying/.test(l.message)));
    release();
    await waitFor(async () => (await s.pendingIds()).length === 0, 5000, 'the group to finish');
    assert.ok(queued);
    assert.equal(mm.callsTo('KVList').length, 0, 'no sweep was needed');
  });

  it('stop() waits for running sends within the grace period', async () => {
    const mm = new MemoryMattermost();
    let done = 0;
    const send: Send = async () => {
      await sleep(80);
      done++;
      return {status: 200, headers: {}, body: new Uint8Array(), latencyMs: 80};
    };
    const s = createDurableDeliveryService({api: mm, send, nodeId: 'n'});
    s.start();
    for (let i = 0; i < 4; i++) await s.deliver(job(makeHook(), 'http://127.0.0.1:9/', i));
    await sleep(10);
    await s.stop(2000);
    assert.equal(done, 4);
    assert.deepEqual(await s.pendingIds(), []);
  });

  it('measures single-node throughput to a loopback receiver', async (t) => {
    const receiver = await startReceiver(() => ({status: 200, body: 'ok'}));
    const mm = new MemoryMattermost();
    const s = createDurableDeliveryService({api: mm, send: sender.send, nodeId: 'n', options: {scanIntervalMs: 50}});
    stopAll.push(s);
    s.start();
    const n = 2000;
    const hooks = Array.from({length: 4}, (_, i) => makeHook({id: `tp${i}`}));
    const started = performance.now();
    await Promise.all(Array.from({length: n}, (_, i) => s.deliver(job(hooks[i % 4]!, receiver.url, i))));
    const enqueued = performance.now() - started;
    await waitFor(async () => receiver.received.length >= n && (await s.pendingIds()).length === 0, 30_000, `${n} deliveries`);
    const ms = performance.now() - started;
    assert.equal(new Set(receiver.received.map((r) => r.headers['x-hookbridge-delivery'])).size, n);
    t.diagnostic(`one node, default concurrency: ${n} deliveries in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} deliveries/s (enqueue of all: ${enqueued.toFixed(0)} ms)`);
  });
});

describe('durable queue: groups', () => {
  it('stores jobs enqueued together as one group, in a handful of KV writes', async () => {
    const mm = new MemoryMattermost();
    const sent: string[] = [];
    const send: Send = async (req) => {
      sent.push(req.headers['X-Hookbridge-Delivery'] ?? '');
      return {status: 200, headers: {}, body: new Uint8Array(), latencyMs: 1};
    };
    const s = createDurableDeliveryService({api: mm, send, nodeId: 'n'});
    const hooks = Array.from({length: 100}, (_, i) => makeHook({id: `g${i}`}));
    const before = mm.calls.length;
    const ids = await Promise.all(hooks.map((h, i) => s.deliver(job(h, 'http://127.0.0.1:9/', i))));
    const groups = [...mm.kv.keys()].filter((k) => k.startsWith(JOB_PREFIX));
    assert.equal(groups.length, 1, 'one group record for 100 jobs');
    const queueWrites = mm.calls.slice(before).filter((c) => /^kv/i.test(c.method) && String(c.args[0]).startsWith('dq_'));
    assert.ok(queueWrites.length <= 4, `${queueWrites.length} queue KV calls for 100 jobs`);
    for (let i = 0; i < 10 && sent.length < 100; i++) await s.poll();
    assert.deepEqual(new Set(sent), new Set(ids));
    assert.equal(sent.length, 100);
    assert.deepEqual([...mm.kv.keys()].filter((k) => k.startsWith('dq_')), [], 'nothing of the queue left');
  });

  it('a node taking over a group sends only the jobs the dead node had not finished', async () => {
    const clock = fakeClock();
    const mm = new MemoryMattermost({now: clock.now});
    const fromA: string[] = [];
    // Node A finishes four jobs, then its fifth request never ends: the node "dies" there.
    const a = createDurableDeliveryService({
      api: mm,
      nodeId: 'a',
      send: (req) => {
        fromA.push(req.headers['X-Hookbridge-Delivery'] ?? '');
        return fromA.length <= 4 ? Promise.resolve({status: 200, headers: {}, body: new Uint8Array(), latencyMs: 1}) : new Promise(() => undefined);
      },
      options: {now: clock.now, concurrency: 1, leaseSeconds: 30},
    });
    const hook = makeHook({id: 'one'});
    const ids = await Promise.all(Array.from({length: 10}, (_, i) => a.deliver(job(hook, 'http://127.0.0.1:9/', i))));
    assert.equal([...mm.kv.keys()].filter((k) => k.startsWith(JOB_PREFIX)).length, 1);
    a.start();
    await waitFor(() => fromA.length === 5, 5000, 'node a to reach its fifth job');
    await a.stop(0);

    const fromB: string[] = [];
    const b = createDurableDeliveryService({
      api: mm,
      nodeId: 'b',
      send: async (req) => {
        fromB.push(req.headers['X-Hookbridge-Delivery'] ?? '');
        return {status: 200, headers: {}, body: new Uint8Array(), latencyMs: 1};
      },
      options: {now: clock.now},
    });
    await b.poll();
    assert.deepEqual(fromB, [], 'the group is still leased by a');
    clock.advance(30_001);
    for (let i = 0; i < 5 && fromB.length < 6; i++) await b.poll();
    assert.deepEqual(fromA, ids.slice(0, 5));
    assert.deepEqual(fromB, ids.slice(4), 'the unfinished six, oldest first');
    await b.poll();
    assert.deepEqual(await b.pendingIds(), []);
    // Only the key of this interval's sweep (it lapses on its own) and the roster, empty since a left, remain.
    assert.deepEqual([...mm.kv.keys()].filter((k) => k.startsWith('dq_')).sort(), [ROSTER_KEY, SWEEP_KEY]);
    assert.equal(Buffer.from((await mm.kvGet(ROSTER_KEY))!).toString(), '[]');
  });
});

describe('durable queue: sending while the group is written', () => {
  it('starts a job before its group is stored, records it only after, and fails the enqueue if the write fails', async () => {
    const mm = new MemoryMattermost();
    // Group writes held until released; released only once one has started.
    const held: (() => void)[] = [];
    const release = async (): Promise<void> => {
      await waitFor(() => held.length > 0, 2000, 'the group write to start');
      for (const r of held.splice(0)) r();
    };
    let failWrite = false;
    const api = Object.create(mm) as MemoryMattermost;
    api.kvSet = async (key, value) => {
      if (key.startsWith(JOB_PREFIX)) {
        await new Promise<void>((r) => held.push(r));
        if (failWrite) throw new Error('store unavailable');
      }
      return mm.kvSet(key, value);
    };
    const sent: string[] = [];
    const s = createDurableDeliveryService({api, nodeId: 'n', send: async (req) => (sent.push(req.headers['X-Hookbridge-Delivery'] ?? ''), {status: 200, headers: {}, body: new Uint8Array(), latencyMs: 1})});
    s.start();
    stopAll.push(s);
    let resolved = false;
    const delivered = s.deliver(job(makeHook(), 'http://127.0.0.1:9/', 1)).then((id) => ((resolved = true), id));
    await waitFor(() => sent.length === 1, 2000, 'the send, before the group is stored');
    assert.equal(resolved, false, 'not acknowledged before it is durable');
    assert.deepEqual([...mm.kv.keys()].filter((k) => k.startsWith('dq_d_')), [], 'no outcome recorded yet');
    await release();
    const id = await delivered;
    assert.equal(sent[0], id);
    await waitFor(() => ![...mm.kv.keys()].some((k) => k.startsWith(JOB_PREFIX)), 2000, 'the finished group to go');

    failWrite = true;
    const failing = s.deliver(job(makeHook(), 'http://127.0.0.1:9/', 2));
    await waitFor(() => sent.length === 2, 2000, 'the second send');
    await release();
    await assert.rejects(failing, /store unavailable/);
    await sleep(20);
    assert.deepEqual([...mm.kv.keys()].filter((k) => k.startsWith(JOB_PREFIX) || k.startsWith('dq_d_') || k.startsWith(SHARD_PREFIX)), [], 'nothing of the failed group is stored');
  });
});

describe('durable queue: leases of groups being written', () => {
  it('renews no lease before its group is stored, and loses no group to a renewal that came too early', async () => {
    const mm = new MemoryMattermost();
    const held: (() => void)[] = [];
    const api = Object.create(mm) as MemoryMattermost;
    api.kvSet = async (key, value) => {
      if (key.startsWith(JOB_PREFIX)) await new Promise<void>((r) => held.push(r));
      return mm.kvSet(key, value);
    };
    let renewal: Promise<void> | null = null;
    const q: DurableQueue<{n: number}> = new DurableQueue<{n: number}>(
      api,
      async () => {
        // A renewal round that starts while the group's record and lease are still to be written.
        renewal ??= (q as unknown as {renewAll(): Promise<void>}).renewAll();
        return {kind: 'done'};
      },
      {nodeId: 'n', sweepOnStart: false},
    );
    q.start();
    const queued = q.enqueue({hook_id: 'h', payload: {n: 1}});
    await waitFor(() => renewal !== null, 2000, 'the job to run');
    await waitFor(() => held.length > 0, 2000, 'the group write to start');
    await sleep(10);
    for (const r of held.splice(0)) r();
    await queued;
    await renewal;
    assert.deepEqual(mm.logs.filter((l) => l.message.includes('lost the lease')).map((l) => l.message), []);
    await waitFor(() => ![...mm.kv.keys()].some((k) => k.startsWith(JOB_PREFIX) || k.startsWith(LEASE_PREFIX)), 2000, 'the finished group and its lease to go');
    await q.stop(0);
  });
});

describe('durable queue: what a job stores', () => {
  it('keeps no copy of the hook (nor its secret) when attempts read the hook anyway', async () => {
    const mm = new MemoryMattermost();
    const hook = makeHook({signing_secret: 'hbs_not_in_the_queue'});
    const withGetHook = createDurableDeliveryService({api: mm, nodeId: 'n', send: () => new Promise(() => undefined), getHook: async () => hook});
    await withGetHook.deliver(job(hook, 'http://127.0.0.1:9/', 1));
    const stored = [...mm.kv.entries()].filter(([k]) => k.startsWith(JOB_PREFIX)).map(([, v]) => Buffer.from(v.value).toString());
    assert.equal(stored.length, 1);
    assert.equal((JSON.parse(stored[0]!) as {jobs: {payload: {hook?: unknown}}[]}).jobs[0]!.payload.hook, undefined);
    assert.ok(!stored[0]!.includes('hbs_not_in_the_queue'));

    const mm2 = new MemoryMattermost();
    const without = createDurableDeliveryService({api: mm2, nodeId: 'n', send: () => new Promise(() => undefined)});
    await without.deliver(job(hook, 'http://127.0.0.1:9/', 1));
    const kept = [...mm2.kv.entries()].filter(([k]) => k.startsWith(JOB_PREFIX)).map(([, v]) => JSON.parse(Buffer.from(v.value).toString()) as {jobs: {payload: {hook?: {id: string}}}[]});
    assert.equal(kept[0]!.jobs[0]!.payload.hook?.id, hook.id, 'without getHook the queued copy is what attempts use');
  });
});
