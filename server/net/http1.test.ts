import assert from 'node:assert/strict';
import http from 'node:http';
import net, {type AddressInfo} from 'node:net';
import {after, describe, it} from 'node:test';
import {ResponseTooLargeError} from './errors.js';
import {Http1Pool, ResponseParser, requestHead, ProtocolError, type Http1Request} from './http1.js';

const loopback = {address: '127.0.0.1', family: 4 as const};
const pools: Http1Pool[] = [];
const servers: net.Server[] = [];
after(() => {
  for (const p of pools) p.close();
  for (const s of servers) s.close();
});

function pool(options: ConstructorParameters<typeof Http1Pool>[0] = {}): Http1Pool {
  const p = new Http1Pool(options);
  pools.push(p);
  return p;
}

function req(port: number, path = '/x', extra: Partial<Http1Request> = {}): Http1Request {
  return {url: new URL(`http://localhost:${port}${path}`), address: loopback, method: 'POST', headers: {'Content-Type': 'text/plain'}, body: Buffer.from('hello'), signal: AbortSignal.timeout(3000), maxBytes: 1024 * 1024, ...extra};
}

/** A raw TCP server answering each request (once its head and body arrived) with `answer`; records what it read and which connection. */
async function rawServer(answer: (request: string, n: number) => string | Buffer | null): Promise<{port: number; requests: {text: string; remotePort: number}[]; sockets: net.Socket[]}> {
  const requests: {text: string; remotePort: number}[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const text = buf.slice(0, end + 4 + length);
        buf = buf.slice(end + 4 + length);
        requests.push({text, remotePort: socket.remotePort!});
        const out = answer(text, requests.length);
        if (out !== null) socket.write(out);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {port: (server.address() as AddressInfo).port, requests, sockets};
}

const ok = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('HTTP/1.1 client: requests', () => {
  it('writes one request head with Host, the length and the caller headers, and refuses header injection', async () => {
    const s = await rawServer(() => ok('fine'));
    const res = await pool().request(req(s.port, '/hook?a=1&b=%20x', {headers: {'X-Sig': 'abc', Host: 'evil', 'content-length': '99'}}));
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(res.body).toString(), 'fine');
    const text = s.requests[0]!.text;
    assert.match(text, /^POST \/hook\?a=1&b=%20x HTTP\/1\.1\r\nHost: localhost:\d+\r\nX-Sig: abc\r\nContent-Length: 5\r\n\r\nhello$/);
    assert.throws(() => requestHead({url: new URL('http://h/'), method: 'POST', headers: {'X-A': 'v\r\nInjected: 1'}}), TypeError);
    assert.throws(() => requestHead({url: new URL('http://h/'), method: 'POST', headers: {'Bad Name': 'v'}}), TypeError);
    await assert.rejects(pool().request(req(s.port, '/', {headers: {'X-A': 'a\nb'}})), TypeError);
    assert.equal(s.requests.length, 1, 'nothing sent for the refused one');
    assert.match(requestHead({url: new URL('http://h:80/p'), method: 'POST', headers: {}}), /^POST \/p HTTP\/1\.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n$/);
    assert.match(requestHead({url: new URL('http://h/p'), method: 'GET', headers: {}}), /^GET \/p HTTP\/1\.1\r\nHost: h\r\n\r\n$/);
  });

  it('reuses a kept-alive connection, and not after Connection: close or HTTP/1.0', async () => {
    let mode = 'keep';
    const s = await rawServer(() => (mode === 'close' ? ok('a', 'Connection: close\r\n') : mode === '1.0' ? 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb' : ok('c')));
    const p = pool();
    await p.request(req(s.port));
    await p.request(req(s.port));
    assert.equal(s.requests[0]!.remotePort, s.requests[1]!.remotePort, 'same connection');
    mode = 'close';
    await p.request(req(s.port));
    mode = 'keep';
    await p.request(req(s.port));
    assert.notEqual(s.requests[3]!.remotePort, s.requests[2]!.remotePort, 'a new connection after close');
    mode = '1.0';
    await p.request(req(s.port));
    mode = 'keep';
    await p.request(req(s.port));
    assert.notEqual(s.requests[5]!.remotePort, s.requests[4]!.remotePort, 'HTTP/1.0 without keep-alive is not reused');
  });

  it('does not reuse a connection the server closed while idle', async () => {
    const s = await rawServer(() => ok('x'));
    const p = pool();
    await p.request(req(s.port));
    for (const sock of s.sockets) sock.end();
    await new Promise((r) => setTimeout(r, 50));
    const res = await p.request(req(s.port));
    assert.equal(res.status, 200);
    assert.equal(s.sockets.length, 2);
  });

  it('queues requests beyond maxSockets per address and runs them as connections free up', async () => {
    const held: net.Socket[] = [];
    const s = await rawServer(() => null);
    const server = servers[servers.length - 1]!;
    server.on('connection', (c) => held.push(c));
    const p = pool({maxSockets: 2});
    const all = Promise.all(Array.from({length: 5}, (_, i) => p.request(req(s.port, `/${i}`))));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.sockets.length, 2, 'two connections at most');
    assert.equal(s.requests.length, 2);
    const answerAll = setInterval(() => {
      for (const c of held) c.write(ok('done'));
    }, 20);
    const results = await all;
    clearInterval(answerAll);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
    assert.equal(s.sockets.length, 2, 'the queued ones reused them');
  });

  it('rejects at the deadline and destroys the connection mid-response', async () => {
    const s = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    const p = pool();
    const controller = new AbortController();
    const pending = p.request(req(s.port, '/', {signal: controller.signal}));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort(new Error('deadline'));
    await assert.rejects(pending, /deadline/);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(s.sockets[0]!.destroyed || s.sockets[0]!.readableEnded, 'the server saw the connection go');
    assert.equal(p.idle, 0);
  });

  it('rejects oversize bodies and header sections, and malformed responses, without crashing', async () => {
    const answers = ['HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n' + 'x'.repeat(2000), `HTTP/1.1 200 OK\r\nX-Big: ${'y'.repeat(70 * 1024)}\r\n\r\n`, 'HTTX/1.1 200 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n'];
    const s = await rawServer((_t, n) => answers[n - 1] ?? null);
    const p = pool();
    await assert.rejects(p.request(req(s.port, '/', {maxBytes: 1000})), ResponseTooLargeError);
    await assert.rejects(p.request(req(s.port)), /header section exceeds/);
    await assert.rejects(p.request(req(s.port)), /malformed status line/);
    await assert.rejects(p.request(req(s.port)), /invalid chunk size/);
    await assert.rejects(p.request(req(s.port)), /invalid Content-Length/);
    await assert.rejects(p.request(req(s.port)), /line folding/);
    assert.equal(s.sockets.length, 6, 'every failed connection was dropped');
  });

  it('reports a connection closed before the response, and a refused connection', async () => {
    const s = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Le');
    const server = servers[servers.length - 1]!;
    server.on('connection', (c) => setTimeout(() => c.end(), 30));
    await assert.rejects(pool().request(req(s.port)), /closed before the response was complete/);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await assert.rejects(pool().request(req(port)), /ECONNREFUSED/);
  });

  it('works against node:http: chunked answers, 204, HEAD and repeated headers', async () => {
    const server = http.createServer((q, r) => {
      if (q.url === '/chunked') {
        r.setHeader('Set-Cookie', ['a=1', 'b=2']);
        r.write('part one, ');
        setTimeout(() => r.end('part two'), 10);
      } else if (q.url === '/empty') {
        r.writeHead(204).end();
      } else r.writeHead(200, {'Content-Length': '4'}).end(q.method === 'HEAD' ? undefined : 'body');
    });
    servers.push(server as unknown as net.Server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const p = pool();
    const chunked = await p.request(req(port, '/chunked'));
    assert.equal(Buffer.from(chunked.body).toString(), 'part one, part two');
    assert.equal(chunked.headers['set-cookie'], 'a=1, b=2');
    assert.equal((await p.request(req(port, '/empty'))).status, 204);
    const head = await p.request(req(port, '/head', {method: 'HEAD', body: undefined}));
    assert.equal(head.headers['content-length'], '4');
    assert.equal(head.body.length, 0);
    assert.equal(Buffer.from((await p.request(req(port, '/again'))).body).toString(), 'body', 'the connection still works after HEAD');
  });
});

describe('HTTP/1.1 client: response parser', () => {
  const parse = (bytes: string[], head = false, max = 1 << 20): ResponseParser => {
    const p = new ResponseParser(head, max);
    for (const b of bytes) p.feed(Buffer.from(b, 'latin1'));
    return p;
  };

  it('parses byte by byte what it parses at once', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nX-One: 1\r\nx-one: 2\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n';
    for (const pieces of [[text], text.split('')]) {
      const p = parse(pieces);
      assert.ok(p.done);
      assert.equal(p.status, 201);
      assert.equal(p.headers['x-one'], '1, 2');
      assert.equal(Buffer.from(p.body).toString(), 'hello world');
      assert.ok(p.reusable);
      assert.equal(p.leftover, 0);
    }
  });

  it('reads a body without length until the connection closes, and then never reuses it', () => {
    const p = parse(['HTTP/1.1 200 OK\r\n\r\nsome', ' more']);
    assert.ok(!p.done);
    p.end();
    assert.ok(p.done);
    assert.equal(Buffer.from(p.body).toString(), 'some more');
    assert.equal(p.reusable, false);
  });

  it('counts bytes after the response, and refuses 101 and an early close', () => {
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA']).leftover, 5);
    assert.throws(() => parse(['HTTP/1.1 101 Switching Protocols\r\n\r\n']), ProtocolError);
    const early = parse(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab']);
    assert.throws(() => early.end(), /closed before the response was complete/);
    assert.throws(() => parse([]).end(), /closed before a response/);
    assert.throws(() => parse(['HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n'], false, 100), ResponseTooLargeError);
  });
});
