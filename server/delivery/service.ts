// Durable outgoing deliveries: the queue, retries, signing, the delivery log
// and auto-disable, composed behind the DeliveryService the domain calls.
//
// deliver() records the delivery (pending) and stores the job before it
// returns; any node then sends it. Each attempt re-reads the hook when getHook
// is given, so a rotated secret, changed headers or max_attempts, and a
// disabled or deleted hook take effect on queued deliveries too.
// After a 2xx, onResponse runs once, on the node whose outcome was stored: a
// crash between the send and that point resends the request (at least once)
// but never repeats the reply posts (at most once). Test deliveries (event
// "test") are tried once, do not count towards auto-disable and never reach
// onResponse.

import {isUtf8} from 'node:buffer';
import {AppError, type PluginAPI} from '../mattermost/api.js';
import {DeliveryLog, DeliveryNotFoundError, type AttemptUpdate, type CreateInput, type LogOptions, type StoredDelivery} from './log.js';
import {FailureTracker, type OnDisable} from './notify.js';
import {DurableQueue, type HandlerResult, type QueueOptions, type QueueRecord} from './queue.js';
import {redactUrl} from './redact.js';
import {baseHeaders, buildAttempt} from './request.js';
import {classifyError, classifyResponse, DEFAULT_RETRY_POLICY, effectiveMaxAttempts, retryDelay, type RetryPolicy, type Verdict} from './retry.js';
import type {DeliveryHook, DeliveryPost, DeliveryService, HookStats, OutgoingJob, Send, SendResult} from './types.js';

export interface DeliveryServiceOptions extends Omit<QueueOptions, 'nodeId' | 'now'> {
  now?: () => number;
  /** Per-attempt timeout (default 30 s, Mattermost's OutgoingIntegrationRequestsTimeout); a function is read on every attempt. */
  timeoutMs?: number | (() => number);
  retry?: Partial<RetryPolicy>;
  /** Failed deliveries in a row that disable a hook (default 10; 0 never). */
  failureThreshold?: number;
  log?: LogOptions;
  /**
   * How long a hook read with getHook serves further attempts (default 1 s); past half
   * of it, a use reads the hook again behind the attempt. Changes take effect at once
   * wherever the caller reports them (hookChanged: on this node, and those other nodes
   * announce); otherwise within this time of a use.
   */
  hookCacheMs?: number;
  /**
   * A copy older than hookCacheMs still serves the attempts of this moment while it is
   * read again, up to this age (default 60 s): a burst after a quiet spell does not wait
   * for the store, one read per hook at a time.
   */
  hookStaleMs?: number;
  /**
   * Whether other work that should not wait is under way (posts being matched): the
   * delivery log's writes behind let it go first, as they do running deliveries.
   */
  busy?: () => boolean;
}

export interface DeliveryServiceDeps<H extends DeliveryHook = DeliveryHook, P extends DeliveryPost = DeliveryPost> {
  api: PluginAPI;
  send: Send;
  nodeId: string;
  /**
   * Turns a 2xx reply into posts; called at most once per delivery, on whichever
   * node finished it, with the job as stored (hook and post JSON round-tripped).
   */
  onResponse?: (job: OutgoingJob<H, P>, result: SendResult) => void | Promise<void>;
  /** Persists "disabled" on the hook (enabled = false, disabled_reason). */
  onDisable?: OnDisable;
  /** The hook as it is now (null: deleted). Without it, attempts use the hook as it was when queued, and replays are unsigned. */
  getHook?: (hookId: string) => Promise<H | null>;
  options?: DeliveryServiceOptions;
}

export interface DurableDeliveryService<H extends DeliveryHook = DeliveryHook, P extends DeliveryPost = DeliveryPost> extends DeliveryService<H, P> {
  start(): void;
  /** Waits up to the grace period for running sends. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a synthetic "test" delivery to each callback URL; returns the delivery ids. */
  test(hook: H, payload?: Record<string, string | number>): Promise<string[]>;
  /** One scan-and-send round, resolved when its sends are finished. */
  poll(): Promise<void>;
  /** Forget a hook's failure streak (call when the hook is re-enabled). */
  resetFailures(hookId: string): Promise<void>;
  /** Deletes a deleted hook's log, statistics and failure streak. */
  forgetHook(hookId: string): Promise<void>;
  /** Entries still queued (groups of deliveries), cluster-wide. */
  pendingIds(): Promise<string[]>;
  /** Drops the copy of a changed hook (null: of every hook). */
  hookChanged(hookId: string | null): void;
}

interface JobPayload<H extends DeliveryHook, P extends DeliveryPost> {
  url: string;
  content_type: string;
  headers: Record<string, string>;
  /** The request body as text when it is UTF-8, as payloads are (JSON, forms)… */
  body?: string;
  /** …otherwise base64 (as every job of older versions carries it). */
  body_b64?: string;
  event: OutgoingJob['event'];
  post: P;
  /**
   * The hook as queued, kept only without getHook: with it every attempt reads the
   * hook anyway, and a post matching 100 hooks would otherwise store 100 copies.
   */
  hook?: H;
  /** Fixed attempts (test deliveries); otherwise the hook's current max_attempts applies. */
  max_attempts?: number;
  /** Counts towards auto-disable and reaches onResponse (not for test deliveries). */
  counts: boolean;
}

class DeadlineError extends Error {
  override name = 'TimeoutError';
}

export function createDurableDeliveryService<H extends DeliveryHook = DeliveryHook, P extends DeliveryPost = DeliveryPost>(deps: DeliveryServiceDeps<H, P>): DurableDeliveryService<H, P> {
  type Payload = JobPayload<H, P>;
  const {api, send, nodeId} = deps;
  const options = deps.options ?? {};
  const now = options.now ?? Date.now;
  const policy: RetryPolicy = {...DEFAULT_RETRY_POLICY, ...options.retry};
  const timeoutOf = (): number => (typeof options.timeoutMs === 'function' ? options.timeoutMs() : options.timeoutMs ?? 30_000);
  // Replays read the hook itself when they can: records then need no copy of it. The log
  // is written behind, after the deliveries this node is running.
  const busy = options.busy ?? (() => false);
  const log = new DeliveryLog(api, {keepHook: !deps.getHook, yieldTo: () => queue.inFlight > 0 || busy(), ...options.log});
  const failures = new FailureTracker(api, options.failureThreshold ?? 10, deps.onDisable ?? (() => undefined));
  // The body dominates a job; hook, post and headers are a few KB at most.
  const sizeOf = (p: unknown): number => ((p as Payload).body?.length ?? (p as Payload).body_b64?.length ?? 0) + 4096;
  const queue = new DurableQueue<Payload>(api, (rec) => attempt(rec), {sizeOf, ...options, nodeId, now});

  // A burst of deliveries for one hook reads it once, not once per attempt.
  const hookCacheMs = options.hookCacheMs ?? 1000;
  const hookStaleMs = Math.max(hookCacheMs, options.hookStaleMs ?? 60_000);
  /** `read` is set once the read succeeded: only such a copy may serve past hookCacheMs. */
  type HookCopy = {at: number; hook: Promise<H | null>; read?: boolean; refreshing?: boolean};
  const hooks = new Map<string, HookCopy>();
  function loadHook(hookId: string): Promise<H | null> {
    const t = now();
    const hit = hooks.get(hookId);
    if (hit && t >= hit.at) {
      const age = t - hit.at;
      if (age < hookCacheMs) {
        // Read again ahead of expiry: a steady stream of deliveries never waits for the store.
        if (age >= hookCacheMs / 2 && !hit.refreshing) refreshHook(hookId, hit, t);
        return hit.hook;
      }
      if (age < hookStaleMs && hit.read) {
        if (!hit.refreshing) refreshHook(hookId, hit, t);
        return hit.hook;
      }
    }
    const hook = deps.getHook!(hookId);
    const copy: HookCopy = {at: t, hook};
    hooks.set(hookId, copy);
    if (hooks.size > 10_000) hooks.delete(hooks.keys().next().value!);
    hook.then(
      () => void (copy.read = true),
      () => hooks.get(hookId) === copy && hooks.delete(hookId),
    );
    return hook;
  }
  function refreshHook(hookId: string, hit: HookCopy, t: number): void {
    hit.refreshing = true;
    deps.getHook!(hookId).then(
      // Unless the hook changed meanwhile (hookChanged dropped the entry): then the read may be older than the change.
      (hook) => void (hooks.get(hookId) === hit && hooks.set(hookId, {at: t, hook: Promise.resolve(hook), read: true})),
      () => void (hit.refreshing = false),
    );
  }

  async function currentHook(rec: QueueRecord<Payload>): Promise<H | null | 'disabled'> {
    if (!deps.getHook) return rec.payload.hook ?? null;
    try {
      const hook = await loadHook(rec.hook_id);
      if (!hook) return null;
      return hook.enabled === false ? 'disabled' : hook;
    } catch (err) {
      const copy = rec.payload.hook;
      api.logWarn(copy ? 'Hookbridge: could not load the hook; using its queued copy' : 'Hookbridge: could not load the hook; the delivery waits for another try', {hook_id: rec.hook_id, error: err instanceof Error ? err.message : String(err)});
      // Unrecorded, the job is taken up again once its group's lease lapses.
      if (!copy) throw err;
      return copy;
    }
  }

  async function sendWithDeadline(req: Parameters<Send>[0]): Promise<SendResult> {
    let timer: NodeJS.Timeout | undefined;
    // The sender enforces timeoutMs; this only stops a sender that does not from pinning a worker.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineError('deadline exceeded')), req.timeoutMs + 2000);
      timer.unref?.();
    });
    try {
      return await Promise.race([send(req), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function attempt(rec: QueueRecord<Payload>): Promise<HandlerResult> {
    const p = rec.payload;
    const number = rec.attempt + 1;
    const hook = await currentHook(rec);
    const body = p.body !== undefined ? Buffer.from(p.body, 'utf8') : Buffer.from(p.body_b64 ?? '', 'base64');
    // The record goes with its job if a crash took it along before it was written
    // (not for a deleted hook, whose log is gone with it).
    const logHook = typeof hook === 'object' && hook ? hook : p.hook;
    const rebuild = logHook
      ? (): CreateInput => {
          const job = toJob(p, logHook, body);
          return {id: rec.id, job, headers: baseHeaders(job, job.hook), createdAt: rec.created_at};
        }
      : undefined;
    if (hook === null || hook === 'disabled') {
      const error = hook === null ? 'the hook was deleted' : 'the hook is disabled';
      await log.recordAttempt(rec.id, {status: 'failed', attempt: rec.attempt, at: now(), error}, rebuild);
      return {kind: 'done'};
    }
    const timeoutMs = timeoutOf();
    const req = buildAttempt({deliveryId: rec.id, url: p.url, contentType: p.content_type, headers: p.headers, body, hook, nowMs: now(), timeoutMs});
    let result: SendResult | undefined;
    let verdict: Verdict;
    try {
      result = await sendWithDeadline(req);
      verdict = classifyResponse(result.status, result.headers, now());
    } catch (err) {
      verdict = classifyError(err, timeoutMs);
    }
    const at = now();
    const response = result ? {status: result.status, headers: result.headers, body: result.body, latencyMs: result.latencyMs} : undefined;
    // One literal with every field, absent ones undefined: an object spread followed by more
    // fields gives each attempt a map of its own in V8, and the log's code would see a new shape every time.
    const update = (status: AttemptUpdate['status'], error?: string, nextAttemptAt?: number): AttemptUpdate => ({status, attempt: number, at, requestHeaders: req.headers, response, error, nextAttemptAt});

    if (verdict.kind === 'success') {
      await log.recordAttempt(rec.id, update('succeeded'), rebuild);
      const job = toJob(p, hook, body);
      return {
        kind: 'done',
        after: async () => {
          await safely('counting a delivery', () => log.count(hook.id, true, result?.latencyMs, at));
          if (!p.counts) return;
          await safely('resetting the failure streak', () => failures.succeeded(hook.id));
          if (deps.onResponse && result) await safely('handling the response', async () => deps.onResponse!(job, result!));
        },
      };
    }
    const maxAttempts = p.max_attempts ?? effectiveMaxAttempts(hook.max_attempts);
    if (verdict.kind === 'retry' && number < maxAttempts) {
      const due = at + retryDelay(verdict, number, policy);
      await log.recordAttempt(rec.id, update('retrying', verdict.reason, due), rebuild);
      return {kind: 'retry', due};
    }
    const error = maxAttempts > 1 && verdict.kind === 'retry' ? `${verdict.reason} (gave up after ${number} attempts)` : verdict.reason;
    await log.recordAttempt(rec.id, update('failed', error), rebuild);
    return {
      kind: 'done',
      after: async () => {
        await safely('counting a delivery', () => log.count(hook.id, false, result?.latencyMs, at));
        if (!p.counts) return;
        if (verdict.kind === 'gone') await failures.disable(hook, `${redactUrl(p.url)} answered 410 Gone, so the endpoint no longer exists`);
        else await safely('counting a failure', () => failures.failed(hook, `${error} from ${redactUrl(p.url)}`, at));
      },
    };
  }

  async function safely(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      api.logError(`Hookbridge: ${what} failed`, {error: err instanceof Error ? err.message : String(err)});
    }
  }

  async function enqueue(job: OutgoingJob<H, P>, extra: {maxAttempts?: number; counts: boolean; replayOf?: string}): Promise<string> {
    const id = log.newId(job.hook.id);
    const createdAt = now();
    log.add({id, job, headers: baseHeaders(job, job.hook), createdAt, ...(extra.replayOf ? {replayOf: extra.replayOf} : {})});
    const payload: Payload = {
      url: job.url,
      content_type: job.contentType,
      headers: job.headers,
      ...bodyFields(job.body),
      event: job.event,
      post: job.post,
      ...(deps.getHook ? {} : {hook: job.hook}),
      ...(extra.maxAttempts ? {max_attempts: extra.maxAttempts} : {}),
      counts: extra.counts,
    };
    try {
      await queue.enqueue({id, hook_id: job.hook.id, payload});
    } catch (err) {
      await log.recordAttempt(id, {status: 'failed', attempt: 0, at: now(), error: `could not be queued: ${err instanceof Error ? err.message : String(err)}`});
      throw err;
    }
    return id;
  }

  return {
    deliver: (job) => enqueue(job, {counts: job.event !== 'test', ...(job.event === 'test' ? {maxAttempts: 1} : {})}),

    list: (hookId, page, perPage) => log.list(hookId, page, perPage),

    get: (id) => log.get(id),

    async replay(id: string): Promise<string> {
      const rec = await log.record(id);
      if (!rec) throw new DeliveryNotFoundError(id);
      const source = rec.source;
      if (!source) throw replayError(id, 'it has no stored request');
      // Without getHook the snapshot has no secrets: the replay goes out unsigned.
      let hook: H | null = (source.hook ?? null) as H | null;
      if (deps.getHook) {
        hook = await deps.getHook(rec.hook_id);
        if (!hook) throw new AppError({id: 'hookbridge.delivery.replay.hook_deleted', message: 'The hook of this delivery no longer exists.', statusCode: 404, where: 'Replay'});
        if (hook.enabled === false) throw replayError(id, 'its hook is disabled; enable it first');
      }
      if (!hook) throw replayError(id, 'it has no stored hook');
      const body = replayBody(rec);
      if (!body) throw replayError(id, 'its request body was too large to keep');
      const job: OutgoingJob<H, P> = {hook, url: source.url, contentType: source.content_type, body, headers: source.headers, event: source.event, post: source.post as P};
      return enqueue(job, {counts: source.event !== 'test', replayOf: id, ...(source.event === 'test' ? {maxAttempts: 1} : {})});
    },

    stats: (hookId): Promise<HookStats> => log.stats(hookId, now()),

    async test(hook, payload) {
      const contentType = hook.content_type === 'application/x-www-form-urlencoded' ? hook.content_type : 'application/json';
      const fields: Record<string, string | number> = payload ?? testPayload(hook, now(), contentType);
      const body = contentType === 'application/json' ? Buffer.from(JSON.stringify(fields)) : Buffer.from(new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString());
      const urls = hook.callback_urls ?? [];
      const ids: string[] = [];
      for (const url of urls) {
        ids.push(await enqueue({hook, url, contentType, body, headers: {'Content-Type': contentType, Accept: 'application/json'}, event: 'test', post: {} as P}, {counts: false, maxAttempts: 1}));
      }
      return ids;
    },

    start: () => queue.start(),
    stop: async (graceMs) => {
      await queue.stop(graceMs);
      await log.flush();
    },
    poll: async () => {
      await queue.poll();
      await log.flush();
    },
    resetFailures: (hookId) => failures.reset(hookId),
    hookChanged: (hookId) => void (hookId === null ? hooks.clear() : hooks.delete(hookId)),
    forgetHook: async (hookId) => {
      hooks.delete(hookId);
      await failures.reset(hookId);
      await log.forget(hookId, now());
    },
    pendingIds: () => queue.pendingIds(),
  };
}

/** A UTF-8 body is kept as text: a third smaller than base64, and no encoding either way. */
function bodyFields(body: Uint8Array): {body: string} | {body_b64: string} {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return isUtf8(bytes) ? {body: bytes.toString('utf8')} : {body_b64: bytes.toString('base64')};
}

function toJob<H extends DeliveryHook, P extends DeliveryPost>(p: JobPayload<H, P>, hook: H, body: Uint8Array): OutgoingJob<H, P> {
  return {hook, url: p.url, contentType: p.content_type, body, headers: p.headers, event: p.event, post: p.post};
}

function replayBody(rec: StoredDelivery): Uint8Array | null {
  const b64 = rec.source?.body_b64;
  if (b64 === null) return null;
  if (b64 !== undefined) return Buffer.from(b64, 'base64');
  return Buffer.from(rec.request?.body ?? '', 'utf8');
}

function replayError(id: string, why: string): AppError {
  return new AppError({id: 'hookbridge.delivery.replay.unavailable', message: `Delivery ${id} cannot be replayed: ${why}.`, statusCode: 409, where: 'Replay'});
}

/** A payload shaped like a native outgoing webhook's, so receivers can parse it. */
function testPayload(hook: DeliveryHook, nowMs: number, contentType: string): Record<string, string | number> {
  return {
    token: hook.token ?? '',
    team_id: hook.team_id,
    team_domain: '',
    channel_id: hook.channel_id ?? '',
    channel_name: '',
    timestamp: contentType === 'application/json' ? nowMs : Math.floor(nowMs / 1000),
    user_id: '',
    user_name: '',
    post_id: '',
    text: `Test delivery from Hookbridge for "${hook.display_name || hook.id}".`,
    trigger_word: '',
    file_ids: '',
    event: 'test',
    hook_id: hook.id,
  };
}

