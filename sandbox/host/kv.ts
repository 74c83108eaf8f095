// The plugin key-value store with the server's semantics (PlatformService.
// SetPluginKeyWithOptions, SqlPluginStore.CompareAndSet/CompareAndDelete) over the
// in-memory store's map. gob cannot tell an empty []byte from nil, so an empty
// value deletes and an empty old value means "only if absent", as on a server.

import type {MemoryMattermost} from '../../server/mattermost/memory.js';
import {appError, type GoAppError} from './app-error.js';

export interface KVOptions {
  Atomic?: boolean;
  OldValue?: Uint8Array | null;
  ExpireInSeconds?: number | bigint;
}

const empty = (v: Uint8Array | null | undefined): v is null | undefined => !v || v.length === 0;

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export function validKey(key: string): GoAppError | null {
  if (key === '' || [...key].length > 150) {
    return appError('PluginKeyValue.IsValid', 'model.plugin_key_value.is_valid.key.app_error', 'Invalid key, must be more than 0 and a of maximum 150 characters long.', `key=${key}`, 400);
  }
  return null;
}

export class PluginKV {
  constructor(
    private readonly mm: MemoryMattermost,
    private readonly now: () => number = Date.now,
  ) {}

  private live(key: string): Uint8Array | null {
    const e = this.mm.kv.get(key);
    if (!e) return null;
    if (e.expiresAt !== null && e.expiresAt <= this.now()) {
      this.mm.kv.delete(key);
      return null;
    }
    return e.value;
  }

  get(key: string): Uint8Array | null {
    const v = this.live(key);
    return v ? Uint8Array.from(v) : null;
  }

  setWithOptions(key: string, value: Uint8Array | null | undefined, opt: KVOptions): {ok: boolean; error: GoAppError | null} {
    if (!opt.Atomic && !empty(opt.OldValue)) {
      return {ok: false, error: appError('PluginKVSetOptions.IsValid', 'model.plugin_kvset_options.is_valid.old_value.app_error', 'Invalid old value, it should not be set when the operation is not atomic.', '', 400)};
    }
    const invalid = validKey(key);
    if (invalid) return {ok: false, error: invalid};
    const ttl = Number(opt.ExpireInSeconds ?? 0);
    const expiresAt = ttl !== 0 ? this.now() + ttl * 1000 : null;
    const store = (v: Uint8Array): void => void this.mm.kv.set(key, {value: Uint8Array.from(v), expiresAt});
    if (!opt.Atomic) {
      if (empty(value)) this.mm.kv.delete(key);
      else store(value);
      return {ok: true, error: null};
    }
    const current = this.live(key);
    if (empty(value)) {
      if (empty(opt.OldValue) || !current || !same(current, opt.OldValue)) return {ok: false, error: null};
      this.mm.kv.delete(key);
      return {ok: true, error: null};
    }
    if (empty(opt.OldValue)) {
      if (current) return {ok: false, error: null};
      store(value);
      return {ok: true, error: null};
    }
    if (!current || !same(current, opt.OldValue)) return {ok: false, error: null};
    store(value);
    return {ok: true, error: null};
  }

  compareAndDelete(key: string, old: Uint8Array | null | undefined): {ok: boolean; error: GoAppError | null} {
    const invalid = validKey(key);
    if (invalid) return {ok: false, error: invalid};
    const current = this.live(key);
    if (empty(old) || !current || !same(current, old)) return {ok: false, error: null};
    this.mm.kv.delete(key);
    return {ok: true, error: null};
  }

  delete(key: string): void {
    this.mm.kv.delete(key);
  }

  deleteAll(): void {
    this.mm.kv.clear();
  }

  list(page: number, perPage: number): string[] {
    const size = perPage <= 0 ? 10 : perPage;
    const keys = [...this.mm.kv.keys()].filter((k) => this.live(k) !== null).sort();
    const offset = Math.min(Math.max(page * perPage, 0), keys.length);
    return keys.slice(offset, offset + size);
  }
}
