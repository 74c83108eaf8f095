// net/rpc client over gob (Go net/rpc/client.go). Calls are multiplexed on one
// stream by Seq; replies may arrive in any order.

import type {Duplex} from 'node:stream';
import type {GoType} from '../gob/index.js';
import {GobStream, requestType, type ResponseHeader} from './codec.js';
import {RpcError, ShutdownError} from './errors.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class RpcClient {
  private readonly codec: GobStream;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private shutdown: ShutdownError | null = null;
  private header: ResponseHeader | null = null;

  constructor(stream: Duplex, options: {maxMessageSize?: number} = {}) {
    this.codec = new GobStream(stream, (v) => this.onValue(v), (err) => this.fail(err), options.maxMessageSize);
    stream.on('close', () => this.fail());
    stream.on('end', () => this.fail());
  }

  get closed(): boolean {
    return this.shutdown !== null;
  }

  get stream(): Duplex {
    return this.codec.stream;
  }

  /** Calls `serviceMethod`; resolves with the decoded reply, rejects with RpcError or ShutdownError. */
  call(serviceMethod: string, args: unknown, argsType: GoType): Promise<unknown> {
    if (this.shutdown) return Promise.reject(this.shutdown);
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, {resolve, reject});
      this.codec.write([[{ServiceMethod: serviceMethod, Seq: seq}, requestType], [args, argsType]]).catch((err: Error) => {
        if (this.pending.delete(seq)) reject(this.shutdown ?? err);
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

  private fail(err?: Error): void {
    if (this.shutdown) return;
    this.shutdown = new ShutdownError(err);
    for (const p of this.pending.values()) p.reject(this.shutdown);
    this.pending.clear();
  }
}
