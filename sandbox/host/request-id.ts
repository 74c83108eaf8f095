// Request ids (Context.RequestId) for every request and hook call the host makes.
// They only tell requests apart in logs, so they come from a pooled random buffer
// (one getrandom call per 512 ids) instead of a crypto call each.

import {randomFillSync} from 'node:crypto';

const ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';
const ID_LENGTH = 26;
const pool = Buffer.alloc(ID_LENGTH * 512);
let offset = pool.length;

/** A Mattermost-style id: 26 characters of lowercase base32. */
export function requestId(): string {
  if (offset + ID_LENGTH > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < ID_LENGTH; i++) out += ALPHABET[pool[offset + i]! & 31];
  offset += ID_LENGTH;
  return out;
}
