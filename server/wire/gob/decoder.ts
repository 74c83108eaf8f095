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

const EMPTY = new ReadBuffer(new Uint8Array(0));
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

export class Decoder {
  private readonly types = new Map<number, Wire>();
  private readonly descriptors = new Map<number, GoType>();
  private readonly maxMessageSize: number;

  // Framing state.
  private chunks: Uint8Array[] = [];
  private chunkBytes = 0;
  private messages: Uint8Array[] = [];
  /** Messages before this index are consumed. */
  private head = 0;

  // Decode state: the current message and the index of the next one to read.
  private buf = EMPTY;
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
    while (this.chunkBytes > 0) {
      let head = this.chunks[0]!;
      if (this.chunks.length > 1 && head.length < 9) {
        head = concat(this.chunks, this.chunkBytes);
        this.chunks = [head];
      }
      // The length prefix is a gob uint: one byte, or a byte count then up to 8 bytes.
      const b = head[0]!;
      let prefix = 1;
      let size = b;
      if (b >= 0x80) {
        const n = 256 - b;
        if (n > 8) throw new GobError('gob: bad message length prefix');
        if (head.length < 1 + n) return;
        prefix = 1 + n;
        size = 0;
        for (let i = 1; i <= n; i++) size = size * 256 + head[i]!;
      }
      if (size > this.maxMessageSize) {
        throw new GobError(`gob: message of ${size} bytes exceeds the ${this.maxMessageSize} byte limit`);
      }
      const total = prefix + size;
      if (this.chunkBytes < total) return;
      const all = this.chunks.length === 1 ? head : concat(this.chunks, this.chunkBytes);
      this.messages.push(all.subarray(prefix, total));
      const rest = all.subarray(total);
      this.chunks = rest.length ? [rest] : [];
      this.chunkBytes = rest.length;
    }
  }

  /** Decodes the next complete value, or returns undefined until more input arrives. */
  decode(): Decoded | undefined {
    const saved = {buf: this.buf, pos: this.buf.pos, next: this.next};
    this.added = [];
    this.depth = 0;
    try {
      const id = this.typeSequence(false);
      const value = this.topLevel(id);
      // Forget fully consumed messages; keep the current one if bytes remain.
      this.dropConsumed(this.buf.remaining > 0 ? this.next - 1 : this.next);
      if (this.buf.remaining === 0) this.buf = EMPTY;
      return {value, typeId: id};
    } catch (err) {
      if (err !== NEED_MORE) throw err;
      for (const id of this.added) {
        this.types.delete(id);
        this.descriptors.delete(id);
      }
      this.buf = saved.buf;
      this.buf.pos = saved.pos;
      this.next = saved.next;
      return undefined;
    }
  }

  /** All complete values currently available. */
  *values(): Generator<unknown> {
    for (let d = this.decode(); d; d = this.decode()) yield d.value;
  }

  /** Bytes received that are not yet part of a decoded value. */
  get buffered(): number {
    let n = this.chunkBytes + (this.buf === EMPTY ? 0 : this.buf.remaining);
    for (let i = this.next; i < this.messages.length; i++) n += this.messages[i]!.length;
    return n;
  }

  private dropConsumed(upTo: number): void {
    this.head = upTo;
    // Compact now and then rather than shifting the array on every value.
    if (this.head > 64 && this.head * 2 > this.messages.length) {
      this.messages = this.messages.slice(this.head);
      this.next -= this.head;
      this.head = 0;
    }
  }

  private nextMessage(): void {
    if (this.next >= this.messages.length) throw NEED_MORE;
    this.buf = new ReadBuffer(this.messages[this.next++]!);
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
    const w = this.struct(16, this.wire(16) as Extract<Wire, {kind: 'struct'}>) as WireTypeValue;
    this.types.set(id, toWire(w));
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

  private item(id: number): unknown {
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
    const out: Record<string, unknown> = {};
    let field = -1;
    for (;;) {
      const delta = this.buf.uint();
      if (delta === 0) return out;
      if (typeof delta !== 'number') throw new GobError('gob: field delta out of range');
      field += delta;
      const f = w.fields[field];
      if (!f) throw new GobError(`gob: field number ${field} out of range for ${w.name || 'struct'}`);
      setField(out, f.name, this.item(f.id));
    }
  }

  private iface(): unknown {
    if (this.buf.data[this.buf.pos] === 0) {
      this.buf.pos++;
      return null;
    }
    const name = this.buf.string();
    if (name.length > 1024) throw new GobError('gob: interface type name too long');
    const id = this.typeSequence(true);
    this.buf.uint(); // byte count of the value, needed only to skip it
    const value = this.topLevel(id);
    if (UNWRAPPED.has(name)) return value;
    return new GoInterface(name, this.descriptorOf(id), value);
  }

  /** A descriptor equivalent to the wire type `id`, for re-encoding a decoded value. */
  descriptorOf(id: number): GoType {
    const basic = Object.entries(BuiltinId).find(([, v]) => v === id);
    if (basic) return (t as unknown as Record<string, GoType>)[basic[0]]!;
    const known = this.descriptors.get(id);
    if (known) return known;
    const w = this.wire(id);
    let d: GoType;
    switch (w.kind) {
      case 'struct': {
        const s: StructType = {kind: 'struct', name: w.name, fields: []};
        this.descriptors.set(id, s); // before the fields, for recursive types
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
    this.descriptors.set(id, d);
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

function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, {value, enumerable: true, writable: true, configurable: true});
  else obj[key] = value;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
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
