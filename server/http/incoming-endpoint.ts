// POST /hooks/{id} (served at /plugins/<plugin id>/hooks/{id}): the incoming
// webhook URL. No session is needed; the hook id is the secret. Status codes are
// Mattermost's: 200 "ok" (text/plain) on success, 400 for an unknown hook or a
// bad payload, 404 for an unknown channel, 403 for a locked channel, 501 when
// incoming hooks are off. Beyond it: 413 for bodies over the configured size,
// 403 for a hook switched off, and the guards' answers (signatures, IP
// allow-list, rate limit) before the payload is even parsed.

import type {PluginConfig} from '../config.js';
import type {PluginAPI} from '../mattermost/api.js';
import {readBody} from '../mattermost/http.js';
import {HookError} from '../webhooks/errors.js';
import type {IncomingGuard} from '../webhooks/incoming-guard.js';
import {parseIncomingBody} from '../webhooks/incoming-parse.js';
import {handleIncoming} from '../webhooks/incoming.js';
import type {HookStore} from '../webhooks/store.js';
import {errorBody, sendError} from './respond.js';
import type {Router} from './router.js';

export interface IncomingEndpointDeps {
  api: PluginAPI;
  store: HookStore;
  config: () => PluginConfig;
  guard: IncomingGuard;
}

export function registerIncomingEndpoint(router: Router, deps: IncomingEndpointDeps): void {
  router.post('/hooks/{id}', async ({req, res, params}) => {
    const hookId = params.id!;
    try {
      const config = deps.config();
      if (!config.enableIncoming) throw new HookError(501, 'web.incoming_webhook.disabled.app_error', 'Incoming webhooks have been disabled by the system admin.');
      const raw = await readBody(req, config.maxIncomingBodyBytes);
      // One answer for ids that never existed, were deleted or are malformed, like Mattermost.
      const hook = await deps.store.getIncoming(hookId);
      if (!hook || hook.delete_at) throw HookError.badRequest('web.incoming_webhook.invalid.app_error', 'Invalid webhook: check the URL.');
      if (!hook.enabled) throw HookError.forbidden('hookbridge.incoming.hook_disabled', 'This incoming webhook is switched off; its owner can switch it on again.');
      const verdict = await deps.guard(hook, req, raw);
      if (!verdict.ok) {
        const headers: Record<string, string> = verdict.retryAfterSeconds !== undefined ? {'Retry-After': String(Math.max(1, Math.ceil(verdict.retryAfterSeconds)))} : {};
        await sendError(res, new HookError(verdict.status, 'hookbridge.incoming.refused', verdict.message), headers);
        deps.api.logDebug('Incoming webhook request refused', {hook_id: hook.id, status: verdict.status, reason: verdict.message});
        return;
      }
      const request = parseIncomingBody(req.header('content-type'), raw, req.query);
      await handleIncoming(deps.api, config, hook, request);
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/plain');
      await res.end('ok');
    } catch (err) {
      const body = errorBody(err);
      if (body.status_code >= 500 && !(err instanceof HookError && err.status === 501)) deps.api.logError('Incoming webhook failed', {hook_id: hookId, error: err instanceof Error ? err.message : String(err)});
      else deps.api.logDebug('Incoming webhook request rejected', {hook_id: hookId, error_id: body.id, status: body.status_code});
      await sendError(res, err);
    }
  });
}
