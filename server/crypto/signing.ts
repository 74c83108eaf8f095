// Signed outgoing requests (Slack "v0" style).
//
// Every delivery carries
//   X-Hookbridge-Delivery:  the delivery id, the same on every retry, so receivers
//                           can drop duplicates (delivery is at least once);
//   X-Hookbridge-Timestamp: unix seconds of this attempt;
//   X-Hookbridge-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body)>.
// The HMAC key is the secret string itself as UTF-8, prefix included, as Slack
// uses its signing secret. While a rotated-out secret is still inside its grace
// period the header lists both signatures, newest first: "v0=<new>,v0=<old>",
// so receivers can switch secrets at their own pace.

import {randomBytes} from 'node:crypto';
import {constantTimeEqual, hmacSha256Hex, type BinaryLike} from './hmac.js';

export const DELIVERY_HEADER = 'X-Hookbridge-Delivery';
export const TIMESTAMP_HEADER = 'X-Hookbridge-Timestamp';
export const SIGNATURE_HEADER = 'X-Hookbridge-Signature';
export const SECRET_PREFIX = 'hbs_';
export const SIGNATURE_VERSION = 'v0';
/** Receivers should refuse timestamps further than this from their clock. */
export const MAX_SKEW_SECONDS = 300;
/** How long a rotated-out secret keeps signing by default. */
export const DEFAULT_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
// A header with more entries than this is not one we produced.
const MAX_SIGNATURES = 8;

/** The secret fields of an outgoing hook; times in milliseconds. */
export interface SigningSecrets {
  signing_secret?: string;
  previous_secret?: string;
  previous_secret_expires_at?: number;
}

/** A new signing secret: "hbs_" + base64url of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** The secret fields after a rotation: the old secret keeps signing until the grace period ends. */
export function rotateSecret(current: SigningSecrets, nowMs: number, graceMs = DEFAULT_ROTATION_GRACE_MS): Required<SigningSecrets> {
  const old = current.signing_secret ?? '';
  return {signing_secret: generateSecret(), previous_secret: old, previous_secret_expires_at: old ? nowMs + graceMs : 0};
}

/** "v0=<hex>" for one secret. */
export function signV0(secret: string, timestamp: number | string, body: BinaryLike): string {
  return `${SIGNATURE_VERSION}=${hmacSha256Hex(secret, `${SIGNATURE_VERSION}:${timestamp}:`, body)}`;
}

/** Secrets that sign right now: the current one, then the previous one while its grace lasts. */
export function activeSecrets(secrets: SigningSecrets, nowMs: number): string[] {
  const out: string[] = [];
  if (secrets.signing_secret) out.push(secrets.signing_secret);
  const expires = secrets.previous_secret_expires_at ?? 0;
  if (secrets.previous_secret && expires > nowMs && secrets.previous_secret !== secrets.signing_secret) out.push(secrets.previous_secret);
  return out;
}

/** The X-Hookbridge-Signature value, or null when the hook has no secret. */
export function signatureHeaderValue(secrets: SigningSecrets, timestamp: number, body: BinaryLike, nowMs: number): string | null {
  const active = activeSecrets(secrets, nowMs);
  return active.length ? active.map((s) => signV0(s, timestamp, body)).join(',') : null;
}

/** The three Hookbridge headers for one attempt (no signature header without a secret). */
export function signedHeaders(input: {deliveryId: string; body: BinaryLike; secrets: SigningSecrets; nowMs: number}): Record<string, string> {
  const timestamp = Math.floor(input.nowMs / 1000);
  const headers: Record<string, string> = {[DELIVERY_HEADER]: input.deliveryId, [TIMESTAMP_HEADER]: String(timestamp)};
  const signature = signatureHeaderValue(input.secrets, timestamp, input.body, input.nowMs);
  if (signature) headers[SIGNATURE_HEADER] = signature;
  return headers;
}

export type VerifyResult = {ok: true} | {ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; message: string};

/**
 * Checks a v0 signature header as a receiver would: the timestamp must be within
 * maxSkewSeconds of now and any listed v0 signature must match any given secret.
 */
export function verifySignature(input: {
  secrets: string | readonly string[];
  signature: string | undefined;
  timestamp: string | undefined;
  body: BinaryLike;
  nowMs: number;
  maxSkewSeconds?: number;
}): VerifyResult {
  const {signature, timestamp} = input;
  if (!signature || !timestamp) return {ok: false, reason: 'missing', message: 'missing signature or timestamp header'};
  if (!/^\d{1,12}$/.test(timestamp)) return {ok: false, reason: 'malformed', message: 'timestamp is not unix seconds'};
  const skew = input.maxSkewSeconds ?? MAX_SKEW_SECONDS;
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > skew) return {ok: false, reason: 'stale', message: `timestamp is more than ${skew} seconds away from now`};
  const given = signature.split(',').map((s) => s.trim()).filter(Boolean);
  if (given.length === 0 || given.length > MAX_SIGNATURES) return {ok: false, reason: 'malformed', message: 'malformed signature header'};
  const secrets = (typeof input.secrets === 'string' ? [input.secrets] : input.secrets).filter(Boolean);
  let match = false;
  for (const secret of secrets) {
    const want = signV0(secret, timestamp, input.body);
    // Compare against every entry without stopping early, so timing does not tell which matched.
    for (const g of given) match = constantTimeEqual(g, want) || match;
  }
  return match ? {ok: true} : {ok: false, reason: 'mismatch', message: 'signature does not match'};
}
