// yamux framing (hashicorp/yamux spec.md).
//
//   0      1      2             4                  8                  12
//   | ver  | type | flags (BE)  | stream id (BE)   | length (BE)      | payload (Data only)
//
// ver is 0. Types: 0 Data (length = payload bytes), 1 WindowUpdate (length = window
// delta), 2 Ping (length = opaque value, stream 0), 3 GoAway (length = reason code,
// stream 0). Flags are a bit set: SYN opens a stream, ACK accepts it, FIN half-closes,
// RST resets.

export const HEADER_SIZE = 12;
export const PROTO_VERSION = 0;

export const FrameType = {Data: 0, WindowUpdate: 1, Ping: 2, GoAway: 3} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const Flag = {SYN: 1, ACK: 2, FIN: 4, RST: 8} as const;

export const GoAwayCode = {Normal: 0, ProtocolError: 1, InternalError: 2} as const;

export interface FrameHeader {
  type: FrameType;
  flags: number;
  streamId: number;
  length: number;
}

export function encodeHeader(type: FrameType, flags: number, streamId: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(h, 0, type, flags, streamId, length);
  return h;
}

/** Writes a header at `off` of `b` (which must have HEADER_SIZE bytes there). */
export function writeHeader(b: Buffer, off: number, type: FrameType, flags: number, streamId: number, length: number): void {
  b[off] = PROTO_VERSION;
  b[off + 1] = type;
  b[off + 2] = (flags >>> 8) & 0xff;
  b[off + 3] = flags & 0xff;
  b.writeUInt32BE(streamId >>> 0, off + 4);
  b.writeUInt32BE(length >>> 0, off + 8);
}

export class ProtocolError extends Error {
  override name = 'YamuxProtocolError';
}

export function decodeHeader(b: Uint8Array, off = 0): FrameHeader {
  const version = b[off]!;
  if (version !== PROTO_VERSION) throw new ProtocolError(`yamux: invalid protocol version ${version}`);
  const type = b[off + 1]!;
  if (type > FrameType.GoAway) throw new ProtocolError(`yamux: invalid message type ${type}`);
  return {type: type as FrameType, flags: (b[off + 2]! << 8) | b[off + 3]!, streamId: readU32(b, off + 4), length: readU32(b, off + 8)};
}

function readU32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) >>> 0) + ((b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!);
}

/** FIFO of byte chunks that hands out exact lengths without copying when it can. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  take(n: number): Buffer {
    if (n > this.length) throw new RangeError('ByteQueue underflow');
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const m = Math.min(n - off, c.length - this.head);
      c.copy(out, off, this.head, this.head + m);
      off += m;
      this.head += m;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }
}
