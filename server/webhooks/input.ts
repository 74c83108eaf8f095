// Reads untyped JSON request bodies field by field. A value of the wrong JSON type
// is a 400 naming the offending key (dotted for nested keys, `list.3` for items),
// which the webapp shows next to the right form control.

import {HookError} from './errors.js';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export class InputReader {
  constructor(
    private readonly obj: Readonly<Record<string, unknown>>,
    private readonly prefix = '',
  ) {}

  static fromBody(body: unknown): InputReader {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw HookError.badRequest('api.context.invalid_body_param.app_error', 'The request body must be a JSON object.');
    }
    return new InputReader(body as Record<string, unknown>);
  }

  private field(key: string): string {
    return this.prefix + key;
  }

  private wrong(key: string, want: string, got: unknown): HookError {
    return HookError.badRequest('api.context.invalid_body_param.app_error', `${this.field(key)} must be ${want}, not ${typeName(got)}.`, this.field(key));
  }

  /** Present and not null. */
  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  string(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.wrong(key, 'a string', v);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw this.wrong(key, 'true or false', v);
    return v;
  }

  integer(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.wrong(key, 'a whole number', v);
    return v;
  }

  stringArray(key: string): string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw this.wrong(key, 'an array of strings', v);
    return v.map((item, i) => {
      if (typeof item !== 'string') throw this.wrong(`${key}.${i}`, 'a string', item);
      return item;
    });
  }

  object(key: string): InputReader | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.wrong(key, 'an object', v);
    return new InputReader(v as Record<string, unknown>, `${this.field(key)}.`);
  }

  stringMap(key: string): Record<string, string> | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.wrong(key, 'an object of strings', v);
    const out: Record<string, string> = {};
    Object.entries(v as Record<string, unknown>).forEach(([k, val], i) => {
      if (typeof val !== 'string') throw this.wrong(`${key}.${i}`, 'a string', val);
      out[k] = val;
    });
    return out;
  }
}
