// The serving side of Mattermost's io_rpc protocol (server/public/plugin/io_rpc.go,
// serveIOReader): the plugin asks for up to n bytes with a zig-zag varint
// (binary.PutVarint), we copy at most n bytes of the source, and once fewer than
// n could be copied the stream is closed: that FIN is the plugin's EOF.

import type {Duplex, Readable, Writable} from 'node:stream';
import {decodeVarint, MAX_VARINT_BYTES} from '../../server/mattermost/varint.js';

/**
 * Up to `max` bytes from a byte stream, or null at its end (or when it fails or
 * closes early). Never takes more than asked, so nothing has to be pushed back:
 * unshifting after the end was seen would lose the data.
 */
export function readUpTo(source: Readable, max: number): Promise<Buffer | null> {
  // Usually the bytes are buffered already: no listeners needed.
  if (source.readableLength > 0 && !source.destroyed) {
    const chunk = source.read(Math.min(max, source.readableLength)) as Buffer | string | null;
    if (chunk !== null) return Promise.resolve(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return new Promise((resolve) => {
    const attempt = (): void => {
      const available = source.readableLength;
      if (available > 0) {
        const chunk = source.read(Math.min(max, available)) as Buffer | string | null;
        if (chunk !== null) done(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        return;
      }
      // Nothing buffered: ask for more (or for the end to be noticed).
      source.read(0);
    };
    const onEnd = (): void => done(null);
    const done = (value: Buffer | null): void => {
      source.off('readable', attempt);
      source.off('end', onEnd);
      source.off('close', onEnd);
      source.off('error', onEnd);
      resolve(value);
    };
    if (source.readableEnded || source.destroyed) {
      resolve(null);
      return;
    }
    source.on('readable', attempt);
    source.on('end', onEnd);
    source.on('close', onEnd);
    source.on('error', onEnd);
    attempt();
  });
}

/**
 * Takes a varint from what `stream` has buffered, adding to `bytes`: the value,
 * or undefined when more bytes are needed. Bytes read past the varint are put
 * back in the same synchronous step, before the stream could end.
 */
function takeVarint(stream: Readable, bytes: number[]): bigint | undefined {
  while (stream.readableLength > 0) {
    const chunk = stream.read(Math.min(stream.readableLength, MAX_VARINT_BYTES - bytes.length)) as Buffer | string | null;
    if (chunk === null) return undefined;
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let i = 0; i < b.length; i++) {
      bytes.push(b[i]!);
      if (b[i]! < 0x80) {
        if (i + 1 < b.length) stream.unshift(b.subarray(i + 1));
        return decodeVarint(Uint8Array.from(bytes))!.value;
      }
    }
    if (bytes.length >= MAX_VARINT_BYTES) throw new Error('varint overflows a 64-bit integer');
  }
  // Nothing buffered: ask for more, and let an ended stream emit 'end'.
  stream.read(0);
  return undefined;
}

/** Reads one varint request from the stream; nothing after it is consumed. Null at the end of the stream. */
export function readVarint(stream: Readable): Promise<bigint | null> {
  const bytes: number[] = [];
  // Usually the whole request is buffered already.
  const now = takeVarint(stream, bytes);
  if (now !== undefined) return Promise.resolve(now);
  if (stream.readableEnded || stream.destroyed) return Promise.resolve(null);
  return new VarintWait(stream, bytes).promise;
}

/** Waits on a stream for the rest of a varint (a class, so no closures are built per request). */
class VarintWait {
  readonly promise: Promise<bigint | null>;
  private resolve!: (v: bigint | null) => void;
  private reject!: (err: Error) => void;

  constructor(
    private readonly stream: Readable,
    private readonly bytes: number[],
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.onReadable = this.onReadable.bind(this);
    this.onEnd = this.onEnd.bind(this);
    stream.on('readable', this.onReadable);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onEnd);
    stream.read(0);
  }

  private onReadable(): void {
    let value: bigint | undefined;
    try {
      value = takeVarint(this.stream, this.bytes);
    } catch (err) {
      this.settle();
      this.reject(err as Error);
      return;
    }
    if (value === undefined) return;
    this.settle();
    this.resolve(value);
  }

  private onEnd(): void {
    this.settle();
    this.resolve(null);
  }

  private settle(): void {
    this.stream.off('readable', this.onReadable);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onEnd);
  }
}

const TAKEN: Promise<boolean> = Promise.resolve(true);
const REFUSED: Promise<boolean> = Promise.resolve(false);

function writeWithBackpressure(out: Writable, chunk: Buffer): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return REFUSED;
  // The usual case, room in the stream, needs no listeners.
  if (out.write(chunk)) return TAKEN;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
      resolve(ok);
    };
    const onDrain = (): void => finish(true);
    const onClose = (): void => finish(false);
    out.on('close', onClose);
    out.on('error', onClose);
    out.on('drain', onDrain);
  });
}

/** Copies at most `limit` bytes from source to out; returns how many were copied (fewer means EOF or a closed peer). */
export async function copyUpTo(source: Readable, out: Writable, limit: number): Promise<number> {
  let copied = 0;
  while (copied < limit) {
    const chunk = await readUpTo(source, Math.min(limit - copied, 1024 * 1024));
    if (chunk === null) break;
    copied += chunk.length;
    if (!(await writeWithBackpressure(out, chunk))) break;
  }
  return copied;
}

/**
 * Serves `source` on `stream` until the source is exhausted or the plugin goes
 * away. Returns the number of bytes sent. The source is left readable (and may be
 * partly unread) so the caller decides whether to drain or destroy it.
 */
export async function serveIOReader(source: Readable, stream: Duplex): Promise<number> {
  let total = 0;
  try {
    for (;;) {
      const requested = await readVarint(stream);
      if (requested === null || requested <= 0n) break;
      const limit = requested > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(requested);
      const copied = await copyUpTo(source, stream, limit);
      total += copied;
      if (copied < limit) break;
    }
  } catch {
    // A malformed request ends the stream, as Go's loop does on a read error.
  }
  if (!stream.destroyed && !stream.writableEnded) stream.end();
  return total;
}
