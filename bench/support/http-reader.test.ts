import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {HttpReader, type HttpMessage} from './http-reader.js';

const feedAll = (reader: HttpReader, parts: string[]): (HttpMessage | null)[] => parts.map((p) => reader.feed(Buffer.from(p, 'latin1')));
const text = (m: HttpMessage | null | undefined): string => Buffer.concat(m?.body ?? []).toString();

/** Feeds `raw` in two parts, cut at every position in turn: nothing comes of the first, `check` sees what the second completes. */
function atEveryCut(kind: 'request' | 'response', raw: string, check: (m: HttpMessage | null | undefined) => void): void {
  for (let cut = 1; cut < raw.length; cut++) {
    const out = feedAll(new HttpReader(kind), [raw.slice(0, cut), raw.slice(cut)]);
    assert.equal(out[0], null, `cut at ${cut}`);
    check(out[1]);
  }
}

describe('HttpReader, responses', () => {
  test('a Content-Length response, split anywhere, ends exactly at its length', () => {
    atEveryCut('response', 'HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello', (m) => {
      assert.equal(m?.status, 201);
      assert.equal(text(m), 'hello');
      assert.equal(m?.close, false);
    });
  });

  test('chunked bodies are joined, with trailers, and the reader is ready for the next response', () => {
    const reader = new HttpReader('response');
    const out = feedAll(reader, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n', '2\r\nde\r\n0\r\nX-T: 1\r\n', '\r\n']);
    assert.deepEqual(out.slice(0, 2), [null, null]);
    assert.equal(text(out[2]), 'abcde');
    const next = reader.feed(Buffer.from('HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n'));
    assert.equal(next?.status, 204, 'a 204 has no body whatever its headers say');
  });

  test('an interim 100 response is skipped; Connection: close and HTTP/1.0 are reported', () => {
    const r = new HttpReader('response').feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    assert.equal(r?.status, 200);
    assert.equal(r?.close, true);
    assert.equal(new HttpReader('response').feed(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'))?.close, true);
  });

  test('malformed heads, bad chunk sizes and bytes past the end are errors', () => {
    assert.throws(() => new HttpReader('response').feed(Buffer.from('SMTP ready\r\n\r\n')), /malformed response head/);
    assert.throws(() => new HttpReader('response').feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')), /malformed response head/);
    assert.throws(() => new HttpReader('response').feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')), /chunk size/);
    assert.throws(() => new HttpReader('response').feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab')), /after the response/);
    assert.throws(() => new HttpReader('response').feed(Buffer.alloc(70 * 1024, 'a')), /over 64 KiB/);
  });
});

describe('HttpReader, requests', () => {
  test('a request gives its method, target and body, split anywhere', () => {
    atEveryCut('request', 'POST /hook/7?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"text":""}', (m) => {
      assert.deepEqual([m?.method, m?.target, m?.status, text(m), m?.close], ['POST', '/hook/7?x=1', 0, '{"text":""}', false]);
    });
  });

  test('requests sent back to back are read one by one, whatever their framing', () => {
    const reader = new HttpReader('request');
    const first = reader.feed(
      Buffer.from(
        'POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\nok\r\n0\r\n\r\nDELETE /d HTTP/1.0\r\n\r\n',
      ),
    );
    const rest = [reader.feed(Buffer.alloc(0)), reader.feed(Buffer.alloc(0)), reader.feed(Buffer.alloc(0)), reader.feed(Buffer.alloc(0))];
    assert.deepEqual(
      [first, ...rest].map((m) => m && [m.method, m.target, text(m), m.close]),
      [['POST', '/a', 'hi', false], ['GET', '/b', '', false], ['POST', '/c', 'ok', false], ['DELETE', '/d', '', true], null],
    );
  });

  test('Connection: close is reported; malformed request lines and lengths are errors', () => {
    assert.equal(new HttpReader('request').feed(Buffer.from('GET / HTTP/1.1\r\nConnection: close\r\n\r\n'))?.close, true);
    assert.throws(() => new HttpReader('request').feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), /malformed request head/);
    assert.throws(() => new HttpReader('request').feed(Buffer.from('POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n')), /malformed request head/);
    assert.throws(() => new HttpReader('request', 1024).feed(Buffer.alloc(2048, 'a')), /request head over 1 KiB/);
  });
});
