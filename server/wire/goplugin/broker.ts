// go-plugin MuxBroker (mux_broker.go): extra yamux streams in either direction.
//
// Ids are uint32, allocated per side from 1 by the side that will Accept. The dialer
// opens a stream and writes the id as 4 bytes little-endian; the acceptor echoes
// the same 4 bytes as an ack. A stream that nobody accepts within 5 s is closed,
// and Accept gives up after 5 s. Dial and Accept may happen in either order.

import type {YamuxSession, YamuxStream} from '../yamux/index.js';
import {RpcServer, type Service} from '../netrpc/index.js';
import {readExactly} from './io.js';

const TIMEOUT_MS = 5000;

export class MuxBroker {
  private lastId = 0;
  private readonly parked = new Map<number, {stream: YamuxStream; timer: NodeJS.Timeout}>();
  private readonly waiting = new Map<number, (stream: YamuxStream) => void>();

  constructor(private readonly session: YamuxSession) {}

  nextId(): number {
    this.lastId = (this.lastId + 1) >>> 0;
    return this.lastId;
  }

  /** Handles a stream the peer opened for the broker: read its id and hand it to Accept. */
  async incoming(stream: YamuxStream): Promise<void> {
    let id: number;
    try {
      id = (await readExactly(stream, 4, TIMEOUT_MS)).readUInt32LE(0);
    } catch {
      stream.destroy();
      return;
    }
    const waiter = this.waiting.get(id);
    if (waiter) {
      this.waiting.delete(id);
      waiter(stream);
      return;
    }
    const previous = this.parked.get(id);
    if (previous) {
      clearTimeout(previous.timer);
      previous.stream.destroy();
    }
    const timer = setTimeout(() => {
      if (this.parked.get(id)?.stream === stream) this.parked.delete(id);
      stream.destroy();
    }, TIMEOUT_MS);
    timer.unref();
    this.parked.set(id, {stream, timer});
  }

  /** Waits for the peer to dial `id`, then acks it. */
  async accept(id: number, timeoutMs = TIMEOUT_MS): Promise<YamuxStream> {
    let stream: YamuxStream;
    const parked = this.parked.get(id);
    if (parked) {
      this.parked.delete(id);
      clearTimeout(parked.timer);
      stream = parked.stream;
    } else {
      stream = await new Promise<YamuxStream>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiting.delete(id);
          reject(new Error(`timeout waiting for accept of broker id ${id}`));
        }, timeoutMs);
        timer.unref();
        this.waiting.set(id, (s) => {
          clearTimeout(timer);
          resolve(s);
        });
      });
    }
    const ack = Buffer.alloc(4);
    ack.writeUInt32LE(id >>> 0, 0);
    stream.write(ack);
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
    for (const {stream, timer} of this.parked.values()) {
      clearTimeout(timer);
      stream.destroy();
    }
    this.parked.clear();
  }
}
