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
  const byLower = new Map<string, [string, string]>();
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) {
      const lower = name.toLowerCase();
      if (DROPPED.has(lower) || typeof value !== 'string') continue;
      byLower.set(lower, [canonicalHeaderKey(name), value]);
    }
  }
  return Object.fromEntries(byLower.values());
}

function withoutOurs(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !OURS.has(k.toLowerCase())));
}

/** The request before signing: what the log shows while the delivery is pending. */
export function baseHeaders(job: {contentType: string; headers: Record<string, string>}, hook: DeliveryHook): Record<string, string> {
  return mergeHeaders({'Content-Type': job.contentType}, withoutOurs(job.headers), withoutOurs(hook.headers ?? {}));
}

export function buildAttempt(input: {deliveryId: string; url: string; contentType: string; headers: Record<string, string>; body: Uint8Array; hook: DeliveryHook; nowMs: number; timeoutMs: number}): SendRequest {
  const signed = signedHeaders({deliveryId: input.deliveryId, body: input.body, secrets: input.hook, nowMs: input.nowMs});
  return {url: input.url, method: 'POST', headers: mergeHeaders(baseHeaders(input, input.hook), signed), body: input.body, timeoutMs: input.timeoutMs};
}
