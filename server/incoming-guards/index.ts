// Guards in front of an incoming webhook, beyond what Mattermost offers:
// an IP allow-list (403), a provider signature check (401) and a per-hook rate
// limit shared by the whole cluster (429 with Retry-After).
//
// Order matters: the allow-list costs nothing and keeps strangers away from the
// rest; the signature comes before the rate limit so forged requests cannot use
// up a legitimate sender's budget.

import type {PluginAPI} from '../mattermost/api.js';
import type {PluginRequest} from '../mattermost/http.js';
import {clientIp, formatIp, IpAllowList, type ClientIpOptions} from './ip.js';
import {KvRateLimiter} from './rate-limit.js';
import {checkSignature, type SignatureConfig} from './signature.js';

export {IpAllowList, clientIp, parseIp, parseCidr, cidrContains, parseHostPort, formatIp, unmapIp, type IpAddress, type Cidr, type ClientIpOptions} from './ip.js';
export {KvRateLimiter, RATE_LIMIT_KEY_PREFIX, type RateLimitDecision, type RateLimiterOptions} from './rate-limit.js';
export {checkSignature, type SignatureConfig, type SignatureMode, type SignatureCheck} from './signature.js';

/** The guard-related fields of an incoming hook (structurally the webapp's IncomingHook). */
export interface IncomingGuardHook {
  id: string;
  signature?: SignatureConfig | null;
  allowed_ips?: readonly string[] | null;
  /** per_minute ≤ 0 means unlimited. */
  rate_limit?: {per_minute: number} | null;
}

export type GuardResult = {ok: true} | {ok: false; status: number; message: string; retryAfterSeconds?: number};

export interface IncomingGuardOptions extends ClientIpOptions {
  now?: () => number;
  /** Maximum age of a Slack timestamp, in seconds (default 300). */
  maxSkewSeconds?: number;
  /** The node's limiter; by default one per PluginAPI object. */
  limiter?: KvRateLimiter;
}

const limiters = new WeakMap<PluginAPI, KvRateLimiter>();

function limiterFor(api: PluginAPI, options: IncomingGuardOptions): KvRateLimiter {
  if (options.limiter) return options.limiter;
  let l = limiters.get(api);
  if (!l) limiters.set(api, (l = new KvRateLimiter(api, {now: options.now})));
  return l;
}

export async function checkIncoming(hook: IncomingGuardHook, req: PluginRequest, rawBody: Buffer, api: PluginAPI, options: IncomingGuardOptions = {}): Promise<GuardResult> {
  const now = options.now ?? Date.now;

  const allowed = (hook.allowed_ips ?? []).filter((e) => e.trim());
  if (allowed.length) {
    const {list, invalid} = IpAllowList.parse(allowed);
    if (invalid.length) api.logWarn('Hookbridge: ignoring invalid allowed_ips entries', {hook_id: hook.id, entries: invalid.join(', ')});
    const ip = clientIp(req, options);
    if (!ip) return {ok: false, status: 403, message: 'Could not determine the client address; this webhook only accepts requests from allowed addresses.'};
    // An allow-list whose entries are all invalid still means "restricted": fail closed.
    if (!list.contains(ip)) return {ok: false, status: 403, message: `Requests from ${formatIp(ip)} are not allowed for this webhook.`};
  }

  const sig = checkSignature(hook.signature, (name) => req.header(name), rawBody, now(), options.maxSkewSeconds);
  if (!sig.ok) return {ok: false, status: 401, message: sig.message};

  const perMinute = hook.rate_limit?.per_minute ?? 0;
  if (perMinute > 0) {
    const d = await limiterFor(api, options).take(hook.id, perMinute);
    if (!d.allowed) return {ok: false, status: 429, message: `This webhook accepts at most ${perMinute} requests per minute; retry in ${d.retryAfterSeconds} s.`, retryAfterSeconds: d.retryAfterSeconds};
  }
  return {ok: true};
}
