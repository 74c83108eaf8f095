// Struct readers made once per received struct definition.
//
// The decoder's walk sets each field by a computed name, so every decoded
// struct's stores go through one generic site. A reader generated for the
// definition stores each field by a constant name and reads fields of the
// predefined types (string, int, bool, ...) inline; others go back to the
// decoder, whose ids are the stream's own. A definition's field ids are part
// of the bytes it was sent as, so one reader serves every stream that sent the
// same definition.
//
// Field names come from the peer: they reach the generated source only as JSON
// string literals, and "__proto__" is defined, not assigned (setField).

import type {ReadBuffer} from './buffer.js';
import {BuiltinId, GoComplex, GobError} from './types.js';

export interface StructDefinition {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: readonly {readonly name: string; readonly id: number}[];
}

/** What a reader needs from the decoder running it. */
export interface ItemReader {
  /** Reads a value of the stream's type `id`. */
  item(id: number): unknown;
  /** Reads a value held in an interface. */
  iface(): unknown;
}

export type StructReader = (b: ReadBuffer, d: ItemReader) => Record<string, unknown>;

const readers = new WeakMap<StructDefinition, StructReader>();
/** Equal definitions parsed apart (the decoder keeps one parse per distinct definition, up to a bound) share one reader. */
const byKey = new Map<string, StructReader>();
const BY_KEY_KEPT = 512;
/** Beyond this many fields the walk is used: such a definition is no protocol type. */
const MAX_FIELDS = 256;

const READ: Record<number, string> = {
  [BuiltinId.bool]: 'b.uint() !== 0',
  [BuiltinId.int]: 'b.int()',
  [BuiltinId.uint]: 'b.uint()',
  [BuiltinId.float]: 'b.float()',
  [BuiltinId.bytes]: 'b.bytes()',
  [BuiltinId.string]: 'b.string()',
  [BuiltinId.complex]: 'new R.GoComplex(b.float(), b.float())',
  [BuiltinId.interface]: 'd.iface()',
};

/** Stores a decoded field or map entry: a key named __proto__ is just a key. */
export function setField(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, {value, enumerable: true, writable: true, configurable: true});
  else obj[key] = value;
}

export function badDelta(): GobError {
  return new GobError('gob: field delta out of range');
}

export function fieldOutOfRange(field: number, name: string): GobError {
  return new GobError(`gob: field number ${field} out of range for ${name || 'struct'}`);
}

const runtime = {GoComplex, badDelta, outOfRange: fieldOutOfRange, setField};

/** The generated reader of a struct definition, or null when the walk should read it. */
export function structReader(def: StructDefinition): StructReader | null {
  const known = readers.get(def);
  if (known) return known;
  if (def.fields.length > MAX_FIELDS) return null;
  const key = `${def.name}{${def.fields.map((f) => `${f.name} ${f.id}`).join(';')}}`;
  let reader = byKey.get(key);
  if (!reader) {
    if (byKey.size >= BY_KEY_KEPT) return null;
    reader = generate(def);
    byKey.set(key, reader);
  }
  readers.set(def, reader);
  return reader;
}

function generate(def: StructDefinition): StructReader {
  const cases = def.fields.map((f, i) => {
    const value = READ[f.id] ?? `d.item(${f.id})`;
    const name = JSON.stringify(f.name);
    const store = f.name === '__proto__' ? `R.setField(o, ${name}, ${value})` : `o[${name}] = ${value}`;
    return `    case ${i}: ${store}; break;`;
  });
  const source = [
    'return function readStruct(b, d) {',
    '  const o = {};',
    '  let field = -1;',
    '  for (;;) {',
    '    const delta = b.uint();',
    '    if (delta === 0) return o;',
    "    if (typeof delta !== 'number') throw R.badDelta();",
    '    field += delta;',
    '    switch (field) {',
    ...cases,
    `    default: throw R.outOfRange(field, ${JSON.stringify(def.name)});`,
    '    }',
    '  }',
    '};',
  ].join('\n');
  return (new Function('R', source) as (r: typeof runtime) => StructReader)(runtime);
}
