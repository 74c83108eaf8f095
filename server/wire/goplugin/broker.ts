// go-plugin MuxBroker (mux_broker.go): extra yamux streams in either direction.
//
// Ids are uint32, allocated per side from 1 by the side that will Accept. The dialer
// opens a stream and writes the id as 4 bytes little-endian; the acceptor echoes
// the same 4 bytes as an ack. A stream that nobody accepts within 5 s is closed,
// and Accept gives up after 5 s. Dial and Accept may happen in either order.

import type {YamuxSession, YamuxStream} from '../yamux/index.js';
import {RpcServer, type Service} from '../netrpc/index.js';
import {IntMap} from '../../collections/int-map.js';
import {readExactly} from './io.js';

const TIMEOUT_MS = 5000;
/** How often expired waits are looked for: one timer for all of them instead of one each. */
const SWEEP_MS = 250;

interface Parked {
  stream: YamuxStream;
  deadline: number;
}

interface Waiter {
  resolve: (stream: YamuxStream) => void;
  reject: (err: Error) => void;
  deadline: number;
}

export class MuxBroker {
  private lastId = 0;
  private readonly parked = new IntMap<Parked>();
  private readonly waiting = new IntMap<Waiter>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly session: YamuxSession) {}

  nextId(): number {
    this.lastId = (this.lastId + 1) >>> 0;
    return this.lastId;
  }

  private watch(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, w] of [...this.waiting.entries()]) {
      if (w.deadline > now) continue;
      this.waiting.delete(id);
      w.reject(new Error(`timeout waiting for accept of broker id ${id}`));
    }
    for (const [id, p] of [...this.parked.entries()]) {
      if (p.deadline > now) continue;
      this.parked.delete(id);
      p.stream.destroy();
    }
    if (this.waiting.size === 0 && this.parked.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Handles a stream the peer opened for the broker: read its id and hand it to Accept. */
  async incoming(stream: YamuxStream): Promise<void> {
    let id: number;
    try {
      // The id usually arrives in the same read as the stream's SYN and is
      // dispatched right after it: a microtask later it is there to take.
      await undefined;
      id = (await readExactly(stream, 4, TIMEOUT_MS)).readUInt32LE(0);
    } catch {
      stream.destroy();
      return;
    }
    const waiter = this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id);
      waiter.resolve(stream);
      return;
    }
    this.parked.get(id)?.stream.destroy();
    this.parked.set(id, {stream, deadline: performance.now() + TIMEOUT_MS});
    this.watch();
  }

  /** Waits for the peer to dial `id`, then acks it. */
  async accept(id: number, timeoutMs = TIMEOUT_MS): Promise<YamuxStream> {
    let stream: YamuxStream;
    const parked = this.parked.get(id);
    if (parked) {
      this.parked.delete(id);
      stream = parked.stream;
    } else {
      stream = await new Promise<YamuxStream>((resolve, reject) => {
        this.waiting.set(id, {resolve, reject, deadline: performance.now() + timeoutMs});
        this.watch();
      });
    }
    stream.write(brokerAck(id));
    return stream;
  }

  /**
   * Opens a stream to the peer's Accept(id) without waiting for its ack, and
   * writes `first` right behind the id. go-plugin's Accept reads the id before
   * anything else and keeps what follows buffered in the stream for whoever
   * serves it, so a request can travel with the id and save a round trip. The
   * peer's ack (brokerAck(id)) is then the first thing read from the stream:
   * the reader must check and skip it. A peer that never accepts closes the
   * stream after 5 s, which the reader sees as the end of the stream.
   */
  open(id: number, first?: Uint8Array): YamuxStream {
    const stream = this.session.open();
    const hello = Buffer.allocUnsafe(4 + (first?.length ?? 0));
    hello.writeUInt32LE(id >>> 0, 0);
    if (first) hello.set(first, 4);
    stream.write(hello);
    return stream;
  }

  /** Opens a stream to the peer's Accept(id) and waits for its ack. */
  async dial(id: number, timeoutMs = TIMEOUT_MS): Promise<YamuxStream> {
    const stream = this.session.open();
    const hello = Buffer.alloc(4);
    hello.writeUInt32LE(id >>> 0, 0);
    stream.write(hello);
    try {
      const ack = await readExactly(stream, 4, timeoutMs);
      if (ack.readUInt32LE(0) !== id >>> 0) throw new Error(`bad ack for broker id ${id}`);
    } catch (err) {
      stream.destroy();
      throw err;
    }
    return stream;
  }

  /** Accepts `id` and serves an RPC server registered as `Plugin` on it (go-plugin AcceptAndServe). */
  async acceptAndServe(id: number, service: Service, onError?: (err: Error) => void): Promise<void> {
    const stream = await this.accept(id);
    new RpcServer().register('Plugin', service).serve(stream, onError ? {onError} : {});
  }

  close(): void {
    for (const {stream} of this.parked.values()) stream.destroy();
    this.parked.clear();
    const waiting = [...this.waiting.entries()];
    this.waiting.clear();
    for (const [id, w] of waiting) w.reject(new Error(`broker closed while waiting for accept of broker id ${id}`));
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}

/** The 4 bytes an acceptor sends back for `id`. */
export function brokerAck(id: number): Buffer {
  const ack = Buffer.allocUnsafe(4);
  ack.writeUInt32LE(id >>> 0, 0);
  return ack;
}
