// net/rpc server over gob (Go net/rpc/server.go). Requests on one stream run
// concurrently, as Go runs each in its own goroutine, and replies go out in
// completion order, matched to their request by Seq.

import type {Duplex} from 'node:stream';
import type {GoType} from '../gob/index.js';
import {emptyStruct, GobStream, responseType, type RequestHeader} from './codec.js';

export interface Method {
  /** Descriptor of the reply value. */
  readonly reply: GoType;
  handle(args: unknown): unknown | Promise<unknown>;
}

export type Service = Readonly<Record<string, Method>>;

export interface ServeOptions {
  /** Called when the stream fails (bad gob, reset); the stream is closed by then. */
  onError?: (err: Error) => void;
  maxMessageSize?: number;
}

export class RpcServer {
  private readonly services = new Map<string, Service>();

  register(name: string, service: Service): this {
    this.services.set(name, service);
    return this;
  }

  /** Serves requests arriving on `stream` until it ends. */
  serve(stream: Duplex, options: ServeOptions = {}): GobStream {
    let header: RequestHeader | null = null;
    let inflight = 0;
    let ended = false;
    // Like Go's ServeConn: when the caller closes its side, answer what is in flight, then close ours.
    const finish = (): void => {
      if (ended && inflight === 0 && !stream.writableEnded) stream.end();
    };
    stream.on('end', () => {
      ended = true;
      finish();
    });
    const settled = (): void => {
      inflight--;
      finish();
    };
    const codec = new GobStream(
      stream,
      (value) => {
        if (header === null) {
          header = (value ?? {}) as RequestHeader;
          return;
        }
        const h = header;
        header = null;
        inflight++;
        void this.dispatch(codec, h, value, settled);
      },
      (err) => options.onError?.(err),
      options.maxMessageSize,
    );
    return codec.start();
  }

  private async dispatch(codec: GobStream, h: RequestHeader, args: unknown, settled: () => void): Promise<void> {
    try {
      const serviceMethod = h.ServiceMethod ?? '';
      const seq = h.Seq ?? 0;
      let reply: unknown;
      let replyType: GoType = emptyStruct;
      let error = '';
      const dot = serviceMethod.lastIndexOf('.');
      const service = dot < 0 ? undefined : this.services.get(serviceMethod.slice(0, dot));
      const method = service && Object.hasOwn(service, serviceMethod.slice(dot + 1)) ? service[serviceMethod.slice(dot + 1)] : undefined;
      if (dot < 0) error = `rpc: service/method request ill-formed: ${serviceMethod}`;
      else if (!service) error = `rpc: can't find service ${serviceMethod}`;
      else if (!method) error = `rpc: can't find method ${serviceMethod}`;
      else {
        try {
          reply = await method.handle(args);
          replyType = method.reply;
        } catch (err) {
          error = err instanceof Error ? err.message : String(err);
          if (!error) error = 'error';
        }
      }
      const responseHeader = {ServiceMethod: serviceMethod, Seq: seq, Error: error};
      try {
        await (error ? codec.writePair(responseHeader, responseType, {}, emptyStruct) : codec.writePair(responseHeader, responseType, reply ?? {}, replyType));
      } catch (err) {
        if (error || codec.stream.destroyed) return;
        // The reply did not fit its declared type: tell the caller rather than leave it waiting.
        const message = `rpc: cannot encode reply for ${serviceMethod}: ${err instanceof Error ? err.message : String(err)}`;
        await codec.writePair({...responseHeader, Error: message}, responseType, {}, emptyStruct).catch(() => {});
      }
    } finally {
      settled();
    }
  }
}
