// Identifiers and secrets in Mattermost's own format.

import {randomBytes} from 'node:crypto';
import {generateSecret} from '../crypto/signing.js';

const ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** A Mattermost-style id (model.NewId): 26 characters of lowercase base32. */
export function newId(): string {
  let out = '';
  for (const b of randomBytes(26)) out += ALPHABET[b & 31];
  return out;
}

/** model.IsValidId: exactly 26 lowercase letters or digits. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z0-9]{26}$/.test(value);
}

/** A signing secret in the documented format ("hbs_" + 32 random bytes, base64url). */
export function newSecret(): string {
  return generateSecret();
}
