// gob encoder driven by declared Go type descriptors.
//
// Stream grammar (encoding/gob doc.go): ( [ -typeId wireType ]* typeId value )*,
// every message prefixed by its uint byte count. One Encoder per stream direction:
// a type is defined once per stream, with ids from 65 upward.
//
// Go's own encoder cuts a value message in two when it meets an interface whose
// concrete type it has not sent yet. We instead send every definition the value
// needs first, then the whole value in one message; Go's decoder accepts both.
//
// Struct fields holding a zero value (0, false, "", empty slice, nil map, nil
// pointer/interface) are omitted, as Go does; top-level non-struct values are
// "singletons" prefixed by a 00 field delta and sent even when zero.

import {WriteBuffer} from './buffer.js';
import {structWriter, writerFor, type InterfaceWriter} from './writers.js';
import {describe, withTrail} from './errors.js';
import {
  BuiltinId,
  FIRST_USER_ID,
  GobError,
  GoInterface,
  t,
  typeKey,
  type GoType,
} from './types.js';

/** Interface values nested in one another, at most (the decoder's bound too). */
const MAX_DEPTH = 512;
const ifaceSlice = t.slice(t.interface);
const ifaceMap = t.map(t.string, t.interface);

/** Resolves a JS value held in an interface to the Go type name and descriptor it travels as. */
export function interfaceOf(value: unknown): {name: string; type: GoType; value: unknown} | null {
  if (value === null || value === undefined) return null;
  if (value instanceof GoInterface) return value;
  switch (typeof value) {
    case 'string':
      return {name: 'string', type: t.string, value};
    case 'boolean':
      return {name: 'bool', type: t.bool, value};
    case 'number':
      return {name: 'float64', type: t.float, value};
    case 'bigint':
      return {name: 'int64', type: t.int, value};
    case 'object':
      if (value instanceof Uint8Array) return {name: '[]uint8', type: t.bytes, value};
      if (Array.isArray(value)) return {name: '[]interface {}', type: ifaceSlice, value};
      if (value instanceof Map || isPlainObject(value)) return {name: 'map[string]interface {}', type: ifaceMap, value};
      break;
  }
  throw new GobError(`gob: cannot send a ${describe(value)} in an interface`);
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

interface Pending {
  id: number;
  key: string;
  type: GoType;
}

// Scratch buffers shared by every Encoder: encoding is synchronous and never
// nested, and a stream per request would otherwise allocate its own each time.
let scratchBody = new WriteBuffer(1024);
let scratchOut = new WriteBuffer(1024);
const NO_PENDING: Pending[] = [];
/** Scratch buffers that grew past this (a large value) are let go after use. */
const SCRATCH_KEEP = 256 * 1024;

/** The scratch buffer's bytes in a Buffer of their own (small ones come from Node's pool). */
function copyOut(out: WriteBuffer): Buffer {
  const bytes = out.bytes();
  const copy = Buffer.allocUnsafe(bytes.length);
  copy.set(bytes);
  return copy;
}

function releaseScratch(): void {
  if (scratchBody.capacity > SCRATCH_KEEP) scratchBody = new WriteBuffer(1024);
  if (scratchOut.capacity > SCRATCH_KEEP) scratchOut = new WriteBuffer(1024);
}

export class Encoder implements InterfaceWriter {
  private readonly ids = new Map<string, number>();
  /** The same ids by descriptor object, looked up before working out a descriptor's key. */
  private readonly idsByType = new Map<GoType, number>();
  private nextId = FIRST_USER_ID;
  private pending: Pending[] = NO_PENDING;
  private depth = 0;

  /** Encodes one value as the messages to write on the stream: definitions first, then the value. */
  encode(value: unknown, type: GoType): Uint8Array {
    const out = scratchOut;
    out.reset();
    try {
      this.encodeInto(out, value, type);
      // A view on pooled memory: a fresh ArrayBuffer per value (Uint8Array.slice) cost more than the encoding.
      const copy = copyOut(out);
      return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
    } finally {
      releaseScratch();
    }
  }

  /**
   * Encodes two values one after the other (a net/rpc header and its body) into
   * one Buffer, as two encode calls would.
   */
  encodePair(first: unknown, firstType: GoType, second: unknown, secondType: GoType): Buffer {
    const out = scratchOut;
    out.reset();
    try {
      this.encodeInto(out, first, firstType);
      this.encodeInto(out, second, secondType);
      return copyOut(out);
    } finally {
      releaseScratch();
    }
  }

  private encodeInto(out: WriteBuffer, value: unknown, type: GoType): void {
    const mark = this.nextId;
    this.pending = NO_PENDING;
    const body = scratchBody;
    body.reset();
    // `out` must not be the scratch body: the value is staged there first.
    const start = body.beginLength();
    try {
      body.int(this.typeId(type));
      this.topLevel(body, value, type);
    } catch (err) {
      // Nothing was written: forget the ids handed out so the stream stays consistent.
      for (const p of this.pending) this.ids.delete(p.key);
      if (this.pending.length > 0) this.idsByType.clear();
      this.nextId = mark;
      this.pending = NO_PENDING;
      this.depth = 0;
      withTrail(err);
      throw err;
    }
    body.endLength(start);
    // A definition can add more pending types (its fields); the list grows while we walk it.
    for (let i = 0; i < this.pending.length; i++) {
      const defStart = out.beginLength();
      this.wireType(out, this.pending[i]!);
      out.endLength(defStart);
    }
    this.pending = NO_PENDING;
    out.raw(body.bytes());
  }

  private typeId(type: GoType): number {
    const builtin = (BuiltinId as Record<string, number>)[type.kind];
    if (builtin !== undefined) return builtin;
    const seen = this.idsByType.get(type);
    if (seen !== undefined) return seen;
    const key = typeKey(type);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(key, id);
      if (this.pending === NO_PENDING) this.pending = [];
      this.pending.push({id, key, type});
    }
    this.idsByType.set(type, id);
    return id;
  }

  // wireType {ArrayT 0; SliceT 1; StructT 2; MapT 3; GobEncoderT 4; BinaryMarshalerT 5; TextMarshalerT 6}
  // CommonType {Name 0; Id 1}; the inner Id repeats the definition's id.
  private wireType(w: WriteBuffer, {id, type}: Pending): void {
    w.int(-id);
    switch (type.kind) {
      case 'array':
        w.byte(1);
        commonType(w, type.name, id);
        w.byte(1);
        w.int(this.typeId(type.elem));
        w.byte(1);
        w.int(type.len);
        w.byte(0);
        break;
      case 'slice':
        w.byte(2);
        commonType(w, type.name, id);
        w.byte(1);
        w.int(this.typeId(type.elem));
        w.byte(0);
        break;
      case 'struct':
        w.byte(3);
        commonType(w, type.name, id);
        if (type.fields.length) {
          w.byte(1);
          w.uint(type.fields.length);
          for (const f of type.fields) {
            w.byte(1);
            w.string(f.name);
            w.byte(1);
            w.int(this.typeId(f.type));
            w.byte(0);
          }
        }
        w.byte(0);
        break;
      case 'map':
        w.byte(4);
        commonType(w, type.name, id);
        w.byte(1);
        w.int(this.typeId(type.key));
        w.byte(1);
        w.int(this.typeId(type.elem));
        w.byte(0);
        break;
      case 'marshaler':
        w.byte(type.via === 'gob' ? 5 : type.via === 'binary' ? 6 : 7);
        commonType(w, type.name, id);
        w.byte(0);
        break;
      default:
        throw new GobError(`gob: no wire definition for ${type.kind}`);
    }
    w.byte(0);
  }

  /** A value after its type id: a struct as it is, anything else as a singleton (a 00 field delta first). */
  private topLevel(w: WriteBuffer, value: unknown, type: GoType): void {
    if (type.kind === 'struct') {
      structWriter(type)(w, value, this);
    } else {
      w.byte(0);
      writerFor(type)(w, value, this);
    }
  }

  /**
   * Writes a value held in an interface (writers of interface fields and
   * elements call it): name, concrete type id, byte count, then the concrete
   * value as a top-level value.
   */
  iface(w: WriteBuffer, v: unknown): void {
    // The JSON-like values that fill props and maps are told apart here rather
    // than through interfaceOf: a Post encodes about a tenth faster this way.
    let name: string;
    let type: GoType;
    let value = v;
    switch (typeof v) {
      case 'string':
        name = 'string';
        type = t.string;
        break;
      case 'boolean':
        name = 'bool';
        type = t.bool;
        break;
      case 'number':
        name = 'float64';
        type = t.float;
        break;
      default: {
        const resolved = interfaceOf(v);
        if (!resolved) {
          w.byte(0);
          return;
        }
        name = resolved.name;
        type = resolved.type;
        value = resolved.value;
      }
    }
    // Values made from JSON (props, attachments) nest through interfaces: their
    // depth is bounded as the decoder bounds it, rather than by the call stack.
    if (++this.depth > MAX_DEPTH) throw new GobError(`gob: value nested more than ${MAX_DEPTH} levels deep`);
    w.string(name);
    w.int(this.typeId(type));
    const start = w.beginLength();
    this.topLevel(w, value, type);
    w.endLength(start);
    this.depth--;
  }
}

/** CommonType{Name, Id}, field 0 of every inner type of a wireType. */
function commonType(w: WriteBuffer, name: string | undefined, id: number): void {
  w.byte(1);
  if (name) {
    w.byte(1);
    w.string(name);
    w.byte(1);
  } else {
    w.byte(2);
  }
  w.int(id);
  w.byte(0);
}

