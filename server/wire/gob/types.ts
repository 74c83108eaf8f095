// Go types as encoding/gob sees them.
//
// gob has eight predefined wire types (bool, int, uint, float, []byte, string,
// complex, interface) and four composite kinds (array, slice, struct, map), plus
// opaque values produced by GobEncoder / BinaryMarshaler / TextMarshaler. Pointers
// never appear on the wire: *T is sent as T, and a nil pointer field is omitted.
// So a descriptor here never has a pointer kind; "nullable" is the JS null.

export type GoType =
  | BasicType
  | SliceType
  | ArrayType
  | MapType
  | StructType
  | MarshalerType;

export type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'bytes' | 'string' | 'complex' | 'interface';

export interface BasicType {
  readonly kind: BasicKind;
}

export interface SliceType {
  readonly kind: 'slice';
  readonly elem: GoType;
  readonly name?: string;
}

export interface ArrayType {
  readonly kind: 'array';
  readonly elem: GoType;
  readonly len: number;
  readonly name?: string;
}

export interface MapType {
  readonly kind: 'map';
  readonly key: GoType;
  readonly elem: GoType;
  readonly name?: string;
}

export interface StructField {
  readonly name: string;
  readonly type: GoType;
}

export interface StructType {
  readonly kind: 'struct';
  readonly name: string;
  // Mutable only so recursive types can be closed after creation (t.recursive).
  fields: StructField[];
}

/** A value that Go sends as opaque bytes from GobEncode / MarshalBinary / MarshalText. */
export interface MarshalerType {
  readonly kind: 'marshaler';
  readonly via: MarshalVia;
  readonly name: string;
}

export type MarshalVia = 'gob' | 'binary' | 'text';

/** Predefined wire type ids (encoding/gob type.go). */
export const BuiltinId = {
  bool: 1,
  int: 2,
  uint: 3,
  float: 4,
  bytes: 5,
  string: 6,
  complex: 7,
  interface: 8,
} as const satisfies Record<BasicKind, number>;

/** First id the encoder may use for its own types; lower ids are reserved. */
export const FIRST_USER_ID = 65;

/** Go's complex64/complex128. */
export class GoComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}

/**
 * A value held in a Go interface whose concrete type must be kept to round-trip
 * (anything other than the JSON-like string, bool, float64, []interface {} and
 * map[string]interface {}, which decode to plain JS values). `name` is the name
 * the concrete type was registered under with gob.Register in the Go process.
 */
export class GoInterface {
  constructor(
    readonly name: string,
    readonly type: GoType,
    readonly value: unknown,
  ) {}
}

/** Opaque bytes of a GobEncoder / BinaryMarshaler / TextMarshaler value. */
export class GoMarshaled {
  constructor(
    readonly via: MarshalVia,
    readonly name: string,
    readonly bytes: Uint8Array,
  ) {}
}

export class GobError extends Error {
  override name = 'GobError';
}

const basic = (kind: BasicKind): BasicType => Object.freeze({kind});

function struct(name: string, fields: Record<string, GoType>): StructType {
  return {kind: 'struct', name, fields: Object.entries(fields).map(([n, type]) => ({name: n, type}))};
}

/** Builders for descriptors, in Go declaration order (object key order = field order). */
export const t = {
  bool: basic('bool'),
  int: basic('int'),
  uint: basic('uint'),
  float: basic('float'),
  bytes: basic('bytes'),
  string: basic('string'),
  complex: basic('complex'),
  interface: basic('interface'),
  slice: (elem: GoType, name?: string): SliceType => ({kind: 'slice', elem, ...(name ? {name} : {})}),
  array: (elem: GoType, len: number, name?: string): ArrayType => ({kind: 'array', elem, len, ...(name ? {name} : {})}),
  map: (key: GoType, elem: GoType, name?: string): MapType => ({kind: 'map', key, elem, ...(name ? {name} : {})}),
  struct,
  /** A struct that refers to itself, e.g. CommandResponse.ExtraResponses []*CommandResponse. */
  recursive(name: string, fields: (self: StructType) => Record<string, GoType>): StructType {
    const self: StructType = {kind: 'struct', name, fields: []};
    self.fields = Object.entries(fields(self)).map(([n, type]) => ({name: n, type}));
    return self;
  },
  marshaler: (via: MarshalVia, name: string): MarshalerType => ({kind: 'marshaler', via, name}),
} as const;

/** time.Time travels as a GobEncoder value named "Time". */
export const timeType = t.marshaler('gob', 'Time');
/** *url.URL travels as a BinaryMarshaler value named "URL" (its String()). */
export const urlType = t.marshaler('binary', 'URL');

/** Go's reflect.Type.String() of a descriptor: the name gob.Register uses for unnamed types. */
export function goTypeString(type: GoType): string {
  switch (type.kind) {
    case 'bool':
      return 'bool';
    case 'int':
      return 'int64';
    case 'uint':
      return 'uint64';
    case 'float':
      return 'float64';
    case 'bytes':
      return '[]uint8';
    case 'string':
      return 'string';
    case 'complex':
      return 'complex128';
    case 'interface':
      return 'interface {}';
    case 'slice':
      return type.name ?? `[]${goTypeString(type.elem)}`;
    case 'array':
      return type.name ?? `[${type.len}]${goTypeString(type.elem)}`;
    case 'map':
      return type.name ?? `map[${goTypeString(type.key)}]${goTypeString(type.elem)}`;
    case 'struct':
      return type.name;
    case 'marshaler':
      return type.name;
  }
}

const keyCache = new WeakMap<object, string>();

/**
 * A string that is equal for structurally equal descriptors, so an encoder sends
 * one definition per distinct type however many descriptor objects describe it.
 */
export function typeKey(type: GoType): string {
  if (type.kind in BuiltinId) return type.kind;
  // Most descriptors are keyed already: no need for the walk's bookkeeping.
  return keyCache.get(type) ?? keyOf(type, new Map());
}

function keyOf(type: GoType, open: Map<StructType, number>): string {
  if (type.kind in BuiltinId) return type.kind;
  const cached = keyCache.get(type);
  if (cached !== undefined) return cached;
  let key: string;
  switch (type.kind) {
    case 'slice':
      key = `[]${keyOf(type.elem, open)}`;
      break;
    case 'array':
      key = `[${type.len}]${keyOf(type.elem, open)}`;
      break;
    case 'map':
      key = `map[${keyOf(type.key, open)}]${keyOf(type.elem, open)}`;
      break;
    case 'marshaler':
      key = `marshal:${type.via}:${type.name}`;
      break;
    case 'struct': {
      const depth = open.get(type);
      // A back-reference to a struct being described: name it by nesting depth.
      if (depth !== undefined) return `^${open.size - depth}`;
      open.set(type, open.size);
      key = `struct ${type.name}{${type.fields.map((f) => `${f.name} ${keyOf(f.type, open)}`).join(';')}}`;
      open.delete(type);
      break;
    }
    default:
      throw new GobError(`unknown descriptor kind ${(type as {kind: string}).kind}`);
  }
  // Inside a walk, a back-reference names a struct by its depth on the path to
  // here (a recursive struct's slice is "[]^1" inside it): such a key holds for
  // this walk only. A key made from the top resolves all of them itself.
  if (open.size > 0 && key.includes('^')) return key;
  keyCache.set(type, key);
  return key;
}
