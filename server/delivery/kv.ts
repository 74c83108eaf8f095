// JSON values in the plugin KV store, changed only by compare-and-set.
//
// CasBatcher coalesces concurrent changes to one key into a single
// read-modify-CAS round: while a round is in flight, further changes queue up
// and go in the next one. On a lost race it re-reads and re-applies every queued
// change, so changes must be functions of the current value (never of a value
// read earlier), and must return a new value rather than alter the one they get.
// A change returning null deletes the key.
//
// With `remember`, the value this node last wrote to a key stands in for the
// read of the next round (the compare-and-set still checks it), so a key that
// only this node writes costs one call per round instead of two.

import {randomBytes} from 'node:crypto';
import type {PluginAPI} from '../mattermost/api.js';

export function encodeJSON(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function decodeJSON<T>(raw: Uint8Array | null): T | null {
  if (!raw || raw.length === 0) return null;
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as T;
  } catch {
    return null;
  }
}

// Crockford's base32 digits are in ASCII order, so ids sort by creation time.
const SORTABLE = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMs = 0;
let seq = 0;

/**
 * A 26-character id: 10 characters of millisecond time, 4 of a per-process
 * sequence, 12 random. Ids from one node sort in creation order, which keeps
 * queue order first-in first-out among jobs due at the same moment.
 */
export function newId(): string {
  const ms = Date.now();
  if (ms === lastMs) seq = (seq + 1) % 32 ** 4;
  else [lastMs, seq] = [ms, 0];
  let time = '';
  for (let v = ms, i = 0; i < 10; i++, v = Math.floor(v / 32)) time = SORTABLE[v % 32] + time;
  let counter = '';
  for (let v = seq, i = 0; i < 4; i++, v = Math.floor(v / 32)) counter = SORTABLE[v % 32] + counter;
  let rest = '';
  const bytes = randomPool(12);
  for (let i = 0; i < 12; i++) rest += SORTABLE[bytes[i]! & 31];
  return time + counter + rest;
}

// One call into the CSPRNG per 4 KiB of ids instead of one per id.
let pool = Buffer.alloc(0);
let poolAt = 0;
function randomPool(n: number): Buffer {
  if (poolAt + n > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

type Change<T> = (current: T | null) => T | null;

interface Waiting<T> {
  change: Change<T>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface CasBatcherOptions<T = unknown> {
  /** Expiry written with each value (seconds). */
  expireInSeconds?: (key: string) => number | undefined;
  /** Lost races before the waiting changes fail. */
  maxAttempts?: number;
  /** How many keys' last written values to keep as the next round's expected value (default none). */
  remember?: number;
  /** How values are stored (default JSON; decode returns null for a missing or unreadable value). */
  codec?: {encode: (value: T) => Uint8Array; decode: (raw: Uint8Array | null) => T | null};
}

export class CasBatcher<T> {
  private readonly waiting = new Map<string, Waiting<T>[]>();
  private readonly flushing = new Set<string>();
  private readonly maxAttempts: number;
  private readonly encode: (value: T) => Uint8Array;
  private readonly decode: (raw: Uint8Array | null) => T | null;
  /** Last value written per key, as stored and decoded, most recently used last; null for a key known absent. */
  private readonly known = new Map<string, {raw: Uint8Array | null; value: T | null}>();

  constructor(
    private readonly api: PluginAPI,
    private readonly options: CasBatcherOptions<T> = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 64;
    this.encode = options.codec?.encode ?? encodeJSON;
    this.decode = options.codec?.decode ?? ((raw) => decodeJSON<T>(raw));
  }

  update(key: string, change: Change<T>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const list = this.waiting.get(key) ?? [];
      list.push({change, resolve, reject});
      this.waiting.set(key, list);
      if (!this.flushing.has(key)) void this.flush(key);
    });
  }

  private take(key: string): Waiting<T>[] {
    const list = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    return list;
  }

  private async flush(key: string): Promise<void> {
    this.flushing.add(key);
    try {
      for (let batch = this.take(key); batch.length; batch = this.take(key)) await this.commit(key, batch);
    } finally {
      this.flushing.delete(key);
    }
  }

  /** The key's current value as far as this node knows: its own last write, else a read. Shared: never change it. */
  async read(key: string): Promise<T | null> {
    const known = this.known.get(key);
    return known ? known.value : this.decode(await this.api.kvGet(key));
  }

  private async commit(key: string, batch: Waiting<T>[]): Promise<void> {
    try {
      for (let attempt = 1; ; attempt++) {
        const known = this.known.get(key);
        const trusted = known === undefined;
        const raw = known ? known.raw : await this.api.kvGet(key);
        // Changes get the remembered value itself: they must build a new one, not alter it.
        let value = known ? known.value : this.decode(raw);
        for (const w of batch) value = w.change(value);
        const next = value === null ? null : this.encode(value);
        const unchanged = next === null ? raw === null : raw !== null && Buffer.from(raw).equals(next);
        const expireInSeconds = this.options.expireInSeconds?.(key);
        // Nothing to write is only certain on a value just read; a remembered one is checked by writing.
        if (unchanged && trusted) {
          for (const w of batch) w.resolve();
          return;
        }
        if (await this.api.kvSetWithOptions(key, next, {atomic: true, oldValue: raw, ...(expireInSeconds ? {expireInSeconds} : {})})) {
          this.remember(key, next, value);
          for (const w of batch) w.resolve();
          return;
        }
        this.known.delete(key);
        if (attempt >= this.maxAttempts) throw new Error(`too many concurrent updates of ${key}`);
        // Fold in what arrived meanwhile: one round then serves everyone.
        batch.push(...this.take(key));
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
      }
    } catch (err) {
      this.known.delete(key);
      for (const w of batch) w.reject(err);
    }
  }

  private remember(key: string, raw: Uint8Array | null, value: T | null): void {
    const max = this.options.remember ?? 0;
    if (max <= 0) return;
    this.known.delete(key);
    this.known.set(key, {raw, value});
    if (this.known.size > max) this.known.delete(this.known.keys().next().value!);
  }

  /** Drops what this node remembers of a key (e.g. after deleting it directly). */
  forget(key: string): void {
    this.known.delete(key);
  }
}
