// Lists of hook ids in the KV store (the store's indexes), cheap to change at
// any size.
//
// A small list is one value, a JSON array of ids in the order they were added:
// the layout of every list before sharding, still read and written as is. Adding
// an id past `inlineMax` moves the list into `shards` values picked by a hash of
// the id, so that adding or removing one id rewrites a shard of a few hundred
// entries, not 100,000 ids (a compare-and-set sends the old value along too):
//   <key>        {"v":2,"shards":64}      the head, once sharded
//   <key>_s<n>   {"ids":[…],"at":[…]}     one shard: ids and when each was
//                                         added (absent when empty)
// The move swaps the head (compare-and-set) for {"v":2,"shards":64,"moving":[ids]};
// whoever finds it so next (the mover, or any writer) merges the moving ids into
// their shards, which is idempotent, then swaps the head for the plain one.
// Readers take the union of `moving` and the shards. A writer that finished a move
// late may put back an id removed meanwhile; like every index entry, it only says
// where to look, and readers skip ids whose hook is gone.
//
// Order: an inline list keeps insertion order; a sharded one sorts by addedAt,
// each node's clock made strictly increasing (the ids moved from the inline list
// numbered 0, 1, 2… in their old order, so they stay ahead of later ones), then
// by id.

import type {PluginAPI} from '../mattermost/api.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Returned by a mutation to leave the stored value as it is. */
export const UNCHANGED = Symbol('unchanged');

export type Mutate = (current: Uint8Array | null) => Uint8Array | null | typeof UNCHANGED;
/** A compare-and-set loop on one key (HookStore.cas): retried until it lands. */
export type Cas = (key: string, mutate: Mutate) => Promise<unknown>;

type Entry = [id: string, addedAt: number];

/** Two flat arrays rather than an array of pairs: a third of the parsing time. */
interface Shard {
  ids: string[];
  at: number[];
}

interface ShardedHead {
  v: 2;
  shards: number;
  moving?: string[];
}

type Head = {kind: 'inline'; ids: string[]} | {kind: 'sharded'; head: ShardedHead; bytes: Uint8Array};

const INLINE_MAX = 1000;
const SHARDS = 64;

export interface IdListOptions {
  /** Ids an inline list may hold; adding one more shards it (default 1,000). */
  inlineMax?: number;
  /** Shards of a list that outgrew inlineMax (default 64). */
  shards?: number;
  now?: () => number;
}

function parseHead(bytes: Uint8Array | null): Head {
  if (!bytes) return {kind: 'inline', ids: []};
  const value: unknown = JSON.parse(dec.decode(bytes));
  if (Array.isArray(value)) return {kind: 'inline', ids: value as string[]};
  const head = value as ShardedHead;
  if (head && head.v === 2 && Number.isInteger(head.shards) && head.shards > 0) return {kind: 'sharded', head, bytes};
  throw new Error('an index list of the hook store has a layout this version does not know');
}

function encode(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value));
}

/** FNV-1a over the id's characters: stable across nodes and versions. */
export function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

export function shardKey(key: string, shard: number): string {
  return `${key}_s${shard}`;
}

function readShard(bytes: Uint8Array | null): Shard {
  return bytes ? (JSON.parse(dec.decode(bytes)) as Shard) : {ids: [], at: []};
}

function encodeShard(entries: readonly Entry[]): Uint8Array | null {
  return entries.length ? encode({ids: entries.map((e) => e[0]), at: entries.map((e) => e[1])}) : null;
}

function entriesOf(shard: Shard): Entry[] {
  return shard.ids.map((id, i) => [id, shard.at[i] ?? 0]);
}

/** The ids of an inline list by the shard each goes to, numbered 0, 1, 2… in their order (their addedAt). */
function byShard(ids: readonly string[], shards: number): Map<number, Entry[]> {
  const out = new Map<number, Entry[]>();
  ids.forEach((id, i) => {
    const s = shardOf(id, shards);
    const entry: Entry = [id, i];
    const list = out.get(s);
    if (list) list.push(entry);
    else out.set(s, [entry]);
  });
  return out;
}

export class IdLists {
  /** Ids an inline list holds at most: a longer list is sharded. */
  readonly inlineMax: number;
  private readonly shards: number;
  private readonly now: () => number;
  private lastAdded = 0;

  constructor(
    private readonly api: PluginAPI,
    private readonly cas: Cas,
    options: IdListOptions = {},
  ) {
    this.inlineMax = options.inlineMax ?? INLINE_MAX;
    this.shards = options.shards ?? SHARDS;
    this.now = options.now ?? Date.now;
  }

  /** Adds `id` unless the list holds it already; whether this call added it. */
  async add(key: string, id: string): Promise<boolean> {
    for (;;) {
      const seen: {head?: Head; wrote?: boolean} = {};
      await this.cas(key, (current) => {
        seen.wrote = false;
        const head = (seen.head = parseHead(current));
        if (head.kind === 'sharded') return UNCHANGED;
        if (head.ids.includes(id)) return UNCHANGED;
        seen.wrote = true;
        if (head.ids.length < this.inlineMax) return encode([...head.ids, id]);
        const moving: ShardedHead = {v: 2, shards: this.shards, moving: [...head.ids, id]};
        const bytes = encode(moving);
        seen.head = {kind: 'sharded', head: moving, bytes};
        return bytes;
      });
      const head = seen.head!;
      if (head.kind === 'inline') return seen.wrote!;
      if (head.head.moving) {
        await this.finishMove(key, head.head, head.bytes);
        // The id was among those moved (added if this call started the move); otherwise add it now.
        if (head.head.moving.includes(id)) return seen.wrote!;
        continue;
      }
      return this.changeShard(key, head.head.shards, id, true);
    }
  }

  async remove(key: string, id: string): Promise<void> {
    for (;;) {
      const seen: {head?: Head} = {};
      await this.cas(key, (current) => {
        const head = (seen.head = parseHead(current));
        if (head.kind === 'sharded' || !head.ids.includes(id)) return UNCHANGED;
        const next = head.ids.filter((x) => x !== id);
        return next.length > 0 ? encode(next) : null;
      });
      const head = seen.head!;
      if (head.kind === 'inline') return;
      if (head.head.moving) {
        await this.finishMove(key, head.head, head.bytes);
        continue;
      }
      await this.changeShard(key, head.head.shards, id, false);
      return;
    }
  }

  /** The ids of a list (see the file comment for their order). */
  async read(key: string): Promise<string[]> {
    const head = parseHead(await this.api.kvGet(key));
    if (head.kind === 'inline') return head.ids;
    const {shards, moving = []} = head.head;
    const stored = await Promise.all(Array.from({length: shards}, async (_, s) => readShard(await this.api.kvGet(shardKey(key, s)))));
    const entries: Entry[] = moving.map((id, i) => [id, i]);
    for (const shard of stored) entries.push(...entriesOf(shard));
    entries.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    // An id lives in one shard only, once; it can be twice only while a move is unfinished.
    if (moving.length === 0) return entries.map((e) => e[0]);
    const seen = new Set<string>();
    const ids: string[] = [];
    for (const [id] of entries) {
      if (seen.has(id)) continue;
      seen.add(id);
      ids.push(id);
    }
    return ids;
  }

  /** Merges a moving head's ids into their shards, then drops them from the head. */
  private async finishMove(key: string, head: ShardedHead, bytes: Uint8Array): Promise<void> {
    await Promise.all(
      [...byShard(head.moving ?? [], head.shards)].map(([s, adds]) =>
        this.cas(shardKey(key, s), (current) => {
          const entries = entriesOf(readShard(current));
          const have = new Set(entries.map((e) => e[0]));
          const missing = adds.filter((e) => !have.has(e[0]));
          return missing.length ? encodeShard([...entries, ...missing]) : UNCHANGED;
        }),
      ),
    );
    // Lost only to another writer who finished the same move (or changed the head since).
    await this.api.kvSetWithOptions(key, encode({v: 2, shards: head.shards}), {atomic: true, oldValue: bytes});
  }

  /** The clock, made strictly increasing: ids added within one millisecond keep their order. */
  private addedAt(): number {
    this.lastAdded = Math.max(this.now(), this.lastAdded + 1);
    return this.lastAdded;
  }

  /** Whether this call changed the shard. */
  private async changeShard(key: string, shards: number, id: string, add: boolean): Promise<boolean> {
    let changed = false;
    await this.cas(shardKey(key, shardOf(id, shards)), (current) => {
      const entries = entriesOf(readShard(current));
      const at = entries.findIndex((e) => e[0] === id);
      changed = add !== at >= 0;
      if (!changed) return UNCHANGED;
      if (add) return encodeShard([...entries, [id, this.addedAt()]]);
      return encodeShard(entries.filter((_, i) => i !== at));
    });
    return changed;
  }
}

/**
 * The stored values of lists holding `ids`, laid out as adding them one by one
 * would leave them (bulk loads for tests and benchmarks).
 */
export function idListValues(key: string, ids: readonly string[], options: IdListOptions = {}): Map<string, Uint8Array> {
  const inlineMax = options.inlineMax ?? INLINE_MAX;
  const shards = options.shards ?? SHARDS;
  const out = new Map<string, Uint8Array>();
  if (ids.length <= inlineMax) {
    if (ids.length) out.set(key, encode(ids));
    return out;
  }
  out.set(key, encode({v: 2, shards}));
  for (const [s, entries] of byShard(ids, shards)) out.set(shardKey(key, s), encodeShard(entries)!);
  return out;
}
