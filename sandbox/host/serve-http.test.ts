import assert from 'node:assert/strict';
import {createServer, request as httpRequest, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {Readable} from 'node:stream';
import {describe, it} from 'node:test';
import {sleep, socketPair} from '../../test/support/net.js';
import {hooksService, type PluginHooks} from '../../server/mattermost/hooks.js';
import {readBody, sendJSON, type PluginRequest, type PluginResponse} from '../../server/mattermost/http.js';
import {MuxBroker} from '../../server/wire/goplugin/index.js';
import {RpcClient, RpcServer} from '../../server/wire/netrpc/index.js';
import {YamuxSession, type YamuxStream} from '../../server/wire/yamux/index.js';
import {BufferSink, NodeResponseSink} from './sinks.js';
import {callServeHTTP, ResponseWriterService, sniffContentType} from './serve-http.js';

function writer(): {rw: ResponseWriterService; sink: BufferSink; call: (m: string, arg: unknown) => Promise<unknown>} {
  const sink = new BufferSink();
  const rw = new ResponseWriterService(sink);
  return {rw, sink, call: async (m, arg) => rw.service[m]!.handle(arg)};
}

describe('ServeHTTP response writer (host side)', () => {
  it('SyncHeader replaces the header map; headers go out with the first Write', async () => {
    const {rw, sink, call} = writer();
    await call('SyncHeader', {'X-A': ['1'], 'X-B': ['2']});
    await call('SyncHeader', {'X-B': ['3'], 'Content-Type': ['application/json']});
    assert.deepEqual(await call('Header', {}), {'X-B': ['3'], 'Content-Type': ['application/json']});
    await call('WriteHeader', 201);
    assert.equal(sink.headersSent, false, 'held back until the first write, as in Go');
    await call('Write', Buffer.from('{"ok":true}'));
    rw.finish();
    const r = await sink.result();
    assert.equal(r.status, 201);
    assert.deepEqual(r.headers, {'X-B': ['3'], 'Content-Type': ['application/json']});
    assert.equal(r.body.toString(), '{"ok":true}');
  });

  it('rejects status codes outside 100..999, as http.go does', async () => {
    const {call} = writer();
    await assert.rejects(call('WriteHeader', 99), /invalid http status code/);
    await assert.rejects(call('WriteHeader', 1000), /invalid http status code/);
  });

  it('defaults to 200 with a sniffed Content-Type, and refuses calls after ServeHTTP returned', async () => {
    const {rw, sink, call} = writer();
    await call('Write', Buffer.from('<!DOCTYPE html><p>hi'));
    rw.finish();
    const r = await sink.result();
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers['Content-Type'], ['text/html; charset=utf-8']);
    await assert.rejects(call('Write', Buffer.from('late')), /already finished/);
  });

  it('answers an empty 200 when the plugin writes nothing, and 500 when ServeHTTP failed early', async () => {
    const a = writer();
    a.rw.finish();
    assert.equal((await a.sink.result()).status, 200);
    const b = writer();
    await b.rw.fail();
    const r = await b.sink.result();
    assert.equal(r.status, 500);
    assert.equal(r.body.toString(), '500 internal server error\n');
  });

  it('sniffs like http.DetectContentType for the common cases', () => {
    assert.equal(sniffContentType(Buffer.from('plain words')), 'text/plain; charset=utf-8');
    assert.equal(sniffContentType(Buffer.from([0, 1, 2, 3])), 'application/octet-stream');
    assert.equal(sniffContentType(Buffer.from('  <html>')), 'text/html; charset=utf-8');
  });
});

describe('ServeHTTP over the plugin protocol (host and plugin runtime)', () => {
  async function connected(plugin: PluginHooks): Promise<{call: (path: string, body: string) => Promise<{status: number; headers: Record<string, string[]>; body: string}>; streams: () => [number, number]; close: () => void}> {
    const {a, b, cleanup} = await socketPair();
    const host = new YamuxSession(a, {role: 'client', keepAliveMs: 0});
    const side = new YamuxSession(b, {role: 'server', keepAliveMs: 0});
    const hostBroker = new MuxBroker(host);
    host.on('stream', (st: YamuxStream) => void hostBroker.incoming(st));
    const service = hooksService(plugin, new MuxBroker(side));
    side.on('stream', (st: YamuxStream) => new RpcServer().register('Plugin', service).serve(st));
    const hooks = new RpcClient(host.open());
    return {
      call: async (path, body) => {
        const sink = new BufferSink();
        await callServeHTTP(
          hooks,
          hostBroker,
          {method: 'POST', url: path, requestURI: path, headers: {'Content-Length': [String(Buffer.byteLength(body))]}, host: 'h', remoteAddr: '127.0.0.1:1', body: Readable.from([Buffer.from(body)]), context: {}},
          sink,
        );
        const r = await sink.result();
        return {status: r.status, headers: r.headers, body: r.body.toString()};
      },
      streams: () => [host.streamCount, side.streamCount],
      close: () => {
        host.close();
        side.close();
        cleanup();
      },
    };
  }

  it('reads the body by its Content-Length, answers 200 without WriteHeader, and closes both streams', async () => {
    const seen: string[] = [];
    const plugin: PluginHooks = {
      setAPI: () => {},
      serveHTTP: async (_ctx, req: PluginRequest, res: PluginResponse) => {
        res.setHeader('Content-Type', 'text/plain');
        res.preflightHeaders?.();
        seen.push((await readBody(req, 1024)).toString());
        if (req.path === '/created') {
          await sendJSON(res, 201, {ok: true});
          return;
        }
        await res.end('ok');
      },
    };
    const statuses: unknown[] = [];
    const original = ResponseWriterService.prototype.writeHeader;
    ResponseWriterService.prototype.writeHeader = function (raw: unknown) {
      statuses.push(raw);
      return original.call(this, raw);
    };
    const c = await connected(plugin);
    try {
      const ok = await c.call('/hooks/x', 'hello');
      assert.deepEqual([ok.status, ok.headers['Content-Type'], ok.body], [200, ['text/plain'], 'ok']);
      const created = await c.call('/created', '{"a":1}');
      assert.deepEqual([created.status, created.headers['Content-Type'], created.body], [201, ['application/json'], '{"ok":true}']);
      assert.deepEqual(seen, ['hello', '{"a":1}']);
      assert.deepEqual(statuses, [201], 'only a status other than 200 is sent with WriteHeader');
      for (let i = 0; i < 50 && c.streams().some((n) => n > 1); i++) await sleep(10);
      assert.deepEqual(c.streams(), [1, 1], 'only the hooks stream is left on either side');
    } finally {
      ResponseWriterService.prototype.writeHeader = original;
      c.close();
    }
  });
});

describe('Node response sink', () => {
  async function serve(handler: (sink: NodeResponseSink) => Promise<void>): Promise<{status: number; headers: Record<string, string | string[] | undefined>; body: string}> {
    const server: Server = createServer((_req, res) => void handler(new NodeResponseSink(res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      return await new Promise((resolve, reject) => {
        const req = httpRequest({port: (server.address() as AddressInfo).port, host: '127.0.0.1', agent: false}, (res) => {
          let body = '';
          res.setEncoding('latin1');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}));
        });
        req.on('error', reject);
        req.end();
      });
    } finally {
      server.close();
    }
  }

  it('sends a small response at once with a Content-Length, and streams a large one', async () => {
    const small = await serve(async (sink) => {
      sink.writeHead(201, {'Content-Type': ['text/plain']});
      await sink.write(Buffer.from('o'));
      await sink.write(Buffer.from('k'));
      sink.end();
    });
    assert.deepEqual([small.status, small.headers['content-length'], small.headers['transfer-encoding'], small.body], [201, '2', undefined, 'ok']);
    const big = await serve(async (sink) => {
      sink.writeHead(200, {});
      for (let i = 0; i < 4; i++) await sink.write(Buffer.alloc(3000, 97 + i));
      sink.end();
    });
    assert.equal(big.headers['transfer-encoding'], 'chunked');
    assert.equal(big.body, ['a', 'b', 'c', 'd'].map((ch) => ch.repeat(3000)).join(''));
    const empty = await serve(async (sink) => {
      sink.writeHead(204, {});
      sink.end();
    });
    assert.deepEqual([empty.status, empty.headers['content-length'], empty.body], [204, undefined, '']);
  });
});
