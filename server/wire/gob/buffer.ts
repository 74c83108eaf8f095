// gob's primitive encodings (encoding/gob doc.go, encode.go, decode.go).
//
//   uint   < 0x80: one byte; otherwise one byte holding -(byte count) followed by
//          the minimal big-endian bytes (256 -> fe 01 00).
//   int    zig-zag: i >= 0 ? i<<1 : (^i<<1)|1, then as uint (-1 -> 01).
//   float  IEEE-754 bits, byte-reversed, then as uint (2.0 -> 40, 1.5 -> fe f8 3f).
//   string / []byte: uint length, then the bytes.

import {GobError} from './types.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8');
type Slice = (this: Uint8Array, start: number, end: number) => string;
type Write = (this: Uint8Array, s: string, offset: number, max: number) => number;
const bufferProto = globalThis.Buffer?.prototype as unknown as {utf8Slice?: Slice; utf8Write?: Write} | undefined;
/** Buffer's own UTF-8 encoding into any Uint8Array, as TextEncoder encodes (absent outside Node). */
const utf8Write = bufferProto?.utf8Write;
/** Strings shorter than this are copied by a loop when they are ASCII. */
const ASCII_LOOP_MAX = 16;
/** Buffer's own UTF-8 decoding, which works on any Uint8Array (absent outside Node). */
const utf8Slice = bufferProto?.utf8Slice;

/** A number when it fits exactly, a bigint otherwise (int64/uint64 beyond 2^53). */
export function narrow(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v;
}

/** Strings up to this many bytes may be answered from the table of recent ones. */
const SHORT_STRING = 64;
const RECENT_MASK = 4095;
/** Recent short strings of a character per byte, by a hash of their bytes (module-wide: every stream meets the same names). */
const recent: string[] = new Array<string>(RECENT_MASK + 1).fill('');

/** The slot in the table of recent strings for the n bytes at data[start]: picked by the length and five of them. */
export function recentSlot(data: Uint8Array, start: number, n: number): number {
  let h = n;
  if (n > 0) {
    const stop = start + n;
    h = Math.imul(h ^ data[start]!, 0x01000193);
    h = Math.imul(h ^ data[stop - 1]!, 0x01000193);
    h = Math.imul(h ^ data[start + (n >> 1)]!, 0x01000193);
    h = Math.imul(h ^ data[start + (n >> 2)]!, 0x01000193);
    h = Math.imul(h ^ data[stop - 1 - (n >> 2)]!, 0x01000193);
  }
  return (h ^ (h >>> 15)) & RECENT_MASK;
}

// A float's eight bytes are gathered here: decoding is synchronous, and a fresh
// array per float (and the buffer a DataView over it needs) took a microsecond.
const FLOAT_BYTES = new Uint8Array(8);
const FLOAT_VIEW = new DataView(FLOAT_BYTES.buffer);

export class WriteBuffer {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  get capacity(): number {
    return this.buf.length;
  }

  reset(): void {
    this.length = 0;
  }

  /** Leaves room for a length prefix before a nested value; see endLength. */
  beginLength(): number {
    this.ensure(1);
    return this.length++;
  }

  /**
   * Writes the byte count of everything since beginLength as a uint prefix, in
   * place. One byte was left: most nested values are shorter than 128 bytes, and
   * only longer ones move along to make room for a longer prefix.
   */
  endLength(start: number): void {
    const len = this.length - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    let n = 0;
    for (let x = len; x > 0; x = Math.floor(x / 256)) n++;
    this.ensure(n);
    const buf = this.buf;
    buf.copyWithin(start + 1 + n, start + 1, this.length);
    buf[start] = 256 - n;
    for (let i = n, x = len; i >= 1; i--, x = Math.floor(x / 256)) buf[start + i] = x % 256;
    this.length += n;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  uint(v: number | bigint): void {
    if (typeof v === 'number') {
      if (v < 0x80 && v >= 0 && Number.isInteger(v)) {
        this.byte(v);
        return;
      }
      if (!Number.isSafeInteger(v) || v < 0) {
        if (Number.isInteger(v) && v >= 0) return this.uint(BigInt(v));
        throw new GobError(`gob: ${v} is not an unsigned integer`);
      }
      let n = 0;
      for (let x = v; x > 0; x = Math.floor(x / 256)) n++;
      this.ensure(n + 1);
      this.buf[this.length++] = 256 - n;
      let x = v;
      for (let i = n - 1; i >= 0; i--) {
        this.buf[this.length + i] = x % 256;
        x = Math.floor(x / 256);
      }
      this.length += n;
      return;
    }
    if (v < 0n || v > UINT64_MAX) throw new GobError(`gob: ${v} does not fit in uint64`);
    if (v <= MAX_SAFE) return this.uint(Number(v));
    this.ensure(9);
    this.buf[this.length++] = 256 - 8;
    this.view.setBigUint64(this.length, v, false);
    // Values above 2^53 always need 7 or 8 bytes; drop a leading zero byte.
    if (this.buf[this.length] === 0) {
      this.buf[this.length - 1] = 256 - 7;
      this.buf.copyWithin(this.length, this.length + 1, this.length + 8);
      this.length += 7;
    } else {
      this.length += 8;
    }
  }

  int(v: number | bigint): void {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new GobError(`gob: ${v} is not an integer`);
      // Zig-zag stays exact in doubles only while |v| < 2^52.
      if (Math.abs(v) < 2 ** 52) {
        this.uint(v < 0 ? -2 * v - 1 : 2 * v);
        return;
      }
      v = BigInt(v);
    }
    if (v < INT64_MIN || v > INT64_MAX) throw new GobError(`gob: ${v} does not fit in int64`);
    this.uint(v < 0n ? ((~v) << 1n) | 1n : v << 1n);
  }

  float(f: number): void {
    this.ensure(9);
    // Little-endian float bits are the byte-reversed value, written big-endian.
    const scratch = this.buf.subarray(this.length + 1, this.length + 9);
    this.view.setFloat64(this.length + 1, f, true);
    let first = 0;
    while (first < 8 && scratch[first] === 0) first++;
    const n = 8 - first;
    if (n === 0) {
      this.buf[this.length++] = 0;
    } else if (n === 1 && scratch[7]! < 0x80) {
      this.buf[this.length++] = scratch[7]!;
    } else {
      this.buf[this.length] = 256 - n;
      this.buf.copyWithin(this.length + 1, this.length + 1 + first, this.length + 9);
      this.length += 1 + n;
    }
  }

  string(s: string): void {
    const n = s.length;
    if (n < ASCII_LOOP_MAX) {
      // Very short ASCII strings: copying code units beats a call into Node.
      this.ensure(n + 1);
      const buf = this.buf;
      const at = this.length + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at + i] = c;
      }
      if (i === n) {
        buf[this.length] = n;
        this.length = at + n;
        return;
      }
    }
    if (!utf8Write) {
      this.byteSlice(textEncoder.encode(s));
      return;
    }
    if (n < 0x80) {
      // Most strings fit a one-byte length: written after it, and counted as they are written.
      this.ensure(1 + n * 3);
      const at = this.length + 1;
      const written = utf8Write.call(this.buf, s, at, n * 3);
      if (written < 0x80) {
        this.buf[this.length] = written;
        this.length = at + written;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.uint(bytes);
    this.ensure(bytes);
    this.length += utf8Write.call(this.buf, s, this.length, bytes);
  }

  byteSlice(data: Uint8Array): void {
    this.uint(data.length);
    this.raw(data);
  }
}

/** Reads primitives from one gob message. Every read is bounds-checked. */
export class ReadBuffer {
  data: Uint8Array;
  pos: number;
  /** The message ends here (it may be a part of a larger chunk). */
  end: number;

  constructor(data: Uint8Array, pos = 0, end = data.length) {
    this.data = data;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** The next byte without taking it, or -1 at the end of the message. */
  peek(): number {
    return this.pos < this.end ? this.data[this.pos]! : -1;
  }

  private take(): number {
    if (this.pos >= this.end) throw new GobError('gob: unexpected end of message');
    return this.data[this.pos++]!;
  }

  /** A uint as a number; larger values than 2^53 are an error in this position. */
  uintNumber(): number {
    const v = this.uint();
    if (typeof v === 'bigint') throw new GobError(`gob: value ${v} out of range`);
    return v;
  }

  uint(): number | bigint {
    const b = this.take();
    if (b < 0x80) return b;
    const n = 256 - b;
    if (n > 8) throw new GobError('gob: encoded unsigned integer out of range');
    if (this.remaining < n) throw new GobError('gob: unexpected end of message in integer');
    if (n <= 6) {
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + this.data[this.pos++]!;
      return v;
    }
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.data[this.pos++]!);
    return narrow(v);
  }

  int(): number | bigint {
    const u = this.uint();
    if (typeof u === 'number') return u % 2 === 1 ? -(u - 1) / 2 - 1 : u / 2;
    return narrow(u & 1n ? ~(u >> 1n) : u >> 1n);
  }

  intNumber(): number {
    const v = this.int();
    if (typeof v === 'bigint') throw new GobError(`gob: value ${v} out of range`);
    return v;
  }

  float(): number {
    const b = this.take();
    const bytes = FLOAT_BYTES;
    bytes.fill(0);
    if (b < 0x80) {
      bytes[7] = b;
    } else {
      const n = 256 - b;
      if (n > 8) throw new GobError('gob: encoded float out of range');
      if (this.remaining < n) throw new GobError('gob: unexpected end of message in float');
      bytes.set(this.data.subarray(this.pos, this.pos + n), 8 - n);
      this.pos += n;
    }
    return FLOAT_VIEW.getFloat64(0, true);
  }

  bytes(): Uint8Array {
    const n = this.uint();
    if (typeof n !== 'number' || n > this.remaining) throw new GobError('gob: byte slice length too long for buffer');
    const out = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.uint();
    if (typeof n !== 'number' || n > this.remaining) throw new GobError('gob: string length too long for buffer');
    const data = this.data;
    const start = this.pos;
    const stop = start + n;
    this.pos = stop;
    // Short strings (ids, names, header and prop keys and values) are most
    // strings, and many repeat from value to value: a table of recent ones
    // answers those without making a new string. The slot is picked by the
    // length and a few bytes; comparing the whole string settles whether it is
    // the one held there.
    let slot = -1;
    if (n <= SHORT_STRING) {
      slot = recentSlot(data, start, n);
      const known = recent[slot]!;
      if (known.length === n) {
        let j = 0;
        while (j < n && known.charCodeAt(j) === data[start + j]) j++;
        if (j === n) return known;
      }
    }
    // Node's own UTF-8 slice decodes as TextDecoder does (bad bytes become
    // U+FFFD) without the decoder's setup and the view it needs.
    const made = utf8Slice ? utf8Slice.call(data, start, stop) : textDecoder.decode(data.subarray(start, stop));
    // Only a string with a character per byte is held: every character is then
    // ASCII or U+FFFD, which no byte equals, so a match above is byte for byte.
    if (slot >= 0 && made.length === n) recent[slot] = made;
    return made;
  }
}
