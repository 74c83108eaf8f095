// When and how long to wait before the next attempt of a delivery.
//
// Retried: timeouts, connection errors, 408, 429 and 5xx. Not retried: other
// statuses below 200 or from 300 up (the request itself is wrong, or the
// receiver refuses it), and errors marked `retryable: false` (e.g. the SSRF
// guard). 410 Gone is final and also disables the hook.
// Waits use exponential backoff with full jitter (random in [0, min(cap, base·2^(n-1))])
// so many failing deliveries do not retry in lockstep; a Retry-After header
// (seconds or an HTTP date) on 429/503 is honoured instead, up to a cap.

export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_ATTEMPTS_LIMIT = 20;

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  /** Longest Retry-After honoured. */
  retryAfterCapMs: number;
  /** In [0, 1). */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {baseMs: 1000, capMs: 10 * 60_000, retryAfterCapMs: 10 * 60_000, random: Math.random};

export type Verdict =
  | {kind: 'success'}
  | {kind: 'retry'; reason: string; retryAfterMs?: number}
  | {kind: 'fail'; reason: string}
  | {kind: 'gone'; reason: string};

/** A hook's max_attempts, defaulted and clamped to [1, MAX_ATTEMPTS_LIMIT]. */
export function effectiveMaxAttempts(value: unknown): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : 0;
  return n < 1 ? DEFAULT_MAX_ATTEMPTS : Math.min(n, MAX_ATTEMPTS_LIMIT);
}

/** Full-jitter wait after `failedAttempts` failures (≥ 1). */
export function backoffDelay(failedAttempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.floor(policy.random() * ceiling);
}

/** Retry-After as milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // HTTP dates always name a weekday or month; a bare number above was seconds.
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function classifyResponse(status: number, headers: Record<string, string>, nowMs: number): Verdict {
  if (status >= 200 && status < 300) return {kind: 'success'};
  if (status === 410) return {kind: 'gone', reason: 'the endpoint answered 410 Gone'};
  if (status === 429 || status === 503) {
    const after = parseRetryAfter(header(headers, 'Retry-After'), nowMs);
    return after === null ? {kind: 'retry', reason: `HTTP ${status}`} : {kind: 'retry', reason: `HTTP ${status}`, retryAfterMs: after};
  }
  if (status === 408 || status >= 500) return {kind: 'retry', reason: `HTTP ${status}`};
  return {kind: 'fail', reason: `HTTP ${status}`};
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN',
  'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);
// Refusals by the outgoing HTTP client (server/net): retrying cannot change them.
const PERMANENT_NAMES = new Set(['ForbiddenAddressError', 'ResponseTooLargeError', 'RedirectError']);
const PERMANENT_CODES = new Set(['ERR_INVALID_URL', 'ERR_INVALID_ARG_TYPE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  retryable?: unknown;
  cause?: unknown;
}

function codeOf(err: ErrorLike): string {
  if (typeof err.code === 'string') return err.code;
  const cause = err.cause as ErrorLike | undefined;
  return cause && typeof cause === 'object' && typeof cause.code === 'string' ? cause.code : '';
}

export function isTimeout(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as ErrorLike;
  return e.name === 'TimeoutError' || e.name === 'AbortError' || codeOf(e) === 'ETIMEDOUT' || codeOf(e).endsWith('_TIMEOUT');
}

/** A short, secret-free text for the delivery log. */
export function describeError(err: unknown, timeoutMs?: number): string {
  if (isTimeout(err)) return timeoutMs ? `timed out after ${timeoutMs} ms` : 'timed out';
  if (!err || typeof err !== 'object') return String(err);
  const e = err as ErrorLike;
  const code = codeOf(e);
  const cause = e.cause as ErrorLike | undefined;
  const message = typeof cause?.message === 'string' && e.message === 'fetch failed' ? cause.message : typeof e.message === 'string' ? e.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export function classifyError(err: unknown, timeoutMs?: number): Verdict {
  const reason = describeError(err, timeoutMs);
  if (err && typeof err === 'object') {
    const e = err as ErrorLike;
    if (e.retryable === false || (typeof e.name === 'string' && PERMANENT_NAMES.has(e.name))) return {kind: 'fail', reason};
    if (e.retryable === true || isTimeout(e) || NETWORK_CODES.has(codeOf(e))) return {kind: 'retry', reason};
    if (PERMANENT_CODES.has(codeOf(e))) return {kind: 'fail', reason};
  }
  // Unknown failures are more often transient than not; max_attempts bounds the cost.
  return {kind: 'retry', reason};
}

/** Milliseconds to wait after a retryable verdict on attempt `failedAttempts`. */
export function retryDelay(verdict: Extract<Verdict, {kind: 'retry'}>, failedAttempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  if (verdict.retryAfterMs !== undefined) return Math.min(verdict.retryAfterMs, policy.retryAfterCapMs);
  return backoffDelay(failedAttempts, policy);
}
