// Generic, self-describing gob decoder.
//
// Every value is preceded (once per stream) by definitions of its types, so any
// value can be decoded without knowing the Go type: structs become objects keyed
// by field name, maps with string keys become objects (other maps become Map),
// slices and arrays become arrays, []byte a Uint8Array, int64/uint64 beyond 2^53 a
// bigint. Interface values holding string, bool, float64, []interface {} or
// map[string]interface {} decode to the plain value; others to a GoInterface that
// remembers the registered name and type, so they re-encode exactly.
//
// A value may span several messages: when Go's encoder first meets an interface's
// concrete type inside a value, it ends the message after the type definition and
// continues the value in the next one. This is a port of Go's decodeTypeSequence.
// Input arrives in chunks, so decoding is retried from a checkpoint when a value
// needs a message that has not arrived yet.

import {ReadBuffer} from './buffer.js';
import {badDelta, fieldOutOfRange, setField, structReader, type ItemReader} from './readers.js';
import {GoTime} from './time.js';
import {BuiltinId, GoComplex, GobError, GoInterface, GoMarshaled, t, type GoType, type MarshalVia, type StructType} from './types.js';

type Wire =
  | {kind: 'struct'; name: string; fields: {name: string; id: number}[]}
  | {kind: 'slice'; name: string; elem: number}
  | {kind: 'array'; name: string; elem: number; len: number}
  | {kind: 'map'; name: string; key: number; elem: number}
  | {kind: 'marshaler'; name: string; via: MarshalVia};

const FIRST_USER_ID = 64;
const MAX_DEPTH = 512;

// Bootstrap definitions of the types that describe types (ids 16-24).
const bootstrap = new Map<number, Wire>([
  [16, {kind: 'struct', name: 'wireType', fields: [
    {name: 'ArrayT', id: 17}, {name: 'SliceT', id: 19}, {name: 'StructT', id: 20}, {name: 'MapT', id: 23},
    {name: 'GobEncoderT', id: 24}, {name: 'BinaryMarshalerT', id: 24}, {name: 'TextMarshalerT', id: 24},
  ]}],
  [17, {kind: 'struct', name: 'arrayType', fields: [{name: 'CommonType', id: 18}, {name: 'Elem', id: 2}, {name: 'Len', id: 2}]}],
  [18, {kind: 'struct', name: 'CommonType', fields: [{name: 'Name', id: 6}, {name: 'Id', id: 2}]}],
  [19, {kind: 'struct', name: 'sliceType', fields: [{name: 'CommonType', id: 18}, {name: 'Elem', id: 2}]}],
  [20, {kind: 'struct', name: 'structType', fields: [{name: 'CommonType', id: 18}, {name: 'Field', id: 22}]}],
  [21, {kind: 'struct', name: 'fieldType', fields: [{name: 'Name', id: 6}, {name: 'Id', id: 2}]}],
  [22, {kind: 'slice', name: '[]*gob.fieldType', elem: 21}],
  [23, {kind: 'struct', name: 'mapType', fields: [{name: 'CommonType', id: 18}, {name: 'Key', id: 2}, {name: 'Elem', id: 2}]}],
  [24, {kind: 'struct', name: 'gobEncoderType', fields: [{name: 'CommonType', id: 18}]}],
]);

const NO_BYTES = new Uint8Array(0);

/**
 * Parsed type definitions by a hash of the bytes that follow their id (the bytes
 * are kept and compared, so a collision only means parsing). Wire objects are
 * shared between decoders and never changed.
 */
const definitions = new Map<number, {bytes: Uint8Array; wire: Wire; length: number}>();
const DEFINITION_KEY_MAX = 2048;
const DEFINITIONS_KEPT = 1024;
const UNWRAPPED = new Set(['string', 'bool', 'float64', '[]interface {}', 'map[string]interface {}']);

/** Thrown inside a decode attempt when the value continues in a message not received yet. */
const NEED_MORE = Symbol('need more');

export interface DecoderOptions {
  /** Largest message accepted, in bytes (Go refuses ≥ 1 GiB). */
  maxMessageSize?: number;
}

export interface Decoded {
  value: unknown;
  /** Wire type id of the value (useful to re-encode with descriptorOf). */
  typeId: number;
}

export class Decoder implements ItemReader {
  private readonly types = new Map<number, Wire>();
  // Only values re-encoded as interfaces need descriptors: made on first use.
  private descriptorMap: Map<number, GoType> | null = null;
  private readonly maxMessageSize: number;

  // Framing state.
  private chunks: Uint8Array[] = [];
  /** Bytes of chunks not yet cut into messages (the first chunk counts from headOff). */
  private chunkBytes = 0;
  private headOff = 0;
  // Complete messages as (chunk, start, end) in three parallel arrays: no view per message.
  // The arrays are reused: only the first msgCount entries are messages.
  private msgData: Uint8Array[] = [];
  private msgStart: number[] = [];
  private msgEnd: number[] = [];
  private msgCount = 0;

  // Decode state: the current message (a reused reader) and the index of the next one.
  private readonly buf = new ReadBuffer(NO_BYTES);
  private next = 0;
  private added: number[] = [];
  private depth = 0;

  constructor(options: DecoderOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? 256 * 1024 * 1024;
  }

  /** Adds raw stream bytes (length-prefixed messages, possibly split anywhere). */
  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    this.frame();
  }

  private frame(): void {
    // Messages are cut out of the first chunk in place (headOff moves along it);
    // chunks are only joined when a message or its length prefix spans them.
    while (this.chunkBytes > 0) {
      let head = this.chunks[0]!;
      let off = this.headOff;
      if (this.chunks.length > 1 && head.length - off < 9) {
        head = concat(this.chunks, this.chunkBytes, off);
        this.chunks = [head];
        off = this.headOff = 0;
      }
      // The length prefix is a gob uint: one byte, or a byte count then up to 8 bytes.
      const b = head[off]!;
      let prefix = 1;
      let size = b;
      if (b >= 0x80) {
        const n = 256 - b;
        if (n > 8) throw new GobError('gob: bad message length prefix');
        if (head.length - off < 1 + n) return;
        prefix = 1 + n;
        size = 0;
        for (let i = 1; i <= n; i++) size = size * 256 + head[off + i]!;
      }
      if (size > this.maxMessageSize) {
        throw new GobError(`gob: message of ${size} bytes exceeds the ${this.maxMessageSize} byte limit`);
      }
      const total = prefix + size;
      if (this.chunkBytes < total) return;
      if (head.length - off < total) {
        head = concat(this.chunks, this.chunkBytes, off);
        this.chunks = [head];
        off = 0;
      }
      const m = this.msgCount++;
      this.msgData[m] = head;
      this.msgStart[m] = off + prefix;
      this.msgEnd[m] = off + total;
      off += total;
      this.chunkBytes -= total;
      if (off === head.length) {
        this.chunks.shift();
        off = 0;
      }
      this.headOff = off;
    }
  }

  /** Decodes the next complete value, or returns undefined until more input arrives. */
  decode(): Decoded | undefined {
    const buf = this.buf;
    // Nothing left to read: the usual end of a chunk, answered without an attempt (and its throw).
    if (buf.pos === buf.end && this.next >= this.msgCount) return undefined;
    const savedData = buf.data;
    const savedPos = buf.pos;
    const savedEnd = buf.end;
    const savedNext = this.next;
    if (this.added.length) this.added = [];
    this.depth = 0;
    try {
      const id = this.typeSequence(false);
      const value = this.topLevel(id);
      if (buf.pos === buf.end) {
        buf.data = NO_BYTES;
        buf.pos = buf.end = 0;
      }
      this.dropConsumed();
      return {value, typeId: id};
    } catch (err) {
      if (err !== NEED_MORE) throw err;
      for (const id of this.added) {
        this.types.delete(id);
        this.descriptorMap?.delete(id);
      }
      buf.data = savedData;
      buf.pos = savedPos;
      buf.end = savedEnd;
      this.next = savedNext;
      return undefined;
    }
  }

  /** All complete values currently available. */
  *values(): Generator<unknown> {
    for (let d = this.decode(); d; d = this.decode()) yield d.value;
  }

  /** Bytes received that are not yet part of a decoded value. */
  get buffered(): number {
    let n = this.chunkBytes + this.buf.remaining;
    for (let i = this.next; i < this.msgCount; i++) n += this.msgEnd[i]! - this.msgStart[i]!;
    return n;
  }

  /** Lets go of messages read to their end (the current one is held by the reader). */
  private dropConsumed(): void {
    const n = this.next;
    if (n === 0) return;
    if (n === this.msgCount) {
      // Everything read, the usual case: start over, letting go of the chunks.
      for (let i = 0; i < n; i++) this.msgData[i] = NO_BYTES;
      this.msgCount = 0;
      this.next = 0;
    } else if (n > 64 && n * 2 > this.msgCount) {
      this.msgData = this.msgData.slice(n, this.msgCount);
      this.msgStart = this.msgStart.slice(n, this.msgCount);
      this.msgEnd = this.msgEnd.slice(n, this.msgCount);
      this.msgCount -= n;
      this.next = 0;
    }
  }

  private nextMessage(): void {
    const i = this.next;
    if (i >= this.msgCount) throw NEED_MORE;
    this.next = i + 1;
    const buf = this.buf;
    buf.data = this.msgData[i]!;
    buf.pos = this.msgStart[i]!;
    buf.end = this.msgEnd[i]!;
  }

  // Port of Go's Decoder.decodeTypeSequence.
  private typeSequence(isInterface: boolean): number {
    for (;;) {
      if (this.buf.remaining === 0) this.nextMessage();
      const id = this.buf.intNumber();
      if (id >= 0) return id;
      this.receiveType(-id);
      // Inside an interface, a definition may be followed by the value's byte count.
      if (this.buf.remaining > 0) {
        if (!isInterface) throw new GobError('gob: extra data in buffer');
        this.buf.uint();
      }
    }
  }

  private receiveType(id: number): void {
    if (id < FIRST_USER_ID || this.types.has(id)) throw new GobError(`gob: duplicate or reserved type id ${id}`);
    const buf = this.buf;
    const start = buf.pos;
    const rest = buf.end - start;
    // Every stream of a kind opens with the same definitions (a stream per
    // ServeHTTP request): bytes already parsed elsewhere are not parsed again.
    const data = buf.data;
    const key = rest <= DEFINITION_KEY_MAX ? hashBytes(data, start, buf.end) : -1;
    const known = key < 0 ? undefined : definitions.get(key);
    let wire: Wire;
    if (known && sameBytes(known.bytes, data, start, buf.end)) {
      wire = known.wire;
      buf.pos = start + known.length;
    } else {
      wire = toWire(this.struct(16, this.wire(16) as Extract<Wire, {kind: 'struct'}>) as WireTypeValue);
      if (key >= 0 && !known && definitions.size < DEFINITIONS_KEPT) definitions.set(key, {bytes: data.slice(start, buf.end), wire, length: buf.pos - start});
    }
    this.types.set(id, wire);
    this.added.push(id);
  }

  private wire(id: number): Wire {
    const w = this.types.get(id) ?? bootstrap.get(id);
    if (!w) throw new GobError(`gob: unknown type id ${id}`);
    return w;
  }

  private topLevel(id: number): unknown {
    const w = id >= 16 ? this.wire(id) : undefined;
    if (w?.kind === 'struct') return this.struct(id, w);
    if (this.buf.uint() !== 0) throw new GobError('gob: corrupted data: non-zero delta for singleton');
    return this.item(id);
  }

  /** Reads a value of type `id` (generated struct readers call it for fields of the stream's own types). */
  item(id: number): unknown {
    const buf = this.buf;
    switch (id) {
      case BuiltinId.bool:
        return buf.uint() !== 0;
      case BuiltinId.int:
        return buf.int();
      case BuiltinId.uint:
        return buf.uint();
      case BuiltinId.float:
        return buf.float();
      case BuiltinId.bytes:
        return buf.bytes();
      case BuiltinId.string:
        return buf.string();
      case BuiltinId.complex:
        return new GoComplex(buf.float(), buf.float());
      case BuiltinId.interface:
        return this.iface();
    }
    const w = this.wire(id);
    if (++this.depth > MAX_DEPTH) throw new GobError('gob: value nested too deeply');
    try {
      switch (w.kind) {
        case 'struct':
          return this.struct(id, w);
        case 'slice':
        case 'array': {
          const n = this.count();
          if (w.kind === 'array' && n !== w.len) throw new GobError(`gob: array length ${n} does not match type length ${w.len}`);
          const out: unknown[] = [];
          for (let i = 0; i < n; i++) out.push(this.item(w.elem));
          return out;
        }
        case 'map': {
          const n = this.count();
          if (w.key === BuiltinId.string) {
            const out: Record<string, unknown> = {};
            for (let i = 0; i < n; i++) setField(out, this.buf.string(), this.item(w.elem));
            return out;
          }
          const out = new Map<unknown, unknown>();
          for (let i = 0; i < n; i++) {
            const k = this.item(w.key);
            out.set(k, this.item(w.elem));
          }
          return out;
        }
        case 'marshaler': {
          const bytes = this.buf.bytes();
          if (w.via === 'gob' && w.name === 'Time') {
            try {
              return GoTime.decode(bytes);
            } catch {
              // Not the time.Time layout: keep the bytes.
            }
          }
          return new GoMarshaled(w.via, w.name, bytes);
        }
      }
    } finally {
      this.depth--;
    }
  }

  // Elements are read one by one, never preallocated: each takes at least one byte,
  // so a forged count runs into the end of the message instead of exhausting memory.
  private count(): number {
    const n = this.buf.uint();
    if (typeof n !== 'number') throw new GobError('gob: element count out of range');
    return n;
  }

  private struct(_id: number, w: Extract<Wire, {kind: 'struct'}>): Record<string, unknown> {
    const read = structReader(w);
    if (read) return read(this.buf, this);
    const out: Record<string, unknown> = {};
    let field = -1;
    for (;;) {
      const delta = this.buf.uint();
      if (delta === 0) return out;
      if (typeof delta !== 'number') throw badDelta();
      field += delta;
      const f = w.fields[field];
      if (!f) throw fieldOutOfRange(field, w.name);
      setField(out, f.name, this.item(f.id));
    }
  }

  /** Reads a value held in an interface. */
  iface(): unknown {
    if (this.buf.peek() === 0) {
      this.buf.pos++;
      return null;
    }
    const name = this.buf.string();
    if (name.length > 1024) throw new GobError('gob: interface type name too long');
    const id = this.typeSequence(true);
    this.buf.uint(); // byte count of the value, needed only to skip it
    // A struct held in an interface is read without passing through item(), so
    // the nesting is counted here too.
    if (++this.depth > MAX_DEPTH) throw new GobError('gob: value nested too deeply');
    let value: unknown;
    try {
      value = this.topLevel(id);
    } finally {
      this.depth--;
    }
    if (UNWRAPPED.has(name)) return value;
    return new GoInterface(name, this.descriptorOf(id), value);
  }

  /** A descriptor equivalent to the wire type `id`, for re-encoding a decoded value. */
  descriptorOf(id: number): GoType {
    const basic = Object.entries(BuiltinId).find(([, v]) => v === id);
    if (basic) return (t as unknown as Record<string, GoType>)[basic[0]]!;
    const descriptors = (this.descriptorMap ??= new Map());
    const known = descriptors.get(id);
    if (known) return known;
    const w = this.wire(id);
    let d: GoType;
    switch (w.kind) {
      case 'struct': {
        const s: StructType = {kind: 'struct', name: w.name, fields: []};
        descriptors.set(id, s); // before the fields, for recursive types
        s.fields = w.fields.map((f) => ({name: f.name, type: this.descriptorOf(f.id)}));
        return s;
      }
      case 'slice':
        d = t.slice(this.descriptorOf(w.elem), w.name || undefined);
        break;
      case 'array':
        d = t.array(this.descriptorOf(w.elem), w.len, w.name || undefined);
        break;
      case 'map':
        d = t.map(this.descriptorOf(w.key), this.descriptorOf(w.elem), w.name || undefined);
        break;
      case 'marshaler':
        d = t.marshaler(w.via, w.name);
        break;
    }
    descriptors.set(id, d);
    return d;
  }
}

interface CommonTypeValue {
  Name?: string;
  Id?: number;
}
interface WireTypeValue {
  ArrayT?: {CommonType?: CommonTypeValue; Elem?: number; Len?: number};
  SliceT?: {CommonType?: CommonTypeValue; Elem?: number};
  StructT?: {CommonType?: CommonTypeValue; Field?: {Name?: string; Id?: number}[]};
  MapT?: {CommonType?: CommonTypeValue; Key?: number; Elem?: number};
  GobEncoderT?: {CommonType?: CommonTypeValue};
  BinaryMarshalerT?: {CommonType?: CommonTypeValue};
  TextMarshalerT?: {CommonType?: CommonTypeValue};
}

function typeIdOf(v: unknown): number {
  if (typeof v !== 'number' || v <= 0) throw new GobError('gob: invalid type id in type definition');
  return v;
}

function toWire(w: WireTypeValue): Wire {
  const set = Object.keys(w).length;
  if (set !== 1) throw new GobError('gob: type definition must set exactly one kind');
  if (w.StructT) {
    return {
      kind: 'struct',
      name: w.StructT.CommonType?.Name ?? '',
      fields: (w.StructT.Field ?? []).map((f) => ({name: f.Name ?? '', id: typeIdOf(f.Id)})),
    };
  }
  if (w.SliceT) return {kind: 'slice', name: w.SliceT.CommonType?.Name ?? '', elem: typeIdOf(w.SliceT.Elem)};
  if (w.ArrayT) {
    const len = w.ArrayT.Len ?? 0;
    if (len < 0) throw new GobError('gob: negative array length');
    return {kind: 'array', name: w.ArrayT.CommonType?.Name ?? '', elem: typeIdOf(w.ArrayT.Elem), len};
  }
  if (w.MapT) return {kind: 'map', name: w.MapT.CommonType?.Name ?? '', key: typeIdOf(w.MapT.Key), elem: typeIdOf(w.MapT.Elem)};
  const m = w.GobEncoderT ? (['gob', w.GobEncoderT] as const) : w.BinaryMarshalerT ? (['binary', w.BinaryMarshalerT] as const) : w.TextMarshalerT ? (['text', w.TextMarshalerT] as const) : undefined;
  if (m) return {kind: 'marshaler', via: m[0], name: m[1].CommonType?.Name ?? ''};
  throw new GobError('gob: empty type definition');
}

/** FNV-1a over data[start, end): a non-negative 31-bit number. */
function hashBytes(data: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return h >>> 1;
}

function sameBytes(a: Uint8Array, data: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== data[start + i]) return false;
  return true;
}

/** The chunks joined, the first one from `skip`; `total` is the joined length. */
function concat(chunks: Uint8Array[], total: number, skip = 0): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = i === 0 && skip > 0 ? chunks[0]!.subarray(skip) : chunks[i]!;
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Decodes every value in a complete byte string (tests, fixtures). */
export function decodeAll(bytes: Uint8Array): unknown[] {
  const d = new Decoder();
  d.feed(bytes);
  const out = [...d.values()];
  if (d.buffered > 0) throw new GobError(`gob: ${d.buffered} trailing bytes`);
  return out;
}
