// Per-hook rate limit: a token bucket kept in the plugin KV store, so every node
// of a cluster draws from the same bucket.
//
// The bucket holds up to `per_minute` tokens and refills at per_minute/60 per
// second; a request takes one. State {tokens, updatedAt} lives under rl_<hookId>
// and changes only by compare-and-set, retried on conflict. Refused requests
// write nothing (a flood costs reads, not writes). The key expires once a full
// refill would have happened, because an absent bucket is a full one.
// Requests for one hook on one node are serialised so they do not fight each
// other's compare-and-set; nodes still race, which the CAS resolves.
// When the KV store fails the limiter lets the request through and logs a
// warning: losing the webhook is worse than briefly losing the limit.

import type {PluginAPI} from '../mattermost/api.js';

export const RATE_LIMIT_KEY_PREFIX = 'rl_';
// Any bucket is full again 60 s after its last write; keep a margin for clock skew.
const BUCKET_TTL_SECONDS = 120;

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until a token is available; 0 when allowed. */
  retryAfterSeconds: number;
  /** Tokens left after this request. */
  remaining: number;
}

interface BucketState {
  tokens: number;
  updatedAt: number;
}

export interface RateLimiterOptions {
  now?: () => number;
  /** Compare-and-set attempts before giving up (and letting the request through). */
  maxAttempts?: number;
}

export class KvRateLimiter {
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly api: PluginAPI,
    options: RateLimiterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxAttempts = options.maxAttempts ?? 20;
  }

  /** Takes one token from the hook's bucket of `perMinute` (≤ 0: unlimited). */
  take(hookId: string, perMinute: number): Promise<RateLimitDecision> {
    if (!(perMinute > 0)) return Promise.resolve({allowed: true, retryAfterSeconds: 0, remaining: Infinity});
    const prev = this.chains.get(hookId) ?? Promise.resolve();
    const next = prev.then(() => this.takeNow(hookId, perMinute));
    const settled = next.catch(() => undefined);
    this.chains.set(hookId, settled);
    void settled.then(() => {
      if (this.chains.get(hookId) === settled) this.chains.delete(hookId);
    });
    return next;
  }

  private async takeNow(hookId: string, perMinute: number): Promise<RateLimitDecision> {
    const key = RATE_LIMIT_KEY_PREFIX + hookId;
    const perMs = perMinute / 60_000;
    try {
      for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
        const raw = await this.api.kvGet(key);
        const state = decode(raw);
        const now = this.now();
        // Another node's clock may run ahead; never let time go backwards, or a
        // skewed pair of nodes would refill the bucket twice.
        const at = Math.max(now, state?.updatedAt ?? now);
        const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
        const tokens = Math.min(perMinute, state ? state.tokens + elapsed * perMs : perMinute);
        if (tokens < 1) return {allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)), remaining: 0};
        const value = Buffer.from(JSON.stringify({tokens: tokens - 1, updatedAt: at} satisfies BucketState));
        if (await this.api.kvSetWithOptions(key, value, {atomic: true, oldValue: raw, expireInSeconds: BUCKET_TTL_SECONDS})) {
          return {allowed: true, retryAfterSeconds: 0, remaining: Math.floor(tokens - 1)};
        }
        // Lost the race to another node: back off a little so the winners spread out.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, 2 ** attempt)));
      }
      this.api.logWarn('Hookbridge rate limit: too much contention on the bucket; letting the request through', {hook_id: hookId});
    } catch (err) {
      this.api.logWarn('Hookbridge rate limit: KV store failed; letting the request through', {hook_id: hookId, error: err instanceof Error ? err.message : String(err)});
    }
    return {allowed: true, retryAfterSeconds: 0, remaining: 0};
  }
}

function decode(raw: Uint8Array | null): BucketState | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(Buffer.from(raw).toString('utf8')) as Partial<BucketState>;
    if (typeof v.tokens === 'number' && typeof v.updatedAt === 'number' && Number.isFinite(v.tokens) && Number.isFinite(v.updatedAt)) return {tokens: v.tokens, updatedAt: v.updatedAt};
  } catch {
    // A corrupt bucket is treated as a full one; the next write replaces it.
  }
  return null;
}
