// HMAC-SHA256 and constant-time comparison shared by outgoing signing and
// incoming signature checks.
//
// Comparisons never short-circuit on the first differing byte and never branch
// on the secret, so an attacker timing responses learns nothing about how much
// of a forged signature was right.

import {createHmac, timingSafeEqual} from 'node:crypto';

export type BinaryLike = string | Uint8Array;

/** Lower-case hex HMAC-SHA256 of the concatenated parts (strings as UTF-8). */
export function hmacSha256Hex(key: BinaryLike, ...parts: BinaryLike[]): string {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
}

/** True when both strings are byte-for-byte equal, in time independent of where they differ. */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    // timingSafeEqual needs equal lengths; still spend comparable time so the
    // length mismatch itself is all a timer can observe (and it is public).
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
