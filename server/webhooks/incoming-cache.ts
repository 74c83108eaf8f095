// Incoming hooks kept in memory for the webhook URL, which would otherwise read
// its hook from the KV store on every request.
//
// Staleness is bounded three ways: every write this node makes forgets the hook
// as soon as the KV store has it (HookStore), every change announced by another
// node forgets it when the event arrives and a full index rebuild forgets all
// (IndexSync), and an entry lives at most `ttlMs` in case an event was lost or
// someone wrote the store behind the plugin's back.
//
// A read that started before a change must not put the old hook back after the
// change forgot it: each forget starts a new generation, and a read only keeps
// its result when no forget happened while it ran. Reads in progress are shared
// by concurrent requests, but a forget also drops them, so a request that
// arrives after a change never joins a read that began before it.

import type {IncomingHook} from './model.js';

export interface IncomingCacheOptions {
  /** Longest an entry is used without reading the store again. */
  ttlMs?: number;
  /** Entries kept at most; the oldest go first. */
  max?: number;
  now?: () => number;
}

interface Entry {
  hook: IncomingHook;
  at: number;
}

export class IncomingHookCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<IncomingHook | null>>();
  private generation = 0;
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;
  /** Reads that went to the store (tests and diagnostics). */
  loads = 0;

  constructor(
    private readonly load: (id: string) => Promise<IncomingHook | null>,
    options: IncomingCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.max = options.max ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The hook as stored, or null when there is none. The object is shared by
   * every caller until it changes: treat it as read-only.
   */
  get(id: string): Promise<IncomingHook | null> {
    const hit = this.entries.get(id);
    if (hit) {
      if (this.now() - hit.at < this.ttlMs) return Promise.resolve(hit.hook);
      this.entries.delete(id);
    }
    const pending = this.loading.get(id);
    if (pending) return pending;
    const generation = this.generation;
    this.loads++;
    const read: Promise<IncomingHook | null> = this.load(id).then(
      (hook) => {
        if (this.loading.get(id) === read) this.loading.delete(id);
        // Unknown ids are not kept: they cost a read each, as before, and cannot crowd out real hooks.
        if (hook && generation === this.generation) this.keep(id, hook);
        return hook;
      },
      (err: unknown) => {
        if (this.loading.get(id) === read) this.loading.delete(id);
        throw err;
      },
    );
    this.loading.set(id, read);
    return read;
  }

  private keep(id: string, hook: IncomingHook): void {
    this.entries.delete(id);
    this.entries.set(id, {hook, at: this.now()});
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The hook changed (or may have): the next request reads the store. */
  forget(id: string): void {
    this.generation++;
    this.entries.delete(id);
    this.loading.delete(id);
  }

  /** Anything may have changed (a full rebuild, a restored store). */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
