import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type {AddressInfo} from 'node:net';
import {after, before, describe, test} from 'node:test';
import {runLeanLoad} from './lean-load.js';

describe('runLeanLoad', () => {
  let server: http.Server;
  let url = '';
  const seen: {method: string; path: string; body: string; connection: number}[] = [];
  let connections = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({method: req.method ?? '', path: req.url ?? '', body, connection: (req.socket as net.Socket & {n?: number}).n ?? -1});
        if (req.url?.startsWith('/chunked')) {
          res.write('part one ');
          setImmediate(() => res.end('part two'));
        } else if (req.url?.startsWith('/teapot')) {
          res.statusCode = 418;
          res.end(`no ${body}`);
        } else if (req.url?.startsWith('/close')) {
          res.setHeader('Connection', 'close');
          res.end('bye');
        } else if (req.url?.startsWith('/hangup')) {
          req.socket.destroy();
        } else {
          res.end('ok');
        }
      });
    });
    server.on('connection', (s: net.Socket & {n?: number}) => (s.n = connections++));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('sends every request with its body over one kept-alive connection per worker', async () => {
    seen.length = 0;
    connections = 0;
    const r = await runLeanLoad({url: `${url}/hooks/x?y=1`, headers: {'Content-Type': 'application/json'}, body: (i) => Buffer.from(`{"n":${i}}`), concurrency: 3, requests: 30});
    assert.equal(r.errors, 0, r.firstError);
    assert.equal(r.latencies.length, 30);
    assert.ok(r.perSecond > 0 && r.p99 >= r.p50);
    assert.equal(seen.length, 30);
    assert.deepEqual(new Set(seen.map((s) => s.path)), new Set(['/hooks/x?y=1']));
    assert.deepEqual(seen.map((s) => JSON.parse(s.body).n).sort((a, b) => a - b), Array.from({length: 30}, (_, i) => i));
    assert.equal(connections, 3);
  });

  test('reads chunked answers to their end', async () => {
    const r = await runLeanLoad({url: `${url}/chunked`, body: Buffer.from('x'), concurrency: 2, requests: 6});
    assert.equal(r.errors, 0, r.firstError);
    assert.equal(r.latencies.length, 6);
  });

  test('an unexpected status is an error that names it; Connection: close opens a new connection', async () => {
    const teapot = await runLeanLoad({url: `${url}/teapot`, body: Buffer.from('tea'), concurrency: 1, requests: 2});
    assert.equal(teapot.errors, 2);
    assert.equal(teapot.firstError, '418: no tea');
    connections = 0;
    const close = await runLeanLoad({url: `${url}/close`, body: Buffer.from(''), concurrency: 1, requests: 3});
    assert.equal(close.errors, 0, close.firstError);
    assert.equal(connections, 3);
  });

  test('a server that hangs up or is not there gives errors, not a crash', async () => {
    const hangup = await runLeanLoad({url: `${url}/hangup`, body: Buffer.from('x'), concurrency: 2, requests: 4});
    assert.equal(hangup.errors, 4);
    assert.match(hangup.firstError, /closed before the response ended/);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await runLeanLoad({url: `http://127.0.0.1:${port}/`, body: Buffer.from('x'), concurrency: 1, requests: 2});
    assert.equal(refused.errors, 2);
    assert.match(refused.firstError, /ECONNREFUSED/);
  });

  test('a response that never comes times out', async () => {
    const silent = net.createServer((s) => s.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const r = await runLeanLoad({url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, body: Buffer.from('x'), concurrency: 1, requests: 1, timeoutMs: 50});
      assert.equal(r.errors, 1);
      assert.equal(r.firstError, 'timed out');
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
