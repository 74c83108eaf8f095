// Tamper-proof routing data for interactive messages.
//
// Buttons, menus and dialogs that point at an integration's own URL are rewritten
// to point at Hookbridge, with the real target kept beside them. Mattermost strips
// action integrations from posts it sends to clients, but any signed-in user can
// call a plugin route directly, so the target is signed: without the signature a
// caller could make Hookbridge POST (and sign) requests to any URL it likes.

import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import type {PluginAPI} from '../mattermost/api.js';

const KEY_NAME = 'interactive_key';

export interface Target {
  /** Where the request really goes. */
  url: string;
  /** The hook whose signing secret signs it. */
  hook_id: string;
}

/** A plugin-wide HMAC key in the KV store, created once for the whole cluster. */
export class EnvelopeKey {
  private key: Buffer | null = null;

  constructor(private readonly api: PluginAPI) {}

  async get(): Promise<Buffer> {
    if (this.key) return this.key;
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.api.kvGet(KEY_NAME);
      if (stored && stored.length >= 32) return (this.key = Buffer.from(stored));
      // Insert only if absent: when two nodes race, both end up with the winner's key.
      await this.api.kvSetWithOptions(KEY_NAME, randomBytes(32), {atomic: true, oldValue: null});
    }
    throw new Error('could not create the interactive message key');
  }
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/** A compact signed token: base64url(JSON) "." base64url(HMAC). */
export function seal(key: Buffer, value: object): string {
  const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

export function open<T extends object>(key: Buffer, token: unknown): T | null {
  if (typeof token !== 'string' || token.length > 64 * 1024) return null;
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const want = Buffer.from(mac(key, payload));
  if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return value && typeof value === 'object' ? (value as T) : null;
  } catch {
    return null;
  }
}
