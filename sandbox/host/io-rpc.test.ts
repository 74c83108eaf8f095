import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {PassThrough, Readable} from 'node:stream';
import {describe, it} from 'node:test';
import {collect, pattern, socketPair} from '../../test/support/net.js';
import {putVarint} from '../../server/mattermost/varint.js';
import {YamuxSession, type YamuxStream} from '../../server/wire/yamux/index.js';
import {readVarint, serveIOReader} from './io-rpc.js';

describe('io_rpc varints', () => {
  it('reads a varint split across chunks and leaves what follows in the stream', async () => {
    const s = new PassThrough();
    const bytes = Buffer.concat([putVarint(1n << 40n), Buffer.from('rest')]);
    s.write(bytes.subarray(0, 2));
    setTimeout(() => s.end(bytes.subarray(2)), 5);
    assert.equal(await readVarint(s), 1n << 40n);
    assert.equal((await collect(s)).toString(), 'rest');
  });

  it('returns null at the end of the stream', async () => {
    const s = new PassThrough();
    s.end();
    assert.equal(await readVarint(s), null);
  });
});

describe('serveIOReader', () => {
  async function plugin(requests: bigint[], bodySize: number): Promise<{received: Buffer; served: number}> {
    const {a, b, cleanup} = await socketPair();
    try {
      const body = pattern(bodySize, 7);
      const serving = serveIOReader(Readable.from([body.subarray(0, bodySize / 2), body.subarray(bodySize / 2)], {objectMode: false}), a);
      const received = collect(b);
      for (const r of requests) b.write(putVarint(r));
      const [served, got] = await Promise.all([serving, received]);
      assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(body.subarray(0, got.length)).digest('hex'));
      return {received: got, served};
    } finally {
      cleanup();
    }
  }

  it('serves one huge request like a Node plugin asks, then closes the stream (EOF)', async () => {
    const {received, served} = await plugin([1n << 40n], 5 * 1024 * 1024);
    assert.equal(received.length, 5 * 1024 * 1024);
    assert.equal(served, 5 * 1024 * 1024);
  });

  it('serves many 32 KiB requests like a Go plugin asks', async () => {
    const size = 200 * 1024 + 123;
    const requests = Array.from({length: Math.ceil(size / 32768) + 1}, () => 32768n);
    const {received} = await plugin(requests, size);
    assert.equal(received.length, size);
  });

  it('serves exactly the declared length, then closes once the reader ends its side (yamux)', {timeout: 20_000}, async () => {
    const {a, b, cleanup} = await socketPair();
    const hostSession = new YamuxSession(a, {role: 'client', keepAliveMs: 0});
    const pluginSession = new YamuxSession(b, {role: 'server', keepAliveMs: 0});
    try {
      const body = pattern(70_000, 3);
      // A source that never ends: the request is for exactly its length, so its end is never needed.
      const source = new PassThrough();
      source.write(body);
      const accepted = new Promise<YamuxStream>((resolve) => pluginSession.once('stream', resolve));
      const hostSide = hostSession.open();
      const serving = serveIOReader(source, hostSide);
      const pluginSide = await accepted;
      const chunks: Buffer[] = [];
      let got = 0;
      const all = new Promise<void>((resolve) =>
        pluginSide.on('data', (c: Buffer) => {
          chunks.push(c);
          got += c.length;
          if (got === body.length) resolve();
        }),
      );
      const ended = new Promise<void>((resolve) => pluginSide.on('end', resolve));
      pluginSide.write(putVarint(BigInt(body.length)));
      await all;
      assert.ok(Buffer.concat(chunks).equals(body));
      pluginSide.end();
      assert.equal(await serving, body.length);
      await ended;
      assert.equal(got, body.length, 'nothing after the body');
      assert.equal(hostSession.streamCount, 0, 'the stream is gone on the host');
    } finally {
      hostSession.close();
      pluginSession.close();
      cleanup();
    }
  });

  it('closes after a short copy even when the body is smaller than the request', async () => {
    const {received} = await plugin([10n], 4);
    assert.equal(received.length, 4);
  });
});
