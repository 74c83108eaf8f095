// Encode errors name the field path that led to the bad value: each struct
// level adds its field's name while the error unwinds, outermost first.

import {GobError} from './types.js';

const trails = new WeakMap<GobError, string[]>();
/** Field names shown of a longer path. */
const TRAIL_SHOWN = 8;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}

export function mismatch(want: string, got: unknown): GobError {
  return new GobError(`gob: want ${want}, got ${describe(got)}`);
}

export function notStruct(name: string, got: unknown): GobError {
  return new GobError(`gob: want an object for struct ${name}, got ${describe(got)}`);
}

/** Records that `err` arose inside field `name` (called from the inside out). */
export function noteField(err: unknown, name: string): void {
  if (!(err instanceof GobError)) return;
  const trail = trails.get(err);
  if (trail) trail.unshift(name);
  else trails.set(err, [name]);
}

/** Appends the field path, if any, to the message of an error about to leave the encoder. */
export function withTrail(err: unknown): void {
  if (!(err instanceof GobError)) return;
  const trail = trails.get(err);
  if (!trail) return;
  const path = trail.length > TRAIL_SHOWN ? `${trail.slice(0, TRAIL_SHOWN).join('.')}… (${trail.length} levels)` : trail.join('.');
  err.message += ` (at ${path})`;
}
