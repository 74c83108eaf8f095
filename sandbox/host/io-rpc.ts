// The serving side of Mattermost's io_rpc protocol (server/public/plugin/io_rpc.go,
// serveIOReader): the plugin asks for up to n bytes with a zig-zag varint
// (binary.PutVarint), we copy at most n bytes of the source, and once fewer than
// n could be copied the stream is closed: that FIN is the plugin's EOF.

import type {Duplex, Readable, Writable} from 'node:stream';

const MAX_VARINT_BYTES = 10;

/** Decodes Go's binary.Varint (zig-zag) from bytes; null when more bytes are needed. */
export function decodeVarint(bytes: Uint8Array): {value: bigint; length: number} | null {
  let u = 0n;
  let shift = 0n;
  for (let i = 0; i < bytes.length && i < MAX_VARINT_BYTES; i++) {
    const b = bytes[i]!;
    u |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      const value = u & 1n ? -(u >> 1n) - 1n : u >> 1n;
      return {value, length: i + 1};
    }
    shift += 7n;
  }
  if (bytes.length >= MAX_VARINT_BYTES) throw new Error('varint overflows a 64-bit integer');
  return null;
}

/** Go's binary.PutVarint. */
export function encodeVarint(n: bigint): Buffer {
  let u = n < 0n ? ((-n - 1n) << 1n) | 1n : n << 1n;
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out);
}

/**
 * Up to `max` bytes from a byte stream, or null at its end (or when it fails or
 * closes early). Never takes more than asked, so nothing has to be pushed back:
 * unshifting after the end was seen would lose the data.
 */
export function readUpTo(source: Readable, max: number): Promise<Buffer | null> {
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

/** Reads one varint request from the stream, byte by byte so nothing after it is consumed. */
export async function readVarint(stream: Readable): Promise<bigint | null> {
  const bytes: number[] = [];
  for (;;) {
    const b = await readUpTo(stream, 1);
    if (b === null || b.length === 0) return null;
    bytes.push(b[0]!);
    const decoded = decodeVarint(Uint8Array.from(bytes));
    if (decoded) return decoded.value;
  }
}

function writeWithBackpressure(out: Writable, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (out.destroyed || out.writableEnded) {
      resolve(false);
      return;
    }
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
    if (out.write(chunk)) finish(true);
    else out.on('drain', onDrain);
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
