import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {BufferSink} from './sinks.js';
import {ResponseWriterService, sniffContentType} from './serve-http.js';

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
