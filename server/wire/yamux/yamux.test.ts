import assert from 'node:assert/strict';
import {once} from 'node:events';
import {Duplex} from 'node:stream';
import {afterEach, describe, it} from 'node:test';
import {collect, pattern, sleep, socketPair} from '../../../test/support/net.js';
import {decodeHeader, encodeHeader, Flag, FrameType, YamuxSession, type YamuxStream} from './index.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function pair(opts: {maxWindow?: number; pingTimeoutMs?: number} = {}): Promise<{client: YamuxSession; server: YamuxSession}> {
  const {a, b, cleanup} = await socketPair();
  const client = new YamuxSession(a, {role: 'client', keepAliveMs: 0, ...opts});
  const server = new YamuxSession(b, {role: 'server', keepAliveMs: 0, ...opts});
  cleanups.push(() => {
    client.close();
    server.close();
    cleanup();
  });
  return {client, server};
}

function echo(session: YamuxSession): void {
  session.on('stream', (s: YamuxStream) => s.pipe(s));
}

describe('yamux session', () => {
  it('echoes 4 MiB on one stream, across many windows', async () => {
    const {client, server} = await pair();
    echo(server);
    const s = client.open();
    const data = pattern(4 * 1024 * 1024);
    const back = collect(s);
    s.end(data);
    assert.ok((await back).equals(data));
  });

  it('uses odd ids as client and even ids as server', async () => {
    const {client, server} = await pair();
    const seen: number[] = [];
    server.on('stream', (s: YamuxStream) => {
      seen.push(s.id);
      s.resume();
    });
    client.on('stream', (s: YamuxStream) => {
      seen.push(s.id);
      s.resume();
    });
    client.open().end();
    client.open().end();
    server.open().end();
    await sleep(50);
    assert.deepEqual(seen.sort(), [1, 2, 3]);
  });

  it('runs 50 concurrent streams without mixing bytes', async () => {
    const {client, server} = await pair();
    echo(server);
    await Promise.all(
      Array.from({length: 50}, async (_, i) => {
        const s = client.open();
        const data = pattern(64 * 1024, i);
        const back = collect(s);
        s.end(data);
        assert.ok((await back).equals(data), `stream ${i}`);
      }),
    );
  });

  it('opens 1000 streams one after another and forgets closed ones', async () => {
    const {client, server} = await pair();
    echo(server);
    for (let i = 0; i < 1000; i++) {
      const s = client.open();
      const back = collect(s);
      s.end(Buffer.from(`n${i}`));
      assert.equal((await back).toString(), `n${i}`);
    }
    await sleep(20);
    assert.equal(client.streamCount, 0);
    assert.equal(server.streamCount, 0);
  });

  it('half-closes: the reader sees end while it can still write back', async () => {
    const {client, server} = await pair();
    server.on('stream', async (s: YamuxStream) => {
      const got = await collect(s);
      s.end(Buffer.from(`got ${got.length}`));
    });
    const s = client.open();
    const reply = collect(s);
    s.end(Buffer.alloc(1000));
    assert.equal((await reply).toString(), 'got 1000');
  });

  it('hands chunks straight to a sink (takeChunks) in order, what came before first, then the end, across many windows', async () => {
    const {client, server} = await pair();
    const accepted = new Promise<YamuxStream>((resolve) => server.once('stream', resolve));
    const s = client.open();
    const first = pattern(1000);
    s.write(first);
    const peer = await accepted;
    await sleep(20); // the first chunk now waits in the stream's buffer
    const got: Buffer[] = [];
    let endedAt = -1;
    peer.on('end', () => (endedAt = got.length));
    peer.takeChunks((c) => got.push(Buffer.from(c)));
    assert.ok(Buffer.concat(got).equals(first), 'the buffered chunk, handed over at once');
    const rest = pattern(3 * 1024 * 1024).subarray(1000);
    s.end(rest);
    await once(peer, 'end');
    const all = Buffer.concat(got);
    assert.equal(all.length, 3 * 1024 * 1024, 'more than a window: the sink taking chunks grants more');
    assert.ok(all.equals(pattern(3 * 1024 * 1024)));
    assert.equal(endedAt, got.length, 'the end comes after the last chunk');
  });

  it('writeChunk keeps order with write() when the window runs out', async () => {
    const {client, server} = await pair();
    const back = new Promise<Buffer>((resolve) => server.once('stream', (p: YamuxStream) => resolve(collect(p))));
    const s = client.open();
    const big = pattern(400 * 1024);
    const small = Buffer.from('after the big one');
    // The big chunk outruns the 256 KiB window and waits in write(); the small one must not pass it.
    const wrote = [s.writeChunk(big), s.writeChunk(small)];
    await Promise.all(wrote);
    s.end();
    const got = await back;
    assert.ok(got.equals(Buffer.concat([big, small])));
  });

  it('stalls a writer when the reader stops, and releases it when reading resumes', async () => {
    const {client, server} = await pair();
    let serverStream!: YamuxStream;
    const accepted = new Promise<void>((resolve) =>
      server.once('stream', (s: YamuxStream) => {
        serverStream = s;
        s.pause();
        resolve();
      }),
    );
    const s = client.open();
    const data = pattern(1024 * 1024);
    let finished = false;
    s.write(data, () => (finished = true));
    await accepted;
    await sleep(150);
    assert.equal(finished, false, 'the writer must wait for window');
    const buffered = serverStream.readableLength;
    assert.ok(buffered <= 256 * 1024 + 64 * 1024, `receiver buffered ${buffered} bytes`);
    const back = collect(serverStream);
    serverStream.resume(); // an explicit pause() is not undone by adding a 'data' listener
    s.end();
    assert.ok((await back).equals(data));
    assert.equal(finished, true);
  });

  it('writes the frames of one turn in one socket write, in order, across streams', async () => {
    const {client, server} = await pair();
    const conn = (client as unknown as {conn: NodeJS.WritableStream & {write: (...a: unknown[]) => boolean}}).conn;
    let writes = 0;
    const write = conn.write.bind(conn);
    conn.write = (...a: unknown[]) => {
      writes++;
      return write(...(a as Parameters<typeof write>));
    };
    const got = new Map<number, string>();
    const done = new Promise<void>((resolve) => {
      let ended = 0;
      server.on('stream', (s: YamuxStream) => {
        let text = '';
        s.on('data', (c: Buffer) => (text += c.toString()));
        s.on('end', () => {
          got.set(s.id, text);
          if (++ended === 5) resolve();
        });
      });
    });
    // Five streams, each opened, written in ten pieces and closed, all in one turn.
    const streams = Array.from({length: 5}, () => client.open());
    for (let i = 0; i < 10; i++) for (const s of streams) s.write(`${s.id}:${i};`);
    for (const s of streams) s.end();
    await done;
    for (const s of streams) assert.equal(got.get(s.id), Array.from({length: 10}, (_, i) => `${s.id}:${i};`).join(''));
    // 5 SYNs + 50 data frames + 5 FINs, far fewer socket writes.
    assert.ok(writes <= 3, `${writes} socket writes`);
  });

  it('keeps flow control with coalescing: a window per stream, then the writer waits for the reader', async () => {
    const {client, server} = await pair();
    const readers: YamuxStream[] = [];
    const accepted = new Promise<void>((resolve) =>
      server.on('stream', (s: YamuxStream) => {
        s.pause();
        readers.push(s);
        if (readers.length === 3) resolve();
      }),
    );
    const data = pattern(600 * 1024);
    const finished: boolean[] = [false, false, false];
    const writers = [0, 1, 2].map((i) => {
      const s = client.open();
      s.write(data, () => (finished[i] = true));
      return s;
    });
    await accepted;
    await sleep(100);
    assert.deepEqual(finished, [false, false, false], 'no writer may get past the peer\'s window');
    for (const r of readers) assert.ok(r.readableLength <= 256 * 1024 + 64 * 1024, `buffered ${r.readableLength}`);
    const backs = readers.map((r) => collect(r));
    for (const r of readers) r.resume();
    for (const w of writers) w.end();
    for (const b of await Promise.all(backs)) assert.ok(b.equals(data));
    assert.deepEqual(finished, [true, true, true]);
  });

  it('sends frames queued before a close (a GoAway) before the connection ends', async () => {
    const {client, server} = await pair();
    const away = once(server, 'goaway');
    void client.goAway(0).catch(() => {});
    client.close();
    const [code] = (await away) as [number];
    assert.equal(code, 0);
  });

  it('answers pings', async () => {
    const {client, server} = await pair();
    const rtt = await client.ping();
    assert.ok(rtt >= 0);
    assert.ok((await server.ping()) >= 0);
  });

  it('delivers a reset as an error on the other side', async () => {
    const {client, server} = await pair();
    server.on('stream', (s: YamuxStream) => s.destroy(new Error('go away')));
    const s = client.open();
    s.write('hello');
    const err = await new Promise<Error>((resolve) => s.once('error', resolve));
    assert.match(err.message, /reset/);
  });

  it('refuses new streams after GoAway but keeps existing ones', async () => {
    const {client, server} = await pair();
    echo(server);
    const s = client.open();
    s.write('x');
    await once(s, 'data'); // established before the GoAway
    const back = collect(s);
    await server.goAway();
    await sleep(20);
    assert.throws(() => client.open(), /not accepting/);
    s.end('still works');
    assert.equal((await back).toString(), 'still works');
  });

  it('closes the session with GoAway on a window violation, without crashing', async () => {
    const {client, server} = await pair();
    server.on('stream', (s: YamuxStream) => s.pause());
    const s = client.open();
    await sleep(10);
    const closed = once(server, 'close');
    // Bypass flow control: a Data frame larger than the window.
    const raw = (client as unknown as {conn: NodeJS.WritableStream}).conn;
    raw.write(encodeHeader(FrameType.Data, 0, s.id, 300 * 1024));
    raw.write(Buffer.alloc(300 * 1024));
    const [err] = (await closed) as [Error];
    assert.match(err.message, /exceeds|window/);
  });

  it('closes on garbage frames, with a clear error', async () => {
    for (const garbage of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), encodeHeader(7 as FrameType, 0, 0, 0), Buffer.concat([encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0), encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0)])]) {
      const {client, server} = await pair();
      server.on('stream', (s: YamuxStream) => s.resume());
      const closed = once(server, 'close');
      (client as unknown as {conn: NodeJS.WritableStream}).conn.write(garbage);
      const [err] = (await closed) as [Error];
      assert.ok(err instanceof Error && /yamux/.test(err.message), String(err));
    }
  });

  it('survives random frames', async () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let i = 0; i < 30; i++) {
      const {client, server} = await pair({pingTimeoutMs: 100});
      server.on('stream', (s: YamuxStream) => s.resume());
      const raw = (client as unknown as {conn: NodeJS.WritableStream}).conn;
      const frames: Buffer[] = [];
      for (let j = 0; j < 20; j++) {
        const len = rand(3) === 0 ? rand(1 << 20) : rand(64);
        frames.push(encodeHeader(rand(4) as FrameType, rand(16), rand(8), len));
        if (rand(2)) frames.push(Buffer.alloc(Math.min(len, 4096), rand(256)));
      }
      raw.write(Buffer.concat(frames));
      await sleep(5);
      // Whatever happened, the session still answers, waits for the rest of a frame, or closed with an error.
      if (!server.closed) await server.ping().catch((err: Error) => assert.match(err.message, /timeout|closed/));
      else assert.ok(server.closeError === undefined || /yamux/.test(server.closeError.message), String(server.closeError));
    }
  });

  it('fails pending streams when the connection drops', async () => {
    const {client, server} = await pair();
    server.on('stream', (s: YamuxStream) => s.pause());
    const s = client.open();
    const closed = new Promise<void>((resolve) => s.once('close', resolve));
    (server as unknown as {conn: {destroy(): void}}).conn.destroy();
    await closed;
    assert.ok(client.closed && s.destroyed);
    assert.throws(() => client.open(), /closed/);
  });
});

describe('yamux batching of frames nobody waits for', () => {
  /**
   * A session over a connection whose every write is kept, one entry per write. A long
   * idleFlushMs makes "the FIN waited" independent of how busy the machine is.
   */
  function recorded(idleFlushMs?: number): {session: YamuxSession; writes: Buffer[]; peer: (frame: Buffer) => void} {
    const writes: Buffer[] = [];
    const conn = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        writes.push(Buffer.from(chunk));
        cb();
      },
    });
    const session = new YamuxSession(conn, {role: 'server', keepAliveMs: 0, idleFlushMs});
    cleanups.push(() => session.close());
    return {session, writes, peer: (frame) => conn.push(frame)};
  }

  function frames(write: Buffer): {type: FrameType; flags: number; streamId: number}[] {
    const out = [];
    for (let off = 0; off < write.length; ) {
      const h = decodeHeader(write, off);
      out.push({type: h.type, flags: h.flags, streamId: h.streamId});
      off += 12 + (h.type === FrameType.Data ? h.length : 0);
    }
    return out;
  }

  /** Whether any write so far carried a FIN for stream `id`. */
  const sentFin = (writes: Buffer[], id: number): boolean => writes.some((w) => frames(w).some((f) => f.streamId === id && (f.flags & Flag.FIN) !== 0));

  /** The peer opens stream 1, sends a byte and its FIN; we read to the end and close our side. */
  async function closedByPeerFirst(session: YamuxSession, peer: (frame: Buffer) => void): Promise<void> {
    const accepted = once(session, 'stream') as Promise<[YamuxStream]>;
    peer(Buffer.concat([encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0), encodeHeader(FrameType.Data, Flag.FIN, 1, 1), Buffer.from('x')]));
    const [stream] = await accepted;
    // The ACK goes out first, on its own turn: what follows must not ride with it.
    await new Promise((r) => setImmediate(r));
    await collect(stream);
    stream.end();
    await sleep(0);
  }

  it('sends the FIN that closes a stream the peer already closed with the next frames', async () => {
    const {session, writes, peer} = recorded(60_000);
    await closedByPeerFirst(session, peer);
    await new Promise((r) => setImmediate(r));
    const before = writes.length;
    assert.ok(!writes.some((w) => frames(w).some((f) => f.flags & Flag.FIN)), 'the FIN waited');
    session.open().end('y');
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, before + 1);
    assert.deepEqual(
      frames(writes.at(-1)!).map((f) => [f.streamId, f.flags & Flag.FIN ? 'FIN' : f.type]),
      [[1, 'FIN'], [2, FrameType.WindowUpdate], [2, FrameType.Data], [2, 'FIN']],
    );
  });

  it('sends it on its own when nothing else follows', async () => {
    const {session, writes, peer} = recorded();
    await closedByPeerFirst(session, peer);
    for (let i = 0; i < 100 && !sentFin(writes, 1); i++) await sleep(10);
    assert.ok(sentFin(writes, 1));
    assert.equal(session.streamCount, 0);
  });

  it('sends a FIN the peer is still waiting for at once', async () => {
    const {session, writes, peer} = recorded();
    const accepted = once(session, 'stream') as Promise<[YamuxStream]>;
    peer(encodeHeader(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    const [stream] = await accepted;
    stream.end();
    await new Promise((r) => setImmediate(r));
    assert.ok(sentFin(writes, 1));
  });
});
