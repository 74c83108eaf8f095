// The HTTP request of one delivery attempt.
//
// Headers, later ones winning case-insensitively: Content-Type from the job,
// the domain's headers, the hook's custom headers, then the Hookbridge delivery,
// timestamp and signature headers, which custom headers can never replace.
// Hop-by-hop and framing headers are the HTTP client's business and are dropped.
// The timestamp and signature are fresh on every attempt, so a retry hours
// later still passes a receiver's replay window; the delivery id stays.

import {canonicalHeaderKey} from '../mattermost/http.js';
import {DELIVERY_HEADER, SIGNATURE_HEADER, signedHeaders, TIMESTAMP_HEADER} from '../crypto/signing.js';
import type {DeliveryHook, SendRequest} from './types.js';

const DROPPED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']);
const OURS = new Set([DELIVERY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER].map((h) => h.toLowerCase()));

export function mergeHeaders(...layers: Record<string, string>[]): Record<string, string> {
  return merge(layers, false);
}

/** Later layers win case-insensitively; `dropOurs` leaves out the Hookbridge headers of every layer. */
function merge(layers: readonly Record<string, string>[], dropOurs: boolean, last?: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  // lower-case name → the key it has in `out`
  const keys = new Map<string, string>();
  const add = (layer: Record<string, string>, skipOurs: boolean): void => {
    for (const name in layer) {
      if (!Object.hasOwn(layer, name)) continue;
      const value = layer[name];
      const lower = name.toLowerCase();
      if (DROPPED.has(lower) || typeof value !== 'string' || (skipOurs && OURS.has(lower))) continue;
      const before = keys.get(lower);
      if (before !== undefined) delete out[before];
      const key = canonicalHeaderKey(name);
      keys.set(lower, key);
      out[key] = value;
    }
  };
  for (const layer of layers) add(layer, dropOurs);
  if (last) add(last, false);
  return out;
}

/** The layers under our own headers: the job's Content-Type, the domain's headers, the hook's. */
function baseLayers(job: {contentType: string; headers: Record<string, string>}, hook: DeliveryHook): Record<string, string>[] {
  return [{'Content-Type': job.contentType}, job.headers, hook.headers ?? {}];
}

/** The request before signing: what the log shows while the delivery is pending. */
export function baseHeaders(job: {contentType: string; headers: Record<string, string>}, hook: DeliveryHook): Record<string, string> {
  return merge(baseLayers(job, hook), true);
}

export function buildAttempt(input: {deliveryId: string; url: string; contentType: string; headers: Record<string, string>; body: Uint8Array; hook: DeliveryHook; nowMs: number; timeoutMs: number}): SendRequest {
  const signed = signedHeaders({deliveryId: input.deliveryId, body: input.body, secrets: input.hook, nowMs: input.nowMs});
  // In one pass: the base headers, then ours, which nothing before may replace.
  const headers = merge(baseLayers(input, input.hook), true, signed);
  return {url: input.url, method: 'POST', headers, body: input.body, timeoutMs: input.timeoutMs};
}
