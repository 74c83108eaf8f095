// POST /hooks/{id} (served at /plugins/<plugin id>/hooks/{id}): the incoming
// webhook URL. No session is needed; the hook id is the secret. Status codes are
// Mattermost's: 200 "ok" (text/plain) on success, 400 for an unknown hook or a
// bad payload, 404 for an unknown channel, 403 for a locked channel, 501 when
// incoming hooks are off. Beyond it: 413 for bodies over the configured size,
// 403 for a hook switched off, and the guards' answers (signatures, IP
// allow-list, rate limit) before the payload is even parsed.

import type {PluginConfig} from '../config.js';
import type {PluginAPI} from '../mattermost/api.js';
import {readBody, type PluginRequest, type PluginResponse} from '../mattermost/http.js';
import type {Post} from '../mattermost/model.js';
import type {IncomingHook} from '../webhooks/model.js';
import {usernameLookup} from '../webhooks/responses.js';
import {AttachmentError, messageLinksToMarkdown, processAttachments, processSlackText, type Attachment} from '../webhooks/slack.js';
import {HOOK_ID_PROP, type PostSettings} from '../webhooks/webhook-post.js';
import {HookError} from '../webhooks/errors.js';
import type {IncomingGuard} from '../webhooks/incoming-guard.js';
import {parseIncomingBody} from '../webhooks/incoming-parse.js';
import {checkIncomingRequest, handleIncoming, startLookups, type IncomingLookups, type RecentLookups} from '../webhooks/incoming.js';
import type {HookStore} from '../webhooks/store.js';
import {errorBody, sendError, sendJSON} from './respond.js';
import type {Router} from './router.js';

export interface IncomingEndpointDeps {
  api: PluginAPI;
  store: HookStore;
  config: () => PluginConfig & PostSettings;
  guard: IncomingGuard;
  /** Recent channel and owner reads for a hook's default channel (none: asked on every request). */
  recent?: RecentLookups;
}

function hasGuards(hook: IncomingHook): boolean {
  return (hook.signature?.mode ?? 'none') !== 'none' || (hook.allowed_ips ?? []).some((e) => e.trim() !== '') || (hook.rate_limit?.per_minute ?? 0) > 0;
}

interface Admitted {
  hook: IncomingHook;
  raw: Buffer;
  config: PluginConfig & PostSettings;
  lookups: IncomingLookups | undefined;
}

/**
 * The checks every request to an incoming hook's URL goes through, in
 * Mattermost's order plus ours. With `prefetch`, the post's channel and owner
 * are looked up while the body is still arriving, for hooks without guards: a
 * guard's refusal must keep costing no more than it did.
 */
async function admit(deps: IncomingEndpointDeps, req: PluginRequest, res: PluginResponse, hookId: string, prefetch = false): Promise<Admitted | null> {
  const config = deps.config();
  if (!config.enableIncoming) throw new HookError(501, 'web.incoming_webhook.disabled.app_error', 'Incoming webhooks have been disabled by the system admin.');
  // The hook is read alongside the body; its outcome still counts only after the body's (413 first).
  // It comes from memory when possible; every change forgets it there (HookStore.cachedIncoming).
  const found = deps.store.cachedIncoming(hookId);
  let lookups: IncomingLookups | undefined;
  if (prefetch) {
    void found.then(
      (hook) => {
        if (hook && !hook.delete_at && hook.enabled && !hasGuards(hook)) lookups = startLookups(deps.api, hook, deps.recent);
      },
      () => undefined,
    );
  } else {
    found.catch(() => undefined);
  }
  const raw = await readBody(req, config.maxIncomingBodyBytes);
  // One answer for ids that never existed, were deleted or are malformed, like Mattermost.
  const hook = await found;
  if (!hook || hook.delete_at) throw HookError.badRequest('web.incoming_webhook.invalid.app_error', 'Invalid webhook: check the URL.');
  if (!hook.enabled) throw HookError.forbidden('hookbridge.incoming.hook_disabled', 'This incoming webhook is switched off; its owner can switch it on again.');
  const verdict = await deps.guard(hook, req, raw);
  if (!verdict.ok) {
    const headers: Record<string, string> = verdict.retryAfterSeconds !== undefined ? {'Retry-After': String(Math.max(1, Math.ceil(verdict.retryAfterSeconds)))} : {};
    await sendError(res, new HookError(verdict.status, 'hookbridge.incoming.refused', verdict.message), headers);
    deps.api.logDebug('Incoming webhook request refused', {hook_id: hook.id, status: verdict.status, reason: verdict.message});
    return null;
  }
  // A guarded hook's lookups start once its guard let the request through.
  if (prefetch && !lookups && deps.recent) lookups = startLookups(deps.api, hook, deps.recent);
  return {hook, raw, config, lookups};
}

function reportFailure(deps: IncomingEndpointDeps, hookId: string, err: unknown): void {
  const body = errorBody(err);
  if (body.status_code >= 500 && !(err instanceof HookError && err.status === 501)) deps.api.logError('Incoming webhook failed', {hook_id: hookId, error: err instanceof Error ? err.message : String(err)});
  else deps.api.logDebug('Incoming webhook request rejected', {hook_id: hookId, error_id: body.id, status: body.status_code});
}

/** Beyond native: callers that ask for JSON (?return=post or Accept: application/json) learn the created posts. */
function wantsPostIds(req: PluginRequest): boolean {
  if (req.query.get('return') === 'post') return true;
  return (req.header('accept') ?? '').split(',').some((part) => part.trim().toLowerCase().startsWith('application/json'));
}

/** A post this hook created; any other post is "not found", so ids of others' posts reveal nothing. */
async function ownPost(api: PluginAPI, hook: IncomingHook, postId: string): Promise<Post> {
  const post = await api.getPost(postId).catch(() => null);
  if (!post || post.Props?.[HOOK_ID_PROP] !== hook.id) throw HookError.notFound('hookbridge.incoming.post_not_found', 'This webhook has no such post.');
  return post;
}

export function registerIncomingEndpoint(router: Router, deps: IncomingEndpointDeps): void {
  router.post('/hooks/{id}', async ({req, res, params}) => {
    const hookId = params.id!;
    try {
      // The success answer's headers go to the server while the request is still
      // being handled (a failure sends its own), so only the body is left to send.
      const json = wantsPostIds(req);
      res.setHeader('Content-Type', json ? 'application/json' : 'text/plain');
      res.preflightHeaders?.();
      const admitted = await admit(deps, req, res, hookId, true);
      if (!admitted) return;
      const request = parseIncomingBody(req.header('content-type'), admitted.raw, req.query);
      const posts = await handleIncoming(deps.api, admitted.config, admitted.hook, request, admitted.lookups);
      if (json) {
        await sendJSON(res, 200, {status: 'OK', post_id: posts[0]?.Id ?? '', post_ids: posts.map((p) => p.Id ?? ''), channel_id: posts[0]?.ChannelId ?? ''});
        return;
      }
      res.statusCode = 200;
      await res.end('ok');
    } catch (err) {
      reportFailure(deps, hookId, err);
      await sendError(res, err);
    }
  });

  // Beyond native: a hook may edit and delete the posts it made (e.g. a status message that changes).
  router.put('/hooks/{id}/posts/{postId}', async ({req, res, params}) => {
    const hookId = params.id!;
    try {
      const admitted = await admit(deps, req, res, hookId);
      if (!admitted) return;
      const {hook, raw, config} = admitted;
      const post = await ownPost(deps.api, hook, params.postId!);
      const request = parseIncomingBody(req.header('content-type'), raw, req.query);
      checkIncomingRequest(request);
      const lookup = usernameLookup(deps.api);
      const props: Record<string, unknown> = {...(post.Props ?? {})};
      if (request.attachments !== null) {
        let attachments: Attachment[];
        try {
          attachments = await processAttachments(request.attachments, lookup);
        } catch (err) {
          if (err instanceof AttachmentError) throw HookError.badRequest('model.incoming_hook.parse_data.app_error', `Unable to parse incoming data: ${err.message}`, 'attachments');
          throw err;
        }
        props.attachments = config.prepareAttachments && attachments.length > 0 ? await config.prepareAttachments(attachments, hook.id) : attachments;
      }
      const updated = await deps.api.updatePost({...post, Message: messageLinksToMarkdown(await processSlackText(request.text, lookup)), Props: props});
      await sendJSON(res, 200, {status: 'OK', post_id: updated.Id ?? post.Id});
    } catch (err) {
      reportFailure(deps, hookId, err);
      await sendError(res, err);
    }
  });

  router.delete('/hooks/{id}/posts/{postId}', async ({req, res, params}) => {
    const hookId = params.id!;
    try {
      const admitted = await admit(deps, req, res, hookId);
      if (!admitted) return;
      const post = await ownPost(deps.api, admitted.hook, params.postId!);
      await deps.api.deletePost(post.Id!);
      await sendJSON(res, 200, {status: 'OK'});
    } catch (err) {
      reportFailure(deps, hookId, err);
      await sendError(res, err);
    }
  });
}
