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

/**
 * What a stream may offer beyond Duplex (a yamux stream does): chunks handed
 * over as they arrive, and writes that skip the Writable's bookkeeping.
 */
interface ChunkStream {
  takeChunks?(sink: (data: Buffer) => void): void;
  writeChunk?(data: Buffer): Promise<void>;
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
    /** Bytes that must come first on the stream; they are checked and dropped. */
    prefix?: Uint8Array,
  ) {
    this.decoder = new Decoder(maxMessageSize ? {maxMessageSize} : {});
    let expect = prefix && prefix.length > 0 ? prefix : null;
    let matched = 0;
    const onChunk = (chunk: Buffer): void => {
      if (this.failed) return;
      try {
        if (expect) {
          const n = Math.min(expect.length - matched, chunk.length);
          for (let i = 0; i < n; i++) {
            if (chunk[i] !== expect[matched + i]) throw new Error('unexpected bytes where the stream\'s ack should be');
          }
          matched += n;
          if (matched === expect.length) expect = null;
          if (n === chunk.length) return;
          chunk = chunk.subarray(n);
        }
        this.decoder.feed(chunk);
        for (let d = this.decoder.decode(); d; d = this.decoder.decode()) {
          onValue(d.value);
          if (this.failed) return;
        }
      } catch (err) {
        // A gob stream can't resynchronise after a bad message (Go shuts it down too).
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
    };
    this.onChunk = onChunk;
    const fast = stream as Duplex & ChunkStream;
    this.writeChunk = typeof fast.writeChunk === 'function' ? fast.writeChunk.bind(fast) : null;
  }

  private readonly onChunk: (chunk: Buffer) => void;

  /** Starts reading; values may be delivered before it returns, so the owner calls it once it is set up. */
  start(): this {
    const fast = this.stream as Duplex & ChunkStream;
    if (typeof fast.takeChunks === 'function') fast.takeChunks(this.onChunk);
    else this.stream.on('data', this.onChunk);
    return this;
  }

  private readonly writeChunk: ((data: Buffer) => Promise<void>) | null;

  fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(err);
    this.stream.destroy();
  }

  /** Encodes the pairs and writes them in one chunk, so concurrent writers never interleave. */
  write(pairs: [unknown, GoType][]): Promise<void> {
    if (pairs.length === 2) return this.writePair(pairs[0]![0], pairs[0]![1], pairs[1]![0], pairs[1]![1]);
    const parts = pairs.map(([value, type]) => this.encoder.encode(value, type));
    return this.send(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** A header and its body (every net/rpc message), in one chunk. */
  writePair(header: unknown, headerType: GoType, body: unknown, bodyType: GoType): Promise<void> {
    return this.send(this.encoder.encodePair(header, headerType, body, bodyType));
  }

  private send(data: Uint8Array): Promise<void> {
    if (this.stream.destroyed || this.stream.writableEnded) return Promise.reject(new Error('connection is shut down'));
    if (this.writeChunk) return this.writeChunk(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return new Promise((resolve, reject) => {
      this.stream.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }
}
