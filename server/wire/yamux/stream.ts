// One yamux stream as a Node Duplex.
//
// Flow control: each side may send only as many Data bytes as the other has granted.
// The grant starts at 256 KiB; the receiver grants more with WindowUpdate frames as
// the application consumes data. We grant only what the reader has actually taken
// (pushed into the Readable), so a slow reader stalls the sender instead of
// buffering without bound.

import {Duplex} from 'node:stream';
import {Flag, FrameType, ProtocolError} from './frame.js';

const PUSH_SLICE = 16 * 1024;

export interface StreamHost {
  readonly maxWindow: number;
  sendFrame(type: FrameType, flags: number, streamId: number, length: number, payload?: Buffer): Promise<void>;
  /** Queues a frame; false means wait for whenWritable() before sending more. Never throws. */
  queueFrame(type: FrameType, flags: number, streamId: number, length: number, payload?: Buffer): boolean;
  /**
   * Queues a frame nobody is waiting for: it goes out with the next batch, or
   * on its own after a short while if nothing else is sent. Never throws.
   */
  queueIdleFrame(type: FrameType, flags: number, streamId: number, length: number): void;
  whenWritable(): Promise<void>;
  streamClosed(id: number): void;
  readonly closed: boolean;
}

export class StreamResetError extends Error {
  override name = 'StreamResetError';
  constructor(message = 'yamux: stream reset by peer') {
    super(message);
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

export class YamuxStream extends Duplex {
  /** Set by takeChunks(): Data goes straight here instead of through the Readable's buffer. */
  private chunkSink: ((data: Buffer) => void) | null = null;

  private recvWindow: number;
  private sendWindow: number;
  private readonly queue: Buffer[] = [];
  private consumed = 0;
  private wantRead = false;
  private endPushed = false;
  private remoteFin = false;
  private localFin = false;
  private reset = false;
  private windowWaiter: (() => void) | null = null;
  /** Flags to piggy-back on the next frame we send (ACK for an accepted stream). */
  private pendingFlags = 0;

  constructor(
    readonly id: number,
    private readonly host: StreamHost,
    initialFlags = 0,
  ) {
    super({allowHalfOpen: true, highWaterMark: 32 * 1024});
    this.recvWindow = host.maxWindow;
    this.sendWindow = 256 * 1024;
    this.pendingFlags = initialFlags;
    // An unhandled 'error' would take the process down; users add their own listeners.
    this.on('error', () => {});
  }

  /** Sends a frame now carrying any pending SYN/ACK (used to open or accept at once). */
  announce(): void {
    const flags = this.pendingFlags;
    this.pendingFlags = 0;
    this.host.queueFrame(FrameType.WindowUpdate, flags, this.id, 0);
  }

  // --- frames from the session ---

  onData(data: Buffer): void {
    if (data.length > this.recvWindow) throw new ProtocolError(`yamux: receive window exceeded on stream ${this.id}`);
    this.recvWindow -= data.length;
    if (this.reset || this.endPushed) return; // nobody will read it; the grant is never returned
    const sink = this.chunkSink;
    if (sink) {
      // The sink has taken the chunk once it returns: it counts as read.
      this.consumed += data.length;
      this.grant();
      sink(data);
      return;
    }
    this.queue.push(data);
    this.deliver();
  }

  /**
   * Hands every later chunk to `sink` as it arrives, synchronously, instead of
   * emitting 'data' (which costs a trip through the Readable's machinery per
   * chunk); 'end', 'close' and 'error' are emitted as before. For a consumer that
   * reads everything at once, like a net/rpc codec. Chunks already buffered go
   * to the sink first.
   */
  takeChunks(sink: (data: Buffer) => void): void {
    const buffered: Buffer[] = [];
    for (let chunk = this.read() as Buffer | null; chunk !== null; chunk = this.read() as Buffer | null) buffered.push(chunk);
    this.chunkSink = sink;
    for (const chunk of buffered) sink(chunk);
    while (this.queue.length && !this.destroyed) {
      const chunk = this.queue.shift()!;
      this.consumed += chunk.length;
      sink(chunk);
    }
    this.grant();
    this.deliver();
    // Flowing with an empty buffer: the end of the stream is emitted as soon as it comes.
    this.resume();
  }

  /**
   * write() for a chunk that fits the send window while nothing is waiting in
   * the Writable's buffer: queued as a frame at once, without the Writable's
   * per-chunk bookkeeping. Otherwise it goes through write(), in order.
   * Resolves when write()'s callback would run.
   */
  writeChunk(data: Buffer): Promise<void> {
    if (this.writableLength === 0 && this.writableCorked === 0 && !this.writableEnded && !this.destroyed) {
      const queued = this.queueInWindow(data);
      if (queued !== null) return queued ? RESOLVED : this.host.whenWritable();
    }
    return new Promise((resolve, reject) => {
      this.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  onWindowUpdate(delta: number): void {
    this.sendWindow += delta;
    const w = this.windowWaiter;
    if (w && this.sendWindow > 0) {
      this.windowWaiter = null;
      w();
    }
  }

  onFlags(flags: number): void {
    if (flags & Flag.RST) {
      this.reset = true;
      this.wakeWriter();
      this.host.streamClosed(this.id);
      this.destroy(new StreamResetError());
      return;
    }
    if (flags & Flag.FIN) {
      if (this.remoteFin) return;
      this.remoteFin = true;
      this.deliver();
      this.maybeClosed();
    }
  }

  /** The session died: fail pending I/O. */
  onSessionClosed(err?: Error): void {
    this.reset = true;
    this.wakeWriter();
    if (!this.destroyed) this.destroy(err ?? new Error('yamux: session closed'));
  }

  private wakeWriter(): void {
    const w = this.windowWaiter;
    this.windowWaiter = null;
    w?.();
  }

  private deliver(): void {
    // A sink took every chunk as it came: only the end is left to hand on.
    if (this.chunkSink) {
      if (this.remoteFin && !this.endPushed) {
        this.endPushed = true;
        this.push(null);
      }
      return;
    }
    // Hand data to the Readable in small slices: what sits in its buffer counts as
    // consumed, so slicing keeps the window we grant close to what was really read.
    while (this.wantRead && this.queue.length) {
      let chunk = this.queue[0]!;
      if (chunk.length > PUSH_SLICE) {
        this.queue[0] = chunk.subarray(PUSH_SLICE);
        chunk = chunk.subarray(0, PUSH_SLICE);
      } else {
        this.queue.shift();
      }
      this.consumed += chunk.length;
      if (!this.push(chunk)) this.wantRead = false;
    }
    if (this.remoteFin && this.queue.length === 0 && !this.endPushed) {
      this.endPushed = true;
      this.push(null);
    }
    this.grant();
  }

  private grant(): void {
    if (this.consumed === 0 || this.reset) return;
    // Like Go: grant once the reader has taken half a window, to batch updates.
    if (this.consumed < this.host.maxWindow / 2) return;
    const delta = this.consumed;
    this.consumed = 0;
    this.recvWindow += delta;
    if (this.remoteFin) return; // the peer will send nothing more
    const flags = this.pendingFlags;
    this.pendingFlags = 0;
    this.host.queueFrame(FrameType.WindowUpdate, flags, this.id, delta);
  }

  private maybeClosed(): void {
    if (this.localFin && this.remoteFin) this.host.streamClosed(this.id);
  }

  // --- Duplex ---

  override _read(): void {
    this.wantRead = true;
    this.deliver();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.send(chunk, cb);
  }

  override _writev(chunks: {chunk: Buffer}[], cb: (err?: Error | null) => void): void {
    this.send(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
  }

  private send(data: Buffer, cb: (err?: Error | null) => void): void {
    // The usual case, a chunk within the send window, completes without a promise.
    const queued = this.queueInWindow(data);
    if (queued === true) cb();
    else if (queued === false) this.host.whenWritable().then(() => cb(), cb);
    else this.writeAll(data).then(() => cb(), cb);
  }

  /**
   * Queues `data` as one Data frame when it fits the send window of an open
   * stream: null when it does not (nothing sent), else queueFrame's answer
   * (false: wait for whenWritable() before sending more).
   */
  private queueInWindow(data: Buffer): boolean | null {
    const n = data.length;
    if (n === 0 || n > this.sendWindow || this.reset || this.localFin || this.host.closed) return null;
    this.sendWindow -= n;
    const flags = this.pendingFlags;
    this.pendingFlags = 0;
    return this.host.queueFrame(FrameType.Data, flags, this.id, n, data);
  }

  private async writeAll(data: Buffer): Promise<void> {
    let off = 0;
    while (off < data.length) {
      if (this.reset || this.host.closed) throw new StreamResetError('yamux: stream closed');
      if (this.localFin) throw new Error('yamux: write after close');
      if (this.sendWindow <= 0) {
        await new Promise<void>((resolve) => (this.windowWaiter = resolve));
        continue;
      }
      const n = Math.min(this.sendWindow, data.length - off);
      this.sendWindow -= n;
      const flags = this.pendingFlags;
      this.pendingFlags = 0;
      await this.host.sendFrame(FrameType.Data, flags, this.id, n, n === data.length ? data : data.subarray(off, off + n));
      off += n;
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.reset || this.host.closed) {
      cb();
      return;
    }
    this.localFin = true;
    const flags = this.pendingFlags | Flag.FIN;
    this.pendingFlags = 0;
    // The peer has finished sending, so this FIN only completes the close: it rides
    // with the next batch (with our last data when that is still queued) instead of
    // waking the peer on its own, as it did at the end of every request. A peer that
    // reads to the end after closing its side waits for it at most the session's
    // idleFlushMs (5 ms unless set).
    if (this.remoteFin && flags === Flag.FIN) this.host.queueIdleFrame(FrameType.WindowUpdate, flags, this.id, 0);
    else this.host.queueFrame(FrameType.WindowUpdate, flags, this.id, 0);
    this.maybeClosed();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.reset && !(this.localFin && this.remoteFin) && !this.host.closed) {
      // Torn down before both sides finished: tell the peer.
      this.reset = true;
      this.host.queueFrame(FrameType.WindowUpdate, Flag.RST, this.id, 0);
    }
    this.wakeWriter();
    this.host.streamClosed(this.id);
    cb(err);
  }
}
