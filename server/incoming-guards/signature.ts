// Provider signatures on incoming webhook requests.
//
//   github: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>
//   slack:  X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body)>,
//           refused when the timestamp is more than 5 minutes from now (replays).
// Always over the raw bytes as received; comparisons are constant-time. Failure
// messages say what was wrong, never what was expected, and never the secret.

import {constantTimeEqual, hmacSha256Hex} from '../crypto/hmac.js';
import {MAX_SKEW_SECONDS, verifySignature} from '../crypto/signing.js';

export type SignatureMode = 'none' | 'github' | 'slack';

export interface SignatureConfig {
  mode: SignatureMode;
  secret?: string;
}

export type SignatureCheck = {ok: true} | {ok: false; message: string};

export function checkSignature(config: SignatureConfig | null | undefined, header: (name: string) => string | undefined, body: Uint8Array, nowMs: number, maxSkewSeconds = MAX_SKEW_SECONDS): SignatureCheck {
  const mode = config?.mode ?? 'none';
  if (mode === 'none') return {ok: true};
  // Fail closed: a hook that asks for signatures but lost its secret must not turn open.
  if (!config?.secret) return {ok: false, message: 'This webhook requires signed requests but has no signing secret configured.'};
  if (mode === 'github') return checkGitHub(config.secret, header('X-Hub-Signature-256'), body);
  if (mode === 'slack') return checkSlack(config.secret, header('X-Slack-Signature'), header('X-Slack-Request-Timestamp'), body, nowMs, maxSkewSeconds);
  return {ok: false, message: 'This webhook has an unknown signature mode.'};
}

function checkGitHub(secret: string, given: string | undefined, body: Uint8Array): SignatureCheck {
  if (!given) return {ok: false, message: 'Missing X-Hub-Signature-256 header.'};
  const want = `sha256=${hmacSha256Hex(secret, body)}`;
  // Hex case carries no secret, so normalising it before the comparison is safe.
  return constantTimeEqual(given.trim().toLowerCase(), want) ? {ok: true} : {ok: false, message: 'Invalid X-Hub-Signature-256 signature.'};
}

function checkSlack(secret: string, signature: string | undefined, timestamp: string | undefined, body: Uint8Array, nowMs: number, maxSkewSeconds: number): SignatureCheck {
  const r = verifySignature({secrets: secret, signature: signature?.trim(), timestamp: timestamp?.trim(), body, nowMs, maxSkewSeconds});
  if (r.ok) return r;
  switch (r.reason) {
    case 'missing':
      return {ok: false, message: 'Missing X-Slack-Signature or X-Slack-Request-Timestamp header.'};
    case 'stale':
      return {ok: false, message: `X-Slack-Request-Timestamp is more than ${Math.round(maxSkewSeconds / 60)} minutes away from the server time; the request may be a replay.`};
    case 'malformed':
      return {ok: false, message: 'Malformed X-Slack-Signature or X-Slack-Request-Timestamp header.'};
    default:
      return {ok: false, message: 'Invalid X-Slack-Signature signature.'};
  }
}
