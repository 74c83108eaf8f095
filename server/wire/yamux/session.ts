// A yamux session (hashicorp/yamux spec.md, session.go) over one connection.
//
// The client opens odd stream ids, the server even ones. Opening sends a
// WindowUpdate with SYN; the acceptor answers at once with ACK (Go tears the whole
// session down if an opened stream stays un-ACKed for 75 s). Pings with SYN must be
// answered with ACK and the same opaque value within Go's 10 s write timeout.
// Exceeding a receive window, a bad version or type, or a duplicate SYN is a
// protocol error: we send GoAway(1) and close.

import {EventEmitter} from 'node:events';
import type {Duplex} from 'node:stream';
import {ByteQueue, decodeHeader, encodeHeader, Flag, FrameType, GoAwayCode, HEADER_SIZE, ProtocolError, type FrameHeader} from './frame.js';
import {YamuxStream, type StreamHost} from './stream.js';

export interface SessionOptions {
  role: 'client' | 'server';
  /** Per-stream receive window; Go's MaxStreamWindowSize default is 256 KiB. */
  maxWindow?: number;
  /** Ping interval in ms; 0 disables keepalive. Go default: 30 s. */
  keepAliveMs?: number;
  /** How long a ping (or a keepalive) may go unanswered. Go: 10 s. */
  pingTimeoutMs?: number;
  /** Refuse (RST) streams beyond this many open at once. */
  maxStreams?: number;
}

export class SessionClosedError extends Error {
  override name = 'SessionClosedError';
}

export interface YamuxSession {
  on(event: 'stream', listener: (stream: YamuxStream) => void): this;
  on(event: 'close', listener: (err?: Error) => void): this;
  on(event: 'goaway', listener: (code: number) => void): this;
}

export class YamuxSession extends EventEmitter implements StreamHost {
  readonly maxWindow: number;
  private readonly streams = new Map<number, YamuxStream>();
  private nextId: number;
  private readonly incoming = new ByteQueue();
  private header: FrameHeader | null = null;
  private readonly pings = new Map<number, {resolve: (rtt: number) => void; reject: (e: Error) => void; start: number; timer: NodeJS.Timeout}>();
  private pingId = 0;
  private keepAlive: NodeJS.Timeout | null = null;
  private drainWaiters: (() => void)[] = [];
  private localGoAway = false;
  remoteGoAway = false;
  closed = false;
  closeError: Error | undefined;

  constructor(
    private readonly conn: Duplex,
    private readonly options: SessionOptions,
  ) {
    super();
    this.maxWindow = options.maxWindow ?? 256 * 1024;
    this.nextId = options.role === 'client' ? 1 : 2;
    conn.on('data', (chunk: Buffer) => this.onBytes(chunk));
    conn.on('drain', () => {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    });
    conn.on('error', (err) => this.close(err));
    conn.on('close', () => this.close());
    conn.on('end', () => this.close());
    const interval = options.keepAliveMs ?? 30_000;
    if (interval > 0) {
      this.keepAlive = setInterval(() => {
        this.ping().catch((err: Error) => this.close(new Error(`yamux: keepalive failed: ${err.message}`)));
      }, interval);
      this.keepAlive.unref();
    }
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Opens a stream; data may be written at once (the peer's ACK is not awaited). */
  open(): YamuxStream {
    if (this.closed) throw new SessionClosedError('yamux: session closed');
    if (this.remoteGoAway) throw new SessionClosedError('yamux: remote end is not accepting connections');
    const id = this.nextId;
    if (id > 0xffffffff) throw new SessionClosedError('yamux: stream ids exhausted');
    this.nextId += 2;
    const stream = new YamuxStream(id, this, Flag.SYN);
    this.streams.set(id, stream);
    stream.announce();
    return stream;
  }

  /** Round-trip time of a ping, in ms. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new SessionClosedError('yamux: session closed'));
    const id = (this.pingId = (this.pingId + 1) >>> 0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        reject(new Error('yamux: ping timeout'));
      }, this.options.pingTimeoutMs ?? 10_000);
      timer.unref();
      this.pings.set(id, {resolve, reject, start: performance.now(), timer});
      this.sendFrame(FrameType.Ping, Flag.SYN, 0, id).catch(reject);
    });
  }

  /** Tells the peer to open no more streams; existing ones continue. */
  goAway(code: number = GoAwayCode.Normal): Promise<void> {
    this.localGoAway = true;
    return this.sendFrame(FrameType.GoAway, 0, 0, code);
  }

  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err;
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const p of this.pings.values()) {
      clearTimeout(p.timer);
      p.reject(new SessionClosedError('yamux: session closed'));
    }
    this.pings.clear();
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.onSessionClosed(err);
    for (const w of this.drainWaiters) w();
    this.drainWaiters = [];
    this.conn.end();
    this.conn.destroy();
    this.emit('close', err);
  }

  // --- StreamHost ---

  sendFrame(type: FrameType, flags: number, streamId: number, length: number, payload?: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new SessionClosedError('yamux: session closed'));
    const header = encodeHeader(type, flags, streamId, length);
    let ok: boolean;
    if (!payload || payload.length === 0) {
      ok = this.conn.write(header);
    } else if (payload.length <= 16 * 1024) {
      ok = this.conn.write(Buffer.concat([header, payload], HEADER_SIZE + payload.length));
    } else {
      this.conn.cork();
      this.conn.write(header);
      ok = this.conn.write(payload);
      this.conn.uncork();
    }
    if (ok) return Promise.resolve();
    // Let the socket drain before a stream sends more: end-to-end backpressure.
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  streamClosed(id: number): void {
    this.streams.delete(id);
  }

  // --- incoming frames ---

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    this.incoming.push(chunk);
    try {
      for (;;) {
        if (!this.header) {
          if (this.incoming.length < HEADER_SIZE) return;
          this.header = decodeHeader(this.incoming.take(HEADER_SIZE));
          if (this.header.type === FrameType.Data && this.header.length > this.maxWindow) {
            // A well-behaved peer never sends more than a full window in one frame.
            throw new ProtocolError(`yamux: data frame of ${this.header.length} bytes exceeds the receive window`);
          }
        }
        const h = this.header;
        if (h.type === FrameType.Data && this.incoming.length < h.length) return;
        this.header = null;
        this.dispatch(h, h.type === FrameType.Data && h.length > 0 ? this.incoming.take(h.length) : undefined);
        if (this.closed) return;
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof ProtocolError) {
        void this.sendFrame(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError).catch(() => {});
      }
      this.close(e);
    }
  }

  private dispatch(h: FrameHeader, data: Buffer | undefined): void {
    switch (h.type) {
      case FrameType.Ping:
        if (h.flags & Flag.SYN) {
          void this.sendFrame(FrameType.Ping, Flag.ACK, 0, h.length).catch(() => {});
        } else if (h.flags & Flag.ACK) {
          const p = this.pings.get(h.length);
          if (p) {
            this.pings.delete(h.length);
            clearTimeout(p.timer);
            p.resolve(performance.now() - p.start);
          }
        }
        return;
      case FrameType.GoAway:
        this.remoteGoAway = true;
        this.emit('goaway', h.length);
        return;
      case FrameType.Data:
      case FrameType.WindowUpdate:
        break;
    }
    let stream = this.streams.get(h.streamId);
    if (h.flags & Flag.SYN) {
      if (stream) throw new ProtocolError(`yamux: duplicate stream declared ${h.streamId}`);
      const remoteParity = this.options.role === 'server' ? 1 : 0;
      if (h.streamId === 0 || h.streamId % 2 !== remoteParity) throw new ProtocolError(`yamux: invalid stream id ${h.streamId} from peer`);
      stream = this.accept(h.streamId);
      if (!stream) return;
    }
    if (!stream) return; // frames for streams already gone are dropped, data included
    if (h.type === FrameType.WindowUpdate) stream.onWindowUpdate(h.length);
    else if (data) stream.onData(data);
    if (h.flags & (Flag.FIN | Flag.RST)) stream.onFlags(h.flags);
  }

  private accept(id: number): YamuxStream | undefined {
    if (this.localGoAway || this.streams.size >= (this.options.maxStreams ?? 8192)) {
      void this.sendFrame(FrameType.WindowUpdate, Flag.RST, id, 0).catch(() => {});
      return undefined;
    }
    const stream = new YamuxStream(id, this, Flag.ACK);
    this.streams.set(id, stream);
    stream.announce(); // ACK at once, even if nobody ever writes on this stream
    this.emit('stream', stream);
    return stream;
  }
}
