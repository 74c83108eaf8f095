// The per-hook delivery log, its hourly statistics, and live updates.
//
// KV layout:
//   dl_<deliveryId>          the delivery record (JSON): what the webapp shows,
//                            plus what a replay needs (never sent to clients)
//   dlx_<hookId>             [[deliveryId, created_at], …] newest first, at most
//                            maxPerHook; records that fall off are deleted
//   ds_<hookId>_<hour>       HourStats for that hour (hour = ms / 3 600 000),
//                            expiring after a day and a bit
// Bodies are kept up to maxBodyBytes each; request header values that
// authenticate are redacted. Every status change is published to the hook's
// team as the `delivery` WebSocket event (custom_hookbridge_delivery for clients)
// with a summary without bodies.

import {AppError, type PluginAPI} from '../mattermost/api.js';
import {CasBatcher, decodeJSON, encodeJSON} from './kv.js';
import {redactHeaders, redactUrl, storeBody} from './redact.js';
import {addSample, HOUR_MS, toBucket, type HourStats} from './stats.js';
import type {Delivery, DeliveryAttempt, DeliveryEventName, DeliveryHook, DeliveryPost, HookStats, OutgoingJob} from './types.js';

export const LOG_RECORD_PREFIX = 'dl_';
export const LOG_INDEX_PREFIX = 'dlx_';
export const STATS_PREFIX = 'ds_';
const STATS_TTL_SECONDS = 26 * 3600;
const MAX_ATTEMPTS_KEPT = 20;

/** What a replay needs; stays on the server. */
export interface ReplaySource {
  url: string;
  content_type: string;
  headers: Record<string, string>;
  event: DeliveryEventName;
  post: DeliveryPost;
  /** The hook as it was, without its secrets. */
  hook: DeliveryHook;
  /** The exact body, when request.body is not (cut or not UTF-8); null when too large to keep. */
  body_b64?: string | null;
}

export interface StoredDelivery extends Delivery {
  team_id: string;
  source?: ReplaySource;
}

export interface LogOptions {
  maxPerHook?: number;
  maxBodyBytes?: number;
  /** Largest body kept for replay when the shown body is cut. */
  maxReplayBytes?: number;
}

type IndexEntry = [id: string, createdAt: number];

export class DeliveryLog {
  readonly maxPerHook: number;
  readonly maxBodyBytes: number;
  readonly maxReplayBytes: number;
  private readonly records: CasBatcher<StoredDelivery>;
  private readonly index: CasBatcher<IndexEntry[]>;
  private readonly statsKV: CasBatcher<HourStats>;

  constructor(
    private readonly api: PluginAPI,
    options: LogOptions = {},
  ) {
    this.maxPerHook = options.maxPerHook ?? 200;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.maxReplayBytes = options.maxReplayBytes ?? 1024 * 1024;
    this.records = new CasBatcher(api);
    this.index = new CasBatcher(api);
    this.statsKV = new CasBatcher(api, {expireInSeconds: () => STATS_TTL_SECONDS});
  }

  /** Records a new pending delivery and lists it first in its hook's log. */
  async create(input: {id: string; job: OutgoingJob; headers: Record<string, string>; createdAt: number; replayOf?: string}): Promise<Delivery> {
    const {job} = input;
    const body = storeBody(job.body, this.maxBodyBytes);
    const {signing_secret: _s, previous_secret: _p, previous_secret_expires_at: _e, ...hook} = job.hook;
    const source: ReplaySource = {url: job.url, content_type: job.contentType, headers: job.headers, event: job.event, post: job.post, hook};
    if (!body.exact) source.body_b64 = job.body.length <= this.maxReplayBytes ? Buffer.from(job.body).toString('base64') : null;
    const record: StoredDelivery = {
      id: input.id,
      hook_id: job.hook.id,
      team_id: job.hook.team_id,
      post_id: job.post.Id ?? '',
      event: job.event,
      attempt: 0,
      status: 'pending',
      created_at: input.createdAt,
      request: {url: redactUrl(job.url), headers: redactHeaders(input.headers), body: body.text},
      attempts: [],
      ...(input.replayOf ? {replay_of: input.replayOf} : {}),
      source,
    };
    await this.api.kvSet(LOG_RECORD_PREFIX + input.id, encodeJSON(record));
    const dropped: string[] = [];
    await this.index.update(LOG_INDEX_PREFIX + job.hook.id, (list) => {
      const next = (list ?? []).filter(([id]) => id !== input.id);
      next.push([input.id, input.createdAt]);
      next.sort((a, b) => b[1] - a[1]);
      dropped.length = 0;
      dropped.push(...next.splice(this.maxPerHook).map(([id]) => id));
      return next;
    });
    await Promise.all(dropped.map((id) => this.api.kvDelete(LOG_RECORD_PREFIX + id)));
    await this.publish(record);
    return publicView(record);
  }

  /** Records one attempt's outcome; no-op when the record already fell off the log. */
  async recordAttempt(id: string, update: {
    status: Delivery['status'];
    attempt: number;
    at: number;
    requestHeaders?: Record<string, string>;
    response?: {status: number; headers: Record<string, string>; body: Uint8Array; latencyMs: number};
    error?: string;
    nextAttemptAt?: number;
  }): Promise<Delivery | null> {
    let saved: StoredDelivery | null = null;
    await this.records.update(LOG_RECORD_PREFIX + id, (rec) => {
      if (!rec) return (saved = null);
      const entry: DeliveryAttempt = {attempt: update.attempt, at: update.at};
      rec.attempt = update.attempt;
      rec.status = update.status;
      if (update.requestHeaders && rec.request) rec.request.headers = redactHeaders(update.requestHeaders);
      if (update.response) {
        rec.response_status = entry.response_status = update.response.status;
        rec.latency_ms = entry.latency_ms = Math.round(update.response.latencyMs);
        rec.response = {headers: redactHeaders(update.response.headers), body: storeBody(update.response.body, this.maxBodyBytes).text};
      } else {
        delete rec.response_status;
        delete rec.response;
        delete rec.latency_ms;
      }
      if (update.error) rec.error = entry.error = update.error;
      else delete rec.error;
      if (update.nextAttemptAt !== undefined) rec.next_attempt_at = update.nextAttemptAt;
      else delete rec.next_attempt_at;
      if (update.status === 'succeeded' || update.status === 'failed') rec.completed_at = update.at;
      // A crashed node may repeat an attempt: replace, do not append, the same number.
      const attempts = (rec.attempts ?? []).filter((a) => a.attempt !== update.attempt);
      attempts.push(entry);
      rec.attempts = attempts.slice(-MAX_ATTEMPTS_KEPT);
      return (saved = rec);
    });
    if (saved) await this.publish(saved);
    return saved ? publicView(saved) : null;
  }

  async record(id: string): Promise<StoredDelivery | null> {
    return decodeJSON<StoredDelivery>(await this.api.kvGet(LOG_RECORD_PREFIX + id));
  }

  async get(id: string): Promise<Delivery | null> {
    const rec = await this.record(id);
    return rec ? publicView(rec) : null;
  }

  /** Newest first; summaries without request and response. */
  async list(hookId: string, page: number, perPage: number): Promise<Delivery[]> {
    const p = Math.max(0, Math.floor(page) || 0);
    const n = Math.min(Math.max(1, Math.floor(perPage) || 50), this.maxPerHook);
    const ids = (decodeJSON<IndexEntry[]>(await this.api.kvGet(LOG_INDEX_PREFIX + hookId)) ?? []).slice(p * n, (p + 1) * n).map(([id]) => id);
    const recs = await Promise.all(ids.map((id) => this.record(id)));
    return recs.filter((r): r is StoredDelivery => r !== null).map(summaryView);
  }

  /** Counts a finished delivery in its hour. */
  async count(hookId: string, ok: boolean, latencyMs: number | undefined, at: number): Promise<void> {
    await this.statsKV.update(`${STATS_PREFIX}${hookId}_${Math.floor(at / HOUR_MS)}`, (s) => addSample(s, ok, latencyMs));
  }

  /** The last 24 hours, oldest first, one bucket per hour (the current one included). */
  async stats(hookId: string, nowMs: number): Promise<HookStats> {
    const current = Math.floor(nowMs / HOUR_MS);
    const hours = Array.from({length: 24}, (_, i) => current - 23 + i);
    const values = await Promise.all(hours.map(async (h) => decodeJSON<HourStats>(await this.api.kvGet(`${STATS_PREFIX}${hookId}_${h}`))));
    return {buckets: hours.map((h, i) => toBucket(h * HOUR_MS, values[i] ?? null))};
  }

  /** Deletes a hook's log and statistics (after the hook is deleted). */
  async forget(hookId: string, nowMs: number): Promise<void> {
    const ids = (decodeJSON<IndexEntry[]>(await this.api.kvGet(LOG_INDEX_PREFIX + hookId)) ?? []).map(([id]) => id);
    await Promise.all(ids.map((id) => this.api.kvDelete(LOG_RECORD_PREFIX + id)));
    await this.api.kvDelete(LOG_INDEX_PREFIX + hookId);
    const current = Math.floor(nowMs / HOUR_MS);
    await Promise.all(Array.from({length: 27}, (_, i) => this.api.kvDelete(`${STATS_PREFIX}${hookId}_${current - 26 + i}`)));
  }

  private async publish(rec: StoredDelivery): Promise<void> {
    try {
      await this.api.publishWebSocketEvent('delivery', {hook_id: rec.hook_id, delivery: plain(summaryView(rec))}, {TeamId: rec.team_id});
    } catch (err) {
      this.api.logWarn('Hookbridge: could not publish a delivery update', {delivery_id: rec.id, error: err instanceof Error ? err.message : String(err)});
    }
  }
}

export class DeliveryNotFoundError extends AppError {
  constructor(id: string) {
    super({id: 'hookbridge.delivery.not_found', message: `Delivery ${id} not found.`, statusCode: 404, where: 'DeliveryLog'});
  }
}

/** Removes undefined values, which the plugin RPC cannot carry. */
function plain<T>(value: T): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function publicView(rec: StoredDelivery): Delivery {
  const {source: _source, team_id: _team, ...rest} = rec;
  return rest;
}

function summaryView(rec: StoredDelivery): Delivery {
  const {request: _req, response: _res, ...rest} = publicView(rec);
  return rest;
}
