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
import {IntMap} from '../../collections/int-map.js';
import {ByteQueue, decodeHeader, Flag, FrameType, GoAwayCode, HEADER_SIZE, ProtocolError, writeHeader, type FrameHeader} from './frame.js';
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
  /** How long a frame nobody waits for may wait for others to go with, ms (default 5). */
  idleFlushMs?: number;
}

export class SessionClosedError extends Error {
  override name = 'SessionClosedError';
}

// Outgoing frames are gathered and written once per turn of the event loop: a
// socket write costs far more than its bytes (a syscall, a write request), and
// one RPC exchange produces several frames (window updates, data, FIN) in a row.
/** Frames are copied into batch buffers of this size. */
const STAGE_SIZE = 64 * 1024;
/** Larger payloads are not copied but written as their own chunk of the batch. */
const COPY_LIMIT = 16 * 1024;
/**
 * A batch this large is written at once instead of at the end of the turn: the
 * peer starts on it while we produce the rest, rather than the two processes
 * taking turns with whole batches (which leaves one of them idle).
 */
const FLUSH_AT = 16 * 1024;
/** How long a batch of frames nobody waits for (queueIdleFrame) may wait for company, by default. */
const IDLE_FLUSH_MS = 5;
/** Queued bytes beyond which a sender waits for the socket, as conn.write's false would make it. */
const HIGH_WATER = 256 * 1024;
const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY = Buffer.alloc(0);

export interface YamuxSession {
  on(event: 'stream', listener: (stream: YamuxStream) => void): this;
  on(event: 'close', listener: (err?: Error) => void): this;
  on(event: 'goaway', listener: (code: number) => void): this;
}

export class YamuxSession extends EventEmitter implements StreamHost {
  readonly maxWindow: number;
  private readonly idleFlushMs: number;
  private readonly streams = new IntMap<YamuxStream>();
  private nextId: number;
  private readonly incoming = new ByteQueue();
  private header: FrameHeader | null = null;
  private readonly pings = new Map<number, {resolve: (rtt: number) => void; reject: (e: Error) => void; start: number; timer: NodeJS.Timeout}>();
  private pingId = 0;
  private keepAlive: NodeJS.Timeout | null = null;
  private drainWaiters: (() => void)[] = [];
  // The batch being gathered: sealed chunks, and the open region [stageStart, stageEnd) of stage.
  private segments: Buffer[] = [];
  private stage: Buffer = EMPTY;
  private stageStart = 0;
  private stageEnd = 0;
  private queued = 0;
  private flushScheduled = false;
  /** A batch holding only idle frames waits for this timer or for the next frame. */
  private idleFlush: NodeJS.Timeout | null = null;
  /** conn.write said its buffer is full; cleared by 'drain'. */
  private socketFull = false;
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
    this.idleFlushMs = options.idleFlushMs ?? IDLE_FLUSH_MS;
    this.nextId = options.role === 'client' ? 1 : 2;
    conn.on('data', (chunk: Buffer) => this.onBytes(chunk));
    conn.on('drain', () => {
      this.socketFull = false;
      if (this.queued < HIGH_WATER) this.wakeWriters();
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
      this.queueFrame(FrameType.Ping, Flag.SYN, 0, id);
    });
  }

  /** Tells the peer to open no more streams; existing ones continue. */
  goAway(code: number = GoAwayCode.Normal): Promise<void> {
    this.localGoAway = true;
    return this.sendFrame(FrameType.GoAway, 0, 0, code);
  }

  close(err?: Error): void {
    if (this.closed) return;
    // Frames already queued (a GoAway, a last reply) still go out before the connection ends.
    this.flush();
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
    this.wakeWriters();
    this.segments = [];
    this.stage = EMPTY;
    this.stageStart = this.stageEnd = this.queued = 0;
    this.conn.end();
    this.conn.destroy();
    this.emit('close', err);
  }

  // --- StreamHost ---

  /**
   * Queues a frame for the next batch write. Resolves at once unless the socket
   * or the queue is full, then once the socket has drained: senders that await
   * it get end-to-end backpressure.
   */
  sendFrame(type: FrameType, flags: number, streamId: number, length: number, payload?: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new SessionClosedError('yamux: session closed'));
    return this.queueFrame(type, flags, streamId, length, payload) ? RESOLVED : this.whenWritable();
  }

  /**
   * Queues a frame without a promise. Returns false when the sender should wait
   * for whenWritable() before sending more. Dropped once the session is closed.
   */
  queueFrame(type: FrameType, flags: number, streamId: number, length: number, payload?: Buffer): boolean {
    if (this.closed) return true;
    this.stageFrame(type, flags, streamId, length, payload);
    if (this.queued >= FLUSH_AT) {
      this.flush();
      return !this.socketFull;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.scheduledFlush);
    }
    return !this.socketFull && this.queued < HIGH_WATER;
  }

  queueIdleFrame(type: FrameType, flags: number, streamId: number, length: number): void {
    if (this.closed) return;
    this.stageFrame(type, flags, streamId, length);
    // With other frames due this turn it goes with them; otherwise it waits a little.
    if (!this.flushScheduled && !this.idleFlush) this.idleFlush = setTimeout(this.scheduledFlush, this.idleFlushMs);
  }

  /** Adds a frame to the batch being gathered (small payloads copied into the stage, large ones kept as their own chunk). */
  private stageFrame(type: FrameType, flags: number, streamId: number, length: number, payload?: Buffer): void {
    const size = payload ? payload.length : 0;
    const copied = size <= COPY_LIMIT;
    const need = HEADER_SIZE + (copied ? size : 0);
    if (this.stage.length - this.stageEnd < need) this.newStage(need);
    writeHeader(this.stage, this.stageEnd, type, flags, streamId, length);
    this.stageEnd += HEADER_SIZE;
    if (size > 0) {
      if (copied) {
        payload!.copy(this.stage, this.stageEnd);
        this.stageEnd += size;
      } else {
        this.seal();
        this.segments.push(payload!);
      }
    }
    this.queued += HEADER_SIZE + size;
  }

  /** Resolves once senders may continue: the socket drained (or the session closed). */
  whenWritable(): Promise<void> {
    if (this.closed || (!this.socketFull && this.queued < HIGH_WATER)) return RESOLVED;
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private newStage(need: number): void {
    // The old stage may still be referenced by a socket write in progress, so it
    // is never written again; the batch's open region moves along to the new one,
    // so the batch stays one chunk (one write, not a writev).
    const open = this.stageEnd - this.stageStart;
    const next = Buffer.allocUnsafe(Math.max(STAGE_SIZE, need + open));
    if (open > 0) this.stage.copy(next, 0, this.stageStart, this.stageEnd);
    this.stage = next;
    this.stageStart = 0;
    this.stageEnd = open;
  }

  private seal(): void {
    if (this.stageEnd === this.stageStart) return;
    this.segments.push(this.stage.subarray(this.stageStart, this.stageEnd));
    this.stageStart = this.stageEnd;
  }

  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false;
    if (!this.closed) this.flush();
  };

  /** Hands the queued frames to the socket in one write (one writev when a large payload is among them). */
  private flush(): void {
    if (this.idleFlush) {
      clearTimeout(this.idleFlush);
      this.idleFlush = null;
    }
    this.seal();
    const segments = this.segments;
    if (segments.length === 0) return;
    this.segments = [];
    this.queued = 0;
    const conn = this.conn;
    if (conn.destroyed || conn.writableEnded) return;
    let ok = true;
    if (segments.length === 1) ok = conn.write(segments[0]!);
    else {
      conn.cork();
      for (const seg of segments) ok = conn.write(seg);
      conn.uncork();
    }
    if (!ok) this.socketFull = true;
    else this.wakeWriters();
  }

  private wakeWriters(): void {
    if (this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  streamClosed(id: number): void {
    this.streams.delete(id);
  }

  // --- incoming frames ---

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    try {
      let off = 0;
      if (this.incoming.length === 0 && this.header === null) {
        // Nothing left over: read whole frames straight out of the chunk, without queueing it.
        while (chunk.length - off >= HEADER_SIZE) {
          const h = this.readHeader(chunk, off);
          off += HEADER_SIZE;
          const size = h.type === FrameType.Data ? h.length : 0;
          if (chunk.length - off < size) {
            this.header = h;
            break;
          }
          this.dispatch(h, size > 0 ? chunk.subarray(off, off + size) : undefined);
          off += size;
          if (this.closed) return;
        }
        if (off === chunk.length) return;
      }
      this.incoming.push(off === 0 ? chunk : chunk.subarray(off));
      for (;;) {
        if (!this.header) {
          if (this.incoming.length < HEADER_SIZE) return;
          this.header = this.readHeader(this.incoming.take(HEADER_SIZE), 0);
        }
        const h = this.header;
        if (h.type === FrameType.Data && this.incoming.length < h.length) return;
        this.header = null;
        this.dispatch(h, h.type === FrameType.Data && h.length > 0 ? this.incoming.take(h.length) : undefined);
        if (this.closed) return;
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof ProtocolError) this.queueFrame(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError);
      this.close(e);
    }
  }

  private readHeader(b: Buffer, off: number): FrameHeader {
    const h = decodeHeader(b, off);
    if (h.type === FrameType.Data && h.length > this.maxWindow) {
      // A well-behaved peer never sends more than a full window in one frame.
      throw new ProtocolError(`yamux: data frame of ${h.length} bytes exceeds the receive window`);
    }
    return h;
  }

  private dispatch(h: FrameHeader, data: Buffer | undefined): void {
    switch (h.type) {
      case FrameType.Ping:
        if (h.flags & Flag.SYN) {
          this.queueFrame(FrameType.Ping, Flag.ACK, 0, h.length);
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
      this.queueFrame(FrameType.WindowUpdate, Flag.RST, id, 0);
      return undefined;
    }
    const stream = new YamuxStream(id, this, Flag.ACK);
    this.streams.set(id, stream);
    stream.announce(); // ACK at once, even if nobody ever writes on this stream
    this.emit('stream', stream);
    return stream;
  }
}
