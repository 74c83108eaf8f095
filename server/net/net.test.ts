import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {HttpClient, oneShotTransport, RedirectError, ResponseTooLargeError, TimeoutError, type Transport} from './http-client.js';
import {internalReason, parseCIDR, parseIP} from './ip.js';
import {AllowList, ForbiddenAddressError, ResolveError, SsrfGuard, type Resolver} from './ssrf.js';

describe('address classification', () => {
  const cases: [string, string | null][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', null],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.128.0.1', null],
    ['224.0.0.1', 'multicast'],
    ['8.8.8.8', null],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback (IPv4 inside IPv6)'],
    ['::ffff:7f00:1', 'loopback (IPv4 inside IPv6)'],
    ['::ffff:169.254.169.254', 'link-local (IPv4 inside IPv6)'],
    ['64:ff9b::a00:1', 'private (IPv4 inside IPv6)'],
    ['2002:c0a8:0101::1', 'private (IPv4 inside IPv6)'],
    ['::ffff:8.8.8.8', null],
    ['2606:4700::1111', null],
  ];
  for (const [ip, reason] of cases) {
    it(`${ip} → ${reason ?? 'public'}`, () => assert.equal(internalReason(parseIP(ip)!), reason));
  }

  it('refuses ambiguous spellings', () => {
    for (const bad of ['010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '::g', '1::2::3']) assert.equal(parseIP(bad), null, bad);
    assert.equal(parseCIDR('10.0.0.0/33'), null);
  });
});

const stubResolver =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const list = answers[host];
    if (!list) throw new Error(`ENOTFOUND ${host}`);
    return list.map((address) => ({address, family: address.includes(':') ? 6 : 4}));
  };

describe('SSRF guard', () => {
  const resolver = stubResolver({'evil.example': ['127.0.0.1'], 'mixed.example': ['93.184.216.34', '10.0.0.5'], 'good.example': ['93.184.216.34'], 'jenkins.internal': ['10.1.1.1'], 'v6.example': ['::ffff:192.168.0.1'], 'meta.example': ['169.254.169.254']});
  const guard = (entries: string[] = [], own: string[] = []) => new SsrfGuard({allowList: new AllowList(entries), resolver, ownAddresses: () => own});

  const refusals: [string, string][] = [
    ['http://evil.example/hook', 'loopback'],
    ['http://mixed.example/hook', 'private'],
    ['http://v6.example/hook', 'IPv4 inside IPv6'],
    ['http://meta.example/latest/meta-data', 'link-local'],
    ['http://127.0.0.1:8080/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://0.0.0.0/', 'unspecified'],
  ];
  for (const [url, reason] of refusals) {
    it(`refuses ${url}`, async () => {
      await assert.rejects(guard().vet(new URL(url)), (err: unknown) => err instanceof ForbiddenAddressError && err.reason.includes(reason));
    });
  }

  it("refuses the server's own interface addresses", async () => {
    await assert.rejects(guard([], ['93.184.216.34']).vet(new URL('http://good.example/')), /own address/);
  });

  it('allows public hosts and what the allow-list names (host, IP, CIDR)', async () => {
    assert.deepEqual(await guard().vet(new URL('https://good.example/x')), [{address: '93.184.216.34', family: 4}]);
    await guard(['jenkins.internal']).vet(new URL('http://jenkins.internal:8080/'));
    await guard(['10.1.1.1']).vet(new URL('http://jenkins.internal/'));
    await guard(['10.0.0.0/8']).vet(new URL('http://jenkins.internal/'));
    await guard(['127.0.0.1']).vet(new URL('http://evil.example/'));
    await guard(['192.168.0.0/16']).vet(new URL('http://v6.example/'));
    await assert.rejects(guard(['10.0.0.0/16']).vet(new URL('http://jenkins.internal/')), ForbiddenAddressError);
  });

  it('checks an IP address in a URL again on every request, though its parsed form is kept', () => {
    let own: string[] = [];
    const g = new SsrfGuard({allowList: new AllowList([]), resolver, ownAddresses: () => own});
    const url = new URL('http://93.184.216.34:8080/hook');
    assert.deepEqual(g.vetNow(url), [{address: '93.184.216.34', family: 4}]);
    assert.deepEqual(g.vetNow(new URL('http://[2606:2800:220:1::1]/')), [{address: '2606:2800:220:1:0:0:0:1', family: 6}]);
    own = ['93.184.216.34'];
    assert.throws(() => g.vetNow(url), /own address/);
    own = [];
    assert.deepEqual(g.vetNow(url), [{address: '93.184.216.34', family: 4}]);
    assert.throws(() => guard().vetNow(new URL('http://127.0.0.1:8080/')), ForbiddenAddressError);
    assert.deepEqual(guard(['127.0.0.1']).vetNow(new URL('http://127.0.0.1:8080/')), [{address: '127.0.0.1', family: 4}], 'the next guard decides for itself');
    assert.equal(g.vetNow(new URL('http://good.example/')), undefined, 'a name is not a literal');
  });

  it('reports names that do not resolve', async () => {
    await assert.rejects(guard().vet(new URL('http://nowhere.example/')), /could not resolve nowhere.example/);
  });

  it('resolves a name once for requests close together, keeps no failure, and checks every answer again', async () => {
    let lookups = 0;
    let failNext = true;
    const counting: Resolver = async (host) => {
      lookups++;
      await new Promise((r) => setTimeout(r, 5));
      if (host === 'flaky.example' && failNext) {
        failNext = false;
        throw new Error('SERVFAIL');
      }
      return [{address: host === 'inside.example' ? '10.0.0.7' : '93.184.216.34', family: 4}];
    };
    const g = new SsrfGuard({allowList: new AllowList([]), resolver: counting, ownAddresses: () => []});
    const url = new URL('http://good.example/hook');
    assert.equal(g.vetNow(url), undefined, 'an unresolved name needs a lookup');
    const answers = await Promise.all(Array.from({length: 20}, () => g.vet(url)));
    assert.equal(lookups, 1);
    assert.deepEqual(answers[19], [{address: '93.184.216.34', family: 4}]);
    assert.deepEqual(g.vetNow(url), [{address: '93.184.216.34', family: 4}], 'a fresh answer is used at once');
    assert.equal(lookups, 1);

    await assert.rejects(g.vet(new URL('http://flaky.example/')), ResolveError);
    assert.deepEqual(await g.vet(new URL('http://flaky.example/')), [{address: '93.184.216.34', family: 4}], 'a failed lookup is tried again');

    await assert.rejects(g.vet(new URL('http://inside.example/')), ForbiddenAddressError);
    assert.throws(() => g.vetNow(new URL('http://inside.example/')), ForbiddenAddressError, 'a remembered answer is still refused');
    assert.throws(() => g.vetNow(new URL('http://10.1.2.3/')), ForbiddenAddressError, 'an IP is vetted without waiting');
  });
});

describe('HTTP client', () => {
  let server: http.Server;
  let port = 0;
  const seen: {url: string; method: string; headers: http.IncomingHttpHeaders; body: string}[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({url: req.url ?? '', method: req.method ?? '', headers: req.headers, body});
        if (req.url === '/big') {
          res.end(Buffer.alloc(2 * 1024 * 1024, 97));
        } else if (req.url === '/slow') {
          setTimeout(() => res.end('late'), 2000).unref();
        } else if (req.url?.startsWith('/redirect/')) {
          const [, , status, ...rest] = req.url.split('/');
          res.writeHead(Number(status), {Location: decodeURIComponent(rest.join('/'))});
          res.end();
        } else {
          res.writeHead(500, {'Content-Type': 'application/json'});
          res.end(JSON.stringify({echo: body}));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  const resolver = stubResolver({'evil.example': ['127.0.0.1'], 'local.test': ['127.0.0.1']});

  function client(allow: string[], connects: string[] = []): HttpClient {
    const direct = oneShotTransport();
    const spy: Transport = (target, guard) => {
      connects.push(`${target.url.host}→${target.address.address}`);
      return direct(target, guard);
    };
    return new HttpClient({guard: () => new SsrfGuard({allowList: new AllowList(allow), resolver, ownAddresses: () => []}), transport: spy});
  }

  it('opens no socket for a refused target', async () => {
    const connects: string[] = [];
    await assert.rejects(client([], connects).request(`http://evil.example:${port}/hook`, {body: new Uint8Array([1]), timeoutMs: 1000}), ForbiddenAddressError);
    await assert.rejects(client([], connects).request(`http://127.0.0.1:${port}/hook`, {timeoutMs: 1000}), ForbiddenAddressError);
    assert.deepEqual(connects, []);
  });

  it('connects to the vetted address, whatever a second DNS answer would say', async () => {
    const connects: string[] = [];
    const res = await client(['local.test'], connects).request(`http://local.test:${port}/echo`, {body: new TextEncoder().encode('hello'), headers: {'Content-Type': 'text/plain'}, timeoutMs: 2000});
    assert.equal(res.status, 500);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(res.body)), {echo: 'hello'});
    assert.deepEqual(connects, [`local.test:${port}→127.0.0.1`]);
    const last = seen[seen.length - 1]!;
    assert.equal(last.headers['user-agent'], 'Mattermost-Bot/1.1');
    assert.equal(last.headers.host, `local.test:${port}`);
  });

  it('re-checks every redirect hop before connecting', async () => {
    const connects: string[] = [];
    const target = encodeURIComponent(`http://evil.example:${port}/echo`);
    // local.test is allowed by name; evil.example points at the same loopback address but is not.
    await assert.rejects(client(['local.test'], connects).request(`http://local.test:${port}/redirect/302/${target}`, {timeoutMs: 2000}), ForbiddenAddressError);
    assert.equal(connects.length, 1, connects.join());
  });

  it('follows redirects like Go: 302 turns POST into GET, 307 keeps it, at most 5 hops', async () => {
    const c = client(['127.0.0.1']);
    const base = `http://127.0.0.1:${port}`;
    await c.request(`${base}/redirect/302/${encodeURIComponent('/echo')}`, {body: new TextEncoder().encode('x'), timeoutMs: 2000});
    assert.equal(seen[seen.length - 1]!.method, 'GET');
    await c.request(`${base}/redirect/307/${encodeURIComponent('/echo')}`, {body: new TextEncoder().encode('kept'), timeoutMs: 2000});
    assert.deepEqual([seen[seen.length - 1]!.method, seen[seen.length - 1]!.body], ['POST', 'kept']);
    let loop = '/echo';
    for (let i = 0; i < 6; i++) loop = `/redirect/302/${encodeURIComponent(loop)}`;
    await assert.rejects(c.request(base + loop, {timeoutMs: 2000}), RedirectError);
  });

  it('drops credentials when a redirect leaves the host', async () => {
    const c = client(['127.0.0.1', 'local.test']);
    const target = encodeURIComponent(`http://local.test:${port}/echo`);
    await c.request(`http://127.0.0.1:${port}/redirect/307/${target}`, {headers: {Authorization: 'Bearer secret', 'X-Custom': 'kept'}, timeoutMs: 2000});
    const last = seen[seen.length - 1]!;
    assert.equal(last.headers.authorization, undefined);
    assert.equal(last.headers['x-custom'], 'kept');
  });

  it('keeps connections alive per vetted address, and not across a change of settings', async () => {
    let connections = 0;
    const count = (): void => void connections++;
    server.on('connection', count);
    try {
      const allowing = (): SsrfGuard => new SsrfGuard({allowList: new AllowList(['127.0.0.1', 'local.test']), resolver, ownAddresses: () => []});
      let guard = allowing();
      const c = new HttpClient({guard: () => guard});
      for (let i = 0; i < 3; i++) assert.equal((await c.request(`http://127.0.0.1:${port}/echo`, {body: new Uint8Array([i]), timeoutMs: 2000})).status, 500);
      assert.equal(connections, 1, 'one connection for three requests');
      // Another name resolving (and allowed) to the same address shares the address's pool.
      assert.equal((await c.request(`http://local.test:${port}/echo`, {timeoutMs: 2000})).status, 500);
      assert.equal(seen[seen.length - 1]!.headers.host, `local.test:${port}`);
      // New settings: nothing pooled under the old ones is used again...
      guard = allowing();
      await c.request(`http://127.0.0.1:${port}/echo`, {timeoutMs: 2000});
      const afterChange = connections;
      assert.ok(afterChange >= 2, `a fresh connection after the change (${afterChange})`);
      // ...and a guard that refuses the address refuses it before any pooled socket is touched.
      guard = new SsrfGuard({allowList: new AllowList([]), resolver, ownAddresses: () => []});
      await assert.rejects(c.request(`http://127.0.0.1:${port}/echo`, {timeoutMs: 2000}), ForbiddenAddressError);
      assert.equal(connections, afterChange);
    } finally {
      server.off('connection', count);
    }
  });

  it('refuses responses over the size cap', async () => {
    await assert.rejects(client(['127.0.0.1']).request(`http://127.0.0.1:${port}/big`, {timeoutMs: 2000}), ResponseTooLargeError);
  });

  it('gives up at the deadline', async () => {
    const started = Date.now();
    await assert.rejects(client(['127.0.0.1']).request(`http://127.0.0.1:${port}/slow`, {timeoutMs: 150}), TimeoutError);
    assert.ok(Date.now() - started < 1500);
  });

  it('counts a DNS lookup that never answers against the same deadline, and connects nowhere', async () => {
    const connects: string[] = [];
    const never: Resolver = () => new Promise(() => {});
    const c = new HttpClient({
      guard: () => new SsrfGuard({allowList: new AllowList([]), resolver: never, ownAddresses: () => []}),
      transport: (target) => {
        connects.push(target.url.host);
        return Promise.reject(new Error('no connection expected'));
      },
    });
    await assert.rejects(c.request('http://stuck.example:8080/hook', {timeoutMs: 100}), (err: unknown) => err instanceof TimeoutError && err.message === 'request to http://stuck.example:8080 timed out after 100 ms');
    assert.deepEqual(connects, []);
  });
});
