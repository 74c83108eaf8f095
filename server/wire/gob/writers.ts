// Value writers made once per Go type.
//
// Walking a descriptor for every value reads each field by a computed name and
// switches on its kind for every item: most of an encode's time for the
// protocol's values (Post and its props, the ServeHTTP request). Here each
// descriptor gets a writer once: a struct's is generated code that reads every
// field by a constant name (so each read site learns the object's shape) and
// tests and writes scalar fields inline; a slice's or map's is a loop around
// its element's writer. The bytes are Go's (zero fields omitted by Go's rules),
// which the tests check against Go's own encoder.
//
// Field names reach the generated source only as JSON string literals, so a
// descriptor made from a peer's type definitions cannot inject code.

import type {WriteBuffer} from './buffer.js';
import {describe, mismatch, notStruct, noteField} from './errors.js';
import {GoTime} from './time.js';
import {type BasicKind, GoComplex, GobError, GoMarshaled, type GoType, type StructType, typeKey} from './types.js';

/** What a writer needs from the encoder running it: interface values name their types on its stream. */
export interface InterfaceWriter {
  iface(w: WriteBuffer, v: unknown): void;
}

export type Writer = (w: WriteBuffer, v: unknown, e: InterfaceWriter) => void;

const writers = new WeakMap<GoType, Writer>();
/** Structurally equal descriptors (one set per decoded stream, say) share writers. */
const byKey = new Map<string, Writer>();
const BY_KEY_KEPT = 512;
/** A struct writer's body, which refuses a null value instead of sending it as an empty struct. */
const structBodies = new WeakMap<Writer, Writer>();

/** The writer of a struct sent on its own (a top-level value or an interface's): null is an error there. */
export function structWriter(type: StructType): Writer {
  return structBodies.get(writerFor(type))!;
}

/** The writer of a value of `type` with no type id in front (a field, an element, or a top-level value after its id). */
export function writerFor(type: GoType): Writer {
  const known = writers.get(type);
  if (known) return known;
  const key = typeKey(type);
  const shared = byKey.get(key);
  if (shared) {
    writers.set(type, shared);
    return shared;
  }
  const made = make(type);
  if (byKey.size < BY_KEY_KEPT) byKey.set(key, made);
  return made;
}

/** Writers of the predefined types, the same for every descriptor of them. */
const BASIC: Record<BasicKind, Writer> = {
  bool: writeBool,
  int: writeInt,
  uint: writeUint,
  float: writeFloat,
  complex: writeComplex,
  string: writeString,
  bytes: writeBytes,
  interface: writeInterface,
};

function make(type: GoType): Writer {
  switch (type.kind) {
    case 'bool':
    case 'int':
    case 'uint':
    case 'float':
    case 'complex':
    case 'string':
    case 'bytes':
    case 'interface':
      return remember(type, BASIC[type.kind]);
    case 'marshaler': {
      const name = type.name;
      return remember(type, (w, v) => w.byteSlice(marshal(v, name)));
    }
    case 'struct': {
      // A recursive type's fields find this writer before its body exists.
      let body: Writer | null = null;
      const fn = remember(type, (w, v, e) => body!(w, v ?? {}, e));
      body = generateStruct(type);
      structBodies.set(fn, body);
      return fn;
    }
    case 'slice':
    case 'array': {
      let elem: Writer | null = null;
      const fixed = type.kind === 'array' ? type.len : -1;
      const kind = type.kind;
      const structElem = type.elem.kind === 'struct';
      const fn = remember(type, (w, v, e) => {
        const arr = v ?? [];
        if (!Array.isArray(arr)) throw mismatch(kind, v);
        if (fixed >= 0 && arr.length !== fixed) throw new GobError(`gob: array needs ${fixed} elements, got ${arr.length}`);
        w.uint(arr.length);
        const write = elem!;
        for (let i = 0; i < arr.length; i++) {
          const x: unknown = arr[i];
          if (structElem && (x === null || x === undefined)) throw new GobError('gob: encodeArray: nil element');
          write(w, x, e);
        }
      });
      elem = writerFor(type.elem);
      return fn;
    }
    case 'map': {
      let keyW: Writer | null = null;
      let elemW: Writer | null = null;
      const numericKey = type.key.kind === 'int' || type.key.kind === 'uint';
      const stringKey = type.key.kind === 'string';
      const fn = remember(type, (w, v, e) => {
        if (v === null || v === undefined) {
          w.uint(0);
          return;
        }
        const writeKey = keyW!;
        const writeElem = elemW!;
        if (v instanceof Map) {
          w.uint(v.size);
          for (const [k, x] of v) {
            writeKey(w, numericKey && typeof k === 'string' ? Number(k) : k, e);
            writeElem(w, x, e);
          }
          return;
        }
        if (typeof v !== 'object' || Array.isArray(v)) throw mismatch('map', v);
        // Keys only, not entry pairs: maps (props, headers) are in most values.
        const obj = v as Record<string, unknown>;
        const keys = Object.keys(obj);
        w.uint(keys.length);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          if (stringKey) w.string(k);
          else writeKey(w, numericKey ? Number(k) : k, e);
          writeElem(w, obj[k], e);
        }
      });
      keyW = writerFor(type.key);
      elemW = writerFor(type.elem);
      return fn;
    }
  }
}

function remember(type: GoType, fn: Writer): Writer {
  writers.set(type, fn);
  return fn;
}

function writeBool(w: WriteBuffer, v: unknown): void {
  if (typeof v !== 'boolean' && v != null) throw mismatch('bool', v);
  w.byte(v ? 1 : 0);
}

function writeInt(w: WriteBuffer, v: unknown): void {
  w.int(intLike(v, 'int'));
}

function writeUint(w: WriteBuffer, v: unknown): void {
  w.uint(intLike(v, 'uint'));
}

function writeFloat(w: WriteBuffer, v: unknown): void {
  if (typeof v !== 'number' && v != null) throw mismatch('float', v);
  w.float((v as number | null) ?? 0);
}

function writeComplex(w: WriteBuffer, v: unknown): void {
  const c = v ?? new GoComplex(0, 0);
  if (!(c instanceof GoComplex)) throw mismatch('complex', v);
  w.float(c.re);
  w.float(c.im);
}

function writeString(w: WriteBuffer, v: unknown): void {
  if (typeof v !== 'string' && v != null) throw mismatch('string', v);
  w.string((v as string | null) ?? '');
}

function writeBytes(w: WriteBuffer, v: unknown): void {
  const b = v ?? EMPTY;
  if (!(b instanceof Uint8Array)) throw mismatch('[]byte', v);
  w.byteSlice(b);
}

function writeInterface(w: WriteBuffer, v: unknown, e: InterfaceWriter): void {
  e.iface(w, v);
}

const EMPTY = new Uint8Array(0);

function intLike(v: unknown, want: string): number | bigint {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  throw mismatch(want, v);
}

const utf8 = new TextEncoder();

function marshal(v: unknown, name: string): Uint8Array {
  if (v instanceof GoMarshaled) return v.bytes;
  if (v instanceof GoTime) return v.encode();
  if (v instanceof Date) return GoTime.fromDate(v).encode();
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return utf8.encode(v);
  throw new GobError(`gob: cannot marshal a ${describe(v)} as ${name}`);
}

// A struct field is sent unless it holds its type's zero value; null and
// undefined are zero for every kind. Per kind: the rest of the zero test and the
// write, with `x` the field's value. Kinds without a test are always sent;
// kinds without a write use the field type's writer.
const ZERO: Partial<Record<GoType['kind'], string>> = {
  bool: 'x === false',
  int: 'x === 0 || x === 0n',
  uint: 'x === 0 || x === 0n',
  float: 'x === 0 || x === 0n',
  string: "x === ''",
  bytes: 'x.length === 0',
  slice: 'x.length === 0',
  complex: 'R.isZero(x, T[i])',
  marshaler: 'R.isZero(x, T[i])',
};

const WRITE: Partial<Record<GoType['kind'], string>> = {
  bool: "if (typeof x !== 'boolean') throw R.mismatch('bool', x); w.byte(x ? 1 : 0);",
  int: "if (typeof x !== 'number' && typeof x !== 'bigint') throw R.mismatch('int', x); w.int(x);",
  uint: "if (typeof x !== 'number' && typeof x !== 'bigint') throw R.mismatch('uint', x); w.uint(x);",
  float: "if (typeof x !== 'number') throw R.mismatch('float', x); w.float(x);",
  string: "if (typeof x !== 'string') throw R.mismatch('string', x); w.string(x);",
  bytes: "if (!(x instanceof Uint8Array)) throw R.mismatch('[]byte', x); w.byteSlice(x);",
};

/** Helpers the generated code calls, handed to it rather than found by name. */
const runtime = {mismatch, notStruct, note: noteField, isZero: isZeroSpecial};

function generateStruct(type: StructType): Writer {
  const lines: string[] = [
    `if (typeof v !== 'object' || v === null) throw R.notStruct(${JSON.stringify(type.name)}, v);`,
    'let last = -1, f = -1, x;',
    'try {',
  ];
  type.fields.forEach((field, index) => {
    const at = (code: string): string => code.replaceAll('[i]', `[${index}]`);
    const zero = ZERO[field.type.kind];
    lines.push(
      `  x = v[${JSON.stringify(field.name)}];`,
      `  if (x !== undefined && x !== null${zero ? ` && !(${at(zero)})` : ''}) {`,
      `    f = ${index}; w.uint(${index} - last); last = ${index};`,
      `    ${at(WRITE[field.type.kind] ?? 'W[i](w, x, e);')}`,
      '  }',
    );
  });
  lines.push('} catch (err) { if (f >= 0) R.note(err, N[f]); throw err; }', 'w.byte(0);');
  const factory = new Function('R', 'T', 'N', 'W', `return function writeStruct(w, v, e) {\n${lines.join('\n')}\n};`) as (
    r: typeof runtime,
    types: GoType[],
    names: string[],
    fieldWriters: Writer[],
  ) => Writer;
  const fieldWriters: Writer[] = [];
  const fn = factory(
    runtime,
    type.fields.map((f) => f.type),
    type.fields.map((f) => f.name),
    fieldWriters,
  );
  for (const f of type.fields) fieldWriters.push(writerFor(f.type));
  return fn;
}

/** Go's zero test for the kinds whose test is not an expression on the value alone. */
function isZeroSpecial(v: unknown, type: GoType): boolean {
  if (type.kind === 'complex') return v instanceof GoComplex && v.re === 0 && v.im === 0;
  if (type.kind === 'marshaler') return v instanceof GoTime ? v.isZero() : false;
  return false;
}
