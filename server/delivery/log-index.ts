// The stored form of a hook's delivery-log index (dlx_<hookId>).
//
// The index is rewritten with compare-and-set on every flush that adds to it,
// which sends the old value along with the new, so its size is paid twice per
// busy hook per flush. Entries are [id, created_at, where], newest first; ids
// of one page share their first 24 characters, and neighbours were created
// close together. Version 2 stores the three as columns:
//   {"v":2,"ids":"…","at":[t0, d1, d2, …],"w":"0110…"}
//   ids  front-coded: per entry one character, 'A' + n, where n (0–26) is how
//        many leading characters it shares with the entry before, then the
//        rest of its 26 characters
//   at   the first created_at, then each entry's distance below the one before
//   w    '0' in its page, '1' under its own key; left out when all are '0'
// About 7 bytes an entry where the plain list takes 48. An index with an id
// that is not 26 characters of [0-9a-z] is stored as the plain list (version 1,
// which older versions wrote and read: [[id, created_at, where?], …], an entry
// without `where` being under its own key). Versions before this one cannot
// read version 2.

import {decodeJSON, encodeJSON} from './kv.js';

export type IndexEntry = [id: string, createdAt: number, where?: 0 | 1];

const ID_LENGTH = 26;
const ID = /^[0-9a-z]{26}$/;
const SHARED_BASE = 65; // 'A'

interface StoredV2 {
  v: 2;
  ids: string;
  at: number[];
  w?: string;
}

export function encodeIndex(entries: readonly IndexEntry[]): Uint8Array {
  if (!entries.every((e) => ID.test(e[0]) && Number.isSafeInteger(e[1]))) return encodeJSON(entries);
  let ids = '';
  const at: number[] = [];
  let w = '';
  let anyAlone = false;
  let prev = '';
  for (const [id, createdAt, where] of entries) {
    let n = 0;
    while (n < ID_LENGTH && id.charCodeAt(n) === prev.charCodeAt(n)) n++;
    ids += String.fromCharCode(SHARED_BASE + n) + id.slice(n);
    at.push(at.length === 0 ? createdAt : entries[at.length - 1]![1] - createdAt);
    const alone = where !== 0;
    anyAlone ||= alone;
    w += alone ? '1' : '0';
    prev = id;
  }
  const stored: StoredV2 = anyAlone ? {v: 2, ids, at, w} : {v: 2, ids, at};
  return encodeJSON(stored);
}

/** The entries, or null for a missing or unreadable value (which, like a missing one, starts an empty index). */
export function decodeIndex(raw: Uint8Array | null): IndexEntry[] | null {
  const value = decodeJSON<unknown>(raw);
  if (Array.isArray(value)) return value as IndexEntry[];
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<StoredV2>;
  if (v.v !== 2 || typeof v.ids !== 'string' || !Array.isArray(v.at) || (v.w !== undefined && typeof v.w !== 'string')) return null;
  const {ids, at, w} = v as StoredV2;
  if (w !== undefined && w.length !== at.length) return null;
  const entries: IndexEntry[] = [];
  let prev = '';
  let pos = 0;
  for (let i = 0; i < at.length; i++) {
    const shared = ids.charCodeAt(pos) - SHARED_BASE;
    if (!(shared >= 0 && shared <= ID_LENGTH) || shared > prev.length) return null;
    const rest = ID_LENGTH - shared;
    if (pos + 1 + rest > ids.length) return null;
    const id = prev.slice(0, shared) + ids.slice(pos + 1, pos + 1 + rest);
    pos += 1 + rest;
    const d = at[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d)) return null;
    const createdAt = i === 0 ? d : entries[i - 1]![1] - d;
    entries.push([id, createdAt, w?.[i] === '1' ? 1 : 0]);
    prev = id;
  }
  return pos === ids.length ? entries : null;
}
