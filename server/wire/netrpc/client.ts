// net/rpc client over gob (Go net/rpc/client.go). Calls are multiplexed on one
// stream by Seq; replies may arrive in any order.

import type {Duplex} from 'node:stream';
import type {GoType} from '../gob/index.js';
import {IntMap} from '../../collections/int-map.js';
import {GobStream, requestType, type ResponseHeader} from './codec.js';
import {RpcError, ShutdownError} from './errors.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export interface RpcClientOptions {
  maxMessageSize?: number;
  /**
   * Bytes the peer sends before its first message, checked and skipped: the
   * broker's ack on a stream that was used before the ack arrived (see MuxBroker.open).
   */
  expectPrefix?: Uint8Array;
}

export class RpcClient {
  private readonly codec: GobStream;
  private readonly pending = new IntMap<Pending>();
  private seq = 0;
  private down = false;
  private cause: Error | undefined;
  private shutdown: ShutdownError | null = null;
  private header: ResponseHeader | null = null;

  constructor(stream: Duplex, options: RpcClientOptions = {}) {
    this.codec = new GobStream(stream, (v) => this.onValue(v), (err) => this.fail(err), options.maxMessageSize, options.expectPrefix);
    stream.on('close', () => this.fail());
    stream.on('end', () => this.fail());
    this.codec.start();
  }

  get closed(): boolean {
    return this.down;
  }

  get stream(): Duplex {
    return this.codec.stream;
  }

  /** Calls `serviceMethod`; resolves with the decoded reply, rejects with RpcError or ShutdownError. */
  call(serviceMethod: string, args: unknown, argsType: GoType): Promise<unknown> {
    if (this.down) return Promise.reject(this.shutdownError());
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      let written: Promise<void>;
      try {
        written = this.codec.writePair({ServiceMethod: serviceMethod, Seq: seq}, requestType, args, argsType);
      } catch (err) {
        // The arguments do not fit their type: nothing was sent.
        reject(err);
        return;
      }
      this.pending.set(seq, {resolve, reject});
      written.catch((err: Error) => {
        if (this.pending.delete(seq)) reject(this.down ? this.shutdownError() : err);
      });
    });
  }

  close(): void {
    this.fail();
    this.codec.stream.end();
  }

  private onValue(value: unknown): void {
    if (this.header === null) {
      this.header = (value ?? {}) as ResponseHeader;
      return;
    }
    const h = this.header;
    this.header = null;
    const seq = Number(h.Seq ?? 0);
    const p = this.pending.get(seq);
    if (!p) return; // Go ignores replies to unknown calls too
    this.pending.delete(seq);
    if (h.Error) p.reject(new RpcError(h.Error));
    else p.resolve(value);
  }

  // Built only when someone will see it: a stack trace per closed client is measurable.
  private shutdownError(): ShutdownError {
    return (this.shutdown ??= new ShutdownError(this.cause));
  }

  private fail(err?: Error): void {
    if (this.down) return;
    this.down = true;
    this.cause = err;
    if (this.pending.size === 0) return;
    const e = this.shutdownError();
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
