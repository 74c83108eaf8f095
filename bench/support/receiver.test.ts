import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import {after, before, describe, test} from 'node:test';
import {Receiver, stampedMessage} from './receiver.js';

function send(url: string, path: string, body: string, opts: {chunked?: boolean; agent?: http.Agent} = {}): Promise<{status: number; body: string; socket: net.Socket}> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {'Content-Type': 'application/json'};
    if (!opts.chunked) headers['Content-Length'] = String(Buffer.byteLength(body));
    const req = http.request(`${url}${path}`, {method: 'POST', headers, agent: opts.agent}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), socket: req.socket!}));
    });
    req.on('error', reject);
    if (opts.chunked) {
      // Two writes without a length: node:http sends them as two chunks.
      req.write(body.slice(0, 5));
      req.end(body.slice(5));
    } else req.end(body);
  });
}

describe('Receiver', () => {
  const receiver = new Receiver();
  before(() => receiver.start());
  after(() => receiver.stop());

  test('a stamped payload is counted with its post-to-receipt latency and answered 200 with no body', async () => {
    receiver.reset();
    const sentAt = process.hrtime.bigint();
    const body = JSON.stringify({token: 't', text: stampedMessage('bench'), trigger_word: 'bench'});
    const r = await send(receiver.url, '/hook/1', body);
    const elapsed = Number(process.hrtime.bigint() - sentAt) / 1e6;
    assert.deepEqual([r.status, r.body], [200, '']);
    assert.equal(receiver.count, 1);
    assert.equal(receiver.latencies.length, 1);
    assert.ok(receiver.latencies[0]! > 0 && receiver.latencies[0]! <= elapsed, `latency ${receiver.latencies[0]} within the ${elapsed} ms the request took`);
    assert.equal(receiver.lastBody.toString(), body);
  });

  test('chunked requests and kept-alive connections are read; payloads without a time are counted as bad', async () => {
    receiver.reset();
    const agent = new http.Agent({keepAlive: true, maxSockets: 1});
    try {
      const a = await send(receiver.url, '/a', JSON.stringify({text: stampedMessage('x')}), {agent, chunked: true});
      const b = await send(receiver.url, '/b', 'not json', {agent});
      const c = await send(receiver.url, '/c', JSON.stringify({text: 42}), {agent});
      assert.deepEqual([a.status, b.status, c.status], [200, 200, 200]);
      assert.equal(a.socket, c.socket, 'one kept-alive connection for all three');
      assert.deepEqual([receiver.count, receiver.latencies.length, receiver.bad], [3, 1, 2]);
      assert.equal(receiver.lastBody.toString(), '{"text":42}');
    } finally {
      agent.destroy();
    }
  });

  test('waitFor resolves once enough requests arrived, and false on time-out', async () => {
    receiver.reset();
    const waiting = receiver.waitFor(2, 5000);
    await send(receiver.url, '/1', '{}');
    await send(receiver.url, '/2', '{}');
    assert.equal(await waiting, true);
    assert.equal(await receiver.waitFor(3, 30), false);
  });

  test('a request that cannot be read gets a 400 and its connection closed, and the receiver goes on', async () => {
    receiver.reset();
    const port = Number(new URL(receiver.url).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n'));
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks).toString()));
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.deepEqual([receiver.malformed, receiver.count], [1, 0]);
    assert.equal((await send(receiver.url, '/ok', '{}')).status, 200);
  });
});
