// Go net/rpc's gob codec (net/rpc/server.go gobServerCodec, client.go gobClientCodec):
// one gob encoder and one decoder per direction of a stream, so type definitions are
// sent once per stream. A request is Request{ServiceMethod, Seq} then the args; a
// response is Response{ServiceMethod, Seq, Error} then the reply, and a reply is
// always sent, an empty struct when Error is set.

import type {Duplex} from 'node:stream';
import {Decoder, Encoder, t, type GoType} from '../gob/index.js';

export const requestType = t.struct('Request', {ServiceMethod: t.string, Seq: t.uint});
export const responseType = t.struct('Response', {ServiceMethod: t.string, Seq: t.uint, Error: t.string});
/** Go's invalidRequest: the body sent with an error response. */
export const emptyStruct = t.struct('', {});

export interface RequestHeader {
  ServiceMethod?: string;
  Seq?: number | bigint;
}

export interface ResponseHeader extends RequestHeader {
  Error?: string;
}

/** Gob values over a byte stream. Each write is one atomic chunk of messages. */
export class GobStream {
  private readonly encoder = new Encoder();
  private readonly decoder: Decoder;
  private failed = false;

  constructor(
    readonly stream: Duplex,
    onValue: (value: unknown) => void,
    private readonly onError: (err: Error) => void,
    maxMessageSize?: number,
  ) {
    this.decoder = new Decoder(maxMessageSize ? {maxMessageSize} : {});
    stream.on('data', (chunk: Buffer) => {
      if (this.failed) return;
      try {
        this.decoder.feed(chunk);
        for (let d = this.decoder.decode(); d; d = this.decoder.decode()) {
          onValue(d.value);
          if (this.failed) return;
        }
      } catch (err) {
        // A gob stream can't resynchronise after a bad message (Go shuts it down too).
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(err);
    this.stream.destroy();
  }

  /** Encodes the pairs and writes them in one chunk, so concurrent writers never interleave. */
  write(pairs: [unknown, GoType][]): Promise<void> {
    const parts = pairs.map(([value, type]) => this.encoder.encode(value, type));
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return new Promise((resolve, reject) => {
      if (this.stream.destroyed || this.stream.writableEnded) {
        reject(new Error('connection is shut down'));
        return;
      }
      this.stream.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }
}
