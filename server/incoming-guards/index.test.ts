import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {describe, it} from 'node:test';
import type {PluginAPI} from '../mattermost/api.js';
import {MemoryMattermost} from '../mattermost/memory.js';
import {fakeRequest} from '../mattermost/testing.js';
import {checkIncoming, KvRateLimiter, type IncomingGuardHook} from './index.js';

const SECRET = 'It is a secret to everybody';
const body = Buffer.from('{"text":"deploy finished ✓"}');
const NOW = 1_700_000_000_000;

// Independent signers written from the providers' documentation.
const github = (b: Buffer, secret = SECRET) => 'sha256=' + createHmac('sha256', secret).update(b).digest('hex');
const slack = (ts: number, b: Buffer, secret = SECRET) => 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${b.toString('utf8')}`).digest('hex');

const request = (headers: Record<string, string> = {}, remoteAddr = '127.0.0.1:40000') => fakeRequest({method: 'POST', url: '/hooks/h1', headers, body, remoteAddr});
const hook = (extra: Partial<IncomingGuardHook> = {}): IncomingGuardHook => ({id: 'h1', ...extra});
const clock = (start = NOW) => {
  let t = start;
  return {now: () => t, advance: (ms: number) => void (t += ms)};
};

/** A second "node": its own object over the same store. */
function node(mm: MemoryMattermost): PluginAPI {
  return {
    kvGet: (k: string) => mm.kvGet(k),
    kvSetWithOptions: (k: string, v: Uint8Array | null, o: Parameters<PluginAPI['kvSetWithOptions']>[2]) => mm.kvSetWithOptions(k, v, o),
    logWarn: (m: string, f?: Parameters<PluginAPI['logWarn']>[1]) => mm.logWarn(m, f),
  } as unknown as PluginAPI;
}

describe('incoming guards: signatures', () => {
  const mm = new MemoryMattermost();
  const gh = hook({signature: {mode: 'github', secret: SECRET}});
  const sl = hook({signature: {mode: 'slack', secret: SECRET}});

  it('accepts a valid GitHub signature and refuses wrong, missing or other-secret ones', async () => {
    assert.deepEqual(await checkIncoming(gh, request({'X-Hub-Signature-256': github(body)}), body, mm), {ok: true});
    assert.deepEqual(await checkIncoming(gh, request({'X-Hub-Signature-256': github(body).toUpperCase().replace('SHA256=', 'sha256=')}), body, mm), {ok: true});
    const wrong = await checkIncoming(gh, request({'X-Hub-Signature-256': github(body, 'other')}), body, mm);
    assert.deepEqual(wrong, {ok: false, status: 401, message: 'Invalid X-Hub-Signature-256 signature.'});
    const tampered = await checkIncoming(gh, request({'X-Hub-Signature-256': github(body)}), Buffer.from('{"text":"x"}'), mm);
    assert.equal(tampered.ok, false);
    const missing = await checkIncoming(gh, request(), body, mm);
    assert.deepEqual(missing, {ok: false, status: 401, message: 'Missing X-Hub-Signature-256 header.'});
  });

  it('accepts a fresh Slack signature; refuses invalid, replayed and future ones', async () => {
    const c = clock();
    const ts = Math.floor(NOW / 1000);
    const ok = await checkIncoming(sl, request({'X-Slack-Signature': slack(ts, body), 'X-Slack-Request-Timestamp': String(ts)}), body, mm, {now: c.now});
    assert.deepEqual(ok, {ok: true});
    const bad = await checkIncoming(sl, request({'X-Slack-Signature': slack(ts, body, 'nope'), 'X-Slack-Request-Timestamp': String(ts)}), body, mm, {now: c.now});
    assert.deepEqual(bad, {ok: false, status: 401, message: 'Invalid X-Slack-Signature signature.'});
    // The same valid request six minutes later is a replay.
    c.advance(6 * 60_000);
    const replay = await checkIncoming(sl, request({'X-Slack-Signature': slack(ts, body), 'X-Slack-Request-Timestamp': String(ts)}), body, mm, {now: c.now});
    assert.equal(replay.ok, false);
    assert.equal(!replay.ok && replay.status, 401);
    assert.match(!replay.ok ? replay.message : '', /replay/);
    const future = ts + 10 * 60 + 360;
    const ahead = await checkIncoming(sl, request({'X-Slack-Signature': slack(future, body), 'X-Slack-Request-Timestamp': String(future)}), body, mm, {now: c.now});
    assert.equal(ahead.ok, false);
    const missing = await checkIncoming(sl, request({'X-Slack-Signature': slack(ts, body)}), body, mm, {now: c.now});
    assert.deepEqual(missing, {ok: false, status: 401, message: 'Missing X-Slack-Signature or X-Slack-Request-Timestamp header.'});
  });

  it('never echoes the secret or the expected signature, and fails closed without a secret', async () => {
    const results = [
      await checkIncoming(gh, request({'X-Hub-Signature-256': 'sha256=00'}), body, mm),
      await checkIncoming(sl, request({'X-Slack-Signature': 'v0=00', 'X-Slack-Request-Timestamp': String(Math.floor(Date.now() / 1000))}), body, mm),
    ];
    for (const r of results) {
      assert.equal(r.ok, false);
      const text = JSON.stringify(r);
      assert.ok(!text.includes(SECRET) && !text.includes(github(body).slice(7, 20)), text);
    }
    const noSecret = await checkIncoming(hook({signature: {mode: 'github'}}), request({'X-Hub-Signature-256': github(body)}), body, mm);
    assert.equal(!noSecret.ok && noSecret.status, 401);
    assert.deepEqual(await checkIncoming(hook({signature: {mode: 'none', secret: 'x'}}), request(), body, mm), {ok: true});
  });
});

describe('incoming guards: IP allow-list', () => {
  const mm = new MemoryMattermost();
  const h = hook({allowed_ips: ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7']});

  it('allows listed v4, v6 and CIDR clients, refuses others with 403', async () => {
    for (const addr of ['192.0.2.55:1', '[2001:db8::1]:443', '198.51.100.7:9', '[::ffff:192.0.2.9]:5']) {
      assert.deepEqual(await checkIncoming(h, request({}, addr), body, mm), {ok: true}, addr);
    }
    for (const addr of ['198.51.100.8:1', '[2001:db9::1]:443', '127.0.0.1:1']) {
      const r = await checkIncoming(h, request({}, addr), body, mm);
      assert.equal(!r.ok && r.status, 403, addr);
    }
    const unknown = await checkIncoming(h, request({}, 'garbage'), body, mm);
    assert.equal(!unknown.ok && unknown.status, 403);
  });

  it('believes X-Forwarded-For only behind a configured proxy', async () => {
    const spoofed = request({'X-Forwarded-For': '192.0.2.1'}, '203.0.113.1:1');
    assert.equal((await checkIncoming(h, spoofed, body, mm)).ok, false);
    assert.equal((await checkIncoming(h, spoofed, body, mm, {behindProxy: true})).ok, true);
    const viaProxy = request({'X-Forwarded-For': '192.0.2.1, 10.0.0.9'}, '10.0.0.2:1');
    assert.equal((await checkIncoming(h, viaProxy, body, mm, {behindProxy: true, trustedProxies: ['10.0.0.0/8']})).ok, true);
    const notViaProxy = request({'X-Forwarded-For': '192.0.2.1'}, '203.0.113.1:1');
    assert.equal((await checkIncoming(h, notViaProxy, body, mm, {behindProxy: true, trustedProxies: ['10.0.0.0/8']})).ok, false);
  });

  it('fails closed when every entry is invalid', async () => {
    const r = await checkIncoming(hook({allowed_ips: ['not-an-ip']}), request(), body, mm);
    assert.equal(!r.ok && r.status, 403);
    assert.ok(mm.logs.some((l) => l.level === 'warn' && l.message.includes('allowed_ips')));
  });

  it('checks the allow-list before the signature', async () => {
    const r = await checkIncoming(hook({allowed_ips: ['10.0.0.0/8'], signature: {mode: 'github', secret: SECRET}}), request({}, '8.8.8.8:1'), body, mm);
    assert.equal(!r.ok && r.status, 403);
  });
});

describe('incoming guards: rate limit', () => {
  it('allows a burst of per_minute, then 429 with Retry-After, then refills', async () => {
    const mm = new MemoryMattermost();
    const c = clock();
    const limiter = new KvRateLimiter(mm, {now: c.now});
    const h = hook({rate_limit: {per_minute: 6}});
    for (let i = 0; i < 6; i++) assert.deepEqual(await checkIncoming(h, request(), body, mm, {limiter, now: c.now}), {ok: true}, `request ${i}`);
    const limited = await checkIncoming(h, request(), body, mm, {limiter, now: c.now});
    assert.equal(!limited.ok && limited.status, 429);
    assert.equal(!limited.ok && limited.retryAfterSeconds, 10, 'one token per 10 s');
    c.advance(4_000);
    const still = await checkIncoming(h, request(), body, mm, {limiter, now: c.now});
    assert.equal(!still.ok && still.retryAfterSeconds, 6);
    c.advance(6_000);
    assert.deepEqual(await checkIncoming(h, request(), body, mm, {limiter, now: c.now}), {ok: true});
    const state = JSON.parse(Buffer.from((await mm.kvGet('rl_h1'))!).toString()) as {tokens: number; updatedAt: number};
    assert.equal(state.updatedAt, c.now());
    assert.ok(state.tokens >= 0 && state.tokens < 1);
    assert.deepEqual(await checkIncoming(hook({rate_limit: {per_minute: 0}}), request(), body, mm, {limiter}), {ok: true});
  });

  it('is shared by two nodes: concurrent requests never exceed the bucket', async () => {
    const mm = new MemoryMattermost();
    const c = clock();
    const a = node(mm);
    const b = node(mm);
    const la = new KvRateLimiter(a, {now: c.now});
    const lb = new KvRateLimiter(b, {now: c.now});
    const h = hook({rate_limit: {per_minute: 30}});
    const results = await Promise.all(Array.from({length: 80}, (_, i) => (i % 2 ? checkIncoming(h, request(), body, a, {limiter: la, now: c.now}) : checkIncoming(h, request(), body, b, {limiter: lb, now: c.now}))));
    assert.equal(results.filter((r) => r.ok).length, 30);
    assert.equal(results.filter((r) => !r.ok && r.status === 429).length, 50);
    assert.equal(mm.logs.filter((l) => l.level === 'warn').length, 0, 'no fail-open under contention');
  });

  it('fails open with a warning when the KV store errors', async () => {
    const mm = new MemoryMattermost();
    const broken = {...node(mm), kvGet: () => Promise.reject(new Error('db down'))} as unknown as PluginAPI;
    const r = await checkIncoming(hook({rate_limit: {per_minute: 1}}), request(), body, broken, {limiter: new KvRateLimiter(broken)});
    assert.deepEqual(r, {ok: true});
    assert.ok(mm.logs.some((l) => l.level === 'warn' && String(l.fields.error).includes('db down')));
  });
});
