import assert from 'node:assert/strict';
import {Duplex, Readable} from 'node:stream';
import {describe, it} from 'node:test';
import {GoMarshaled} from '../wire/gob/index.js';
import type {RpcClient} from '../wire/netrpc/index.js';
import {putVarint} from './varint.js';
import {BodyTooLargeError, buildRequest, canonicalHeaderKey, declaredLength, readBody, RemoteBody, RpcResponse} from './http.js';

describe('ServeHTTP plumbing', () => {
  it('canonicalises header names like Go', () => {
    assert.equal(canonicalHeaderKey('mattermost-user-id'), 'Mattermost-User-Id');
    assert.equal(canonicalHeaderKey('CONTENT-TYPE'), 'Content-Type');
    assert.equal(canonicalHeaderKey('x-hub-signature-256'), 'X-Hub-Signature-256');
  });

  it('builds the request from the HTTPRequestSubset Mattermost sends', () => {
    const req = buildRequest(
      {
        Method: 'post',
        URL: new GoMarshaled('binary', 'URL', new TextEncoder().encode('/hooks/abc?x=1&y=%20z')),
        Header: {'Mattermost-User-Id': ['u1'], 'X-Multi': ['a', 'b']},
        RemoteAddr: '10.0.0.1:5000',
        Host: 'chat.example.com',
      },
      {RequestId: 'r1'},
      Readable.from([]),
    );
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/abc');
    assert.equal(req.query.get('y'), ' z');
    assert.equal(req.userId, 'u1');
    assert.deepEqual(req.headers['x-multi'], ['a', 'b']);
    assert.equal(req.header('X-MULTI'), 'a');
    assert.equal(req.context.RequestId, 'r1');
  });

  it('reads bodies up to a limit and refuses larger ones early or while streaming', async () => {
    const mk = (chunks: Buffer[], headers: Record<string, string[]> = {}) => buildRequest({Method: 'POST', RequestURI: '/x', Header: headers}, {}, Readable.from(chunks));
    assert.equal((await readBody(mk([Buffer.from('ab'), Buffer.from('cd')]), 4)).toString(), 'abcd');
    await assert.rejects(readBody(mk([Buffer.alloc(3), Buffer.alloc(3)]), 4), BodyTooLargeError);
    await assert.rejects(readBody(mk([], {'Content-Length': ['999999']}), 4), BodyTooLargeError);
  });

  it('reads the body stream: checks the broker ack, stops at Content-Length without waiting for the host to close', async () => {
    let finalCalled = false;
    const stream = new Duplex({
      read() {},
      write(_c, _e, cb) {
        cb();
      },
      final(cb) {
        finalCalled = true;
        cb();
      },
    });
    const body = new RemoteBody(stream, Buffer.from([7, 0, 0, 0]), 5);
    const read = readAll(body);
    stream.push(Buffer.from([7, 0]));
    stream.push(Buffer.concat([Buffer.from([0, 0]), Buffer.from('he')]));
    stream.push(Buffer.from('llo'));
    // No end from the host: the declared length is enough.
    assert.equal((await read).toString(), 'hello');
    assert.equal(finalCalled, true, 'our side of the stream is closed, so the host stops serving');
  });

  it('reads a body of unknown length until the host closes, and fails on a wrong ack', async () => {
    const stream = new Duplex({read() {}, write: (_c, _e, cb) => cb()});
    const body = new RemoteBody(stream, Buffer.from([1, 0, 0, 0]), null);
    const read = readAll(body);
    stream.push(Buffer.from([1, 0, 0, 0, 0x61]));
    stream.push(Buffer.from('bc'));
    stream.push(null);
    assert.equal((await read).toString(), 'abc');

    const bad = new Duplex({read() {}, write: (_c, _e, cb) => cb()});
    const refused = readAll(new RemoteBody(bad, Buffer.from([2, 0, 0, 0]), 3));
    bad.push(Buffer.from([9, 0, 0, 0, 1, 2, 3]));
    await assert.rejects(refused, /ack/);
  });

  it('survives the body stream failing under a route that never reads the body', async () => {
    const stream = new Duplex({read() {}, write: (_c, _e, cb) => cb()});
    const body = new RemoteBody(stream, Buffer.from([3, 0, 0, 0]), 10);
    stream.destroy(new Error('stream reset by peer'));
    await new Promise((r) => setImmediate(r));
    assert.equal(body.destroyed, true);
  });

  it('asks io_rpc for exactly the declared length, for everything when unknown, and for nothing when empty', () => {
    assert.deepEqual(RemoteBody.request(5), putVarint(5n));
    assert.deepEqual(RemoteBody.request(null), putVarint(1n << 40n));
    assert.equal(RemoteBody.request(0).length, 0);
    assert.equal(declaredLength({'Content-Length': ['42']}), 42);
    assert.equal(declaredLength({'content-length': ['42', '42']}), 42);
    assert.equal(declaredLength({'Content-Length': ['42', '43']}), null);
    assert.equal(declaredLength({'Content-Length': ['-1']}), null);
    assert.equal(declaredLength({'Content-Length': ['1e3']}), null);
    assert.equal(declaredLength({}), null);
  });

  it('answers 200 with SyncHeader and Write only; other statuses add WriteHeader; preflighted headers are not sent twice', async () => {
    const calls: string[] = [];
    const client = {
      call: async (method: string, args: unknown) => {
        calls.push(`${method} ${method === 'Plugin.Write' ? Buffer.from(args as Uint8Array).toString() : JSON.stringify(args)}`);
        return {};
      },
    } as unknown as RpcClient;
    const ok = new RpcResponse(client);
    ok.setHeader('Content-Type', 'text/plain');
    ok.preflightHeaders();
    ok.setHeader('content-type', 'text/plain'); // unchanged: no second SyncHeader
    await ok.end('ok');
    assert.deepEqual(calls, ['Plugin.SyncHeader {"Content-Type":["text/plain"]}', 'Plugin.Write ok']);

    calls.length = 0;
    const changed = new RpcResponse(client);
    changed.setHeader('Content-Type', 'text/plain');
    changed.preflightHeaders();
    changed.statusCode = 404;
    changed.setHeader('Content-Type', 'application/json');
    await changed.end('{}');
    assert.deepEqual(calls, ['Plugin.SyncHeader {"Content-Type":["text/plain"]}', 'Plugin.SyncHeader {"Content-Type":["application/json"]}', 'Plugin.WriteHeader 404', 'Plugin.Write {}']);

    calls.length = 0;
    await new RpcResponse(client).end();
    assert.deepEqual(calls, ['Plugin.SyncHeader {}'], 'an empty 200 is just the headers');
  });

  it('takes a header named __proto__ as a header', () => {
    // As the gob decoder makes it: an own property named __proto__.
    const header = JSON.parse('{"__proto__": ["x"], "Accept": ["a"]}') as Record<string, string[]>;
    const req = buildRequest({Method: 'GET', RequestURI: '/x', Header: header}, {}, Readable.from([]));
    assert.equal(req.header('accept'), 'a');
    assert.equal(req.header('__proto__'), 'x');
    assert.equal(req.header('content-type'), undefined);
  });
});

function readAll(r: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => resolve(Buffer.concat(chunks)));
    r.on('error', reject);
  });
}
