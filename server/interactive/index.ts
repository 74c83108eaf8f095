// Interactive messages wired into the plugin: attachments of webhook posts are
// validated and their external actions routed through Hookbridge; clicks,
// dialog submissions and lookups are served on public plugin routes (Mattermost
// calls them in-process with Mattermost-User-Id set).

import type {PluginAPI} from '../mattermost/api.js';
import {signedHeaders} from '../crypto/signing.js';
import type {HttpClient} from '../net/http-client.js';
import type {Router} from '../http/router.js';
import {HookError} from '../webhooks/errors.js';
import {newId} from '../webhooks/ids.js';
import type {HookStore} from '../webhooks/store.js';
import type {DialogOffer} from '../webhooks/webhook-post.js';
import {CLICK_PATH, dialogButton, handleClick, handleLookup, handleOpenDialog, handleSubmit, LOOKUP_PATH, OPEN_DIALOG_PATH, SUBMIT_PATH, wrapActions, type AttachmentJSON, type InteractiveDeps, type InteractiveHook} from './actions.js';
import {AttachmentValidationError, validateAttachments} from './attachments.js';
import {EnvelopeKey} from './envelope.js';

export {dialogButton, wrapActions, type AttachmentJSON} from './actions.js';
export {validateDialog, DialogValidationError, type DialogJSON} from './dialogs.js';
export {EnvelopeKey} from './envelope.js';

export interface InteractiveWiring {
  deps: InteractiveDeps;
  /** Validates attachments and routes their actions through Hookbridge; throws a 400 HookError. */
  prepareAttachments(attachments: readonly AttachmentJSON[], hookId: string): Promise<AttachmentJSON[]>;
  register(router: Router): void;
  /** Sends the user an ephemeral post with a button that opens the dialog. */
  offerDialog(offer: DialogOffer): Promise<void>;
}

export function createInteractive(opts: {api: PluginAPI; store: HookStore; client: HttpClient; timeoutMs: () => number}): InteractiveWiring {
  const {api, store, client} = opts;
  const key = new EnvelopeKey(api);
  const hook = async (hookId: string): Promise<InteractiveHook | null> => {
    const out = await store.getOutgoing(hookId);
    if (out) {
      return {id: out.id, enabled: out.enabled && !out.delete_at, sign: (body) => signedHeaders({deliveryId: newId(), body, secrets: out, nowMs: Date.now()})};
    }
    const inc = await store.getIncoming(hookId);
    if (!inc) return null;
    const secret = inc.signature.mode !== 'none' ? inc.signature.secret : undefined;
    return {id: inc.id, enabled: inc.enabled && !inc.delete_at, sign: (body) => signedHeaders({deliveryId: newId(), body, secrets: secret ? {signing_secret: secret} : {}, nowMs: Date.now()})};
  };
  const deps: InteractiveDeps = {
    api,
    key,
    hook,
    timeoutMs: opts.timeoutMs,
    send: async (req) => {
      const res = await client.request(req.url, {method: 'POST', headers: req.headers, body: req.body, timeoutMs: req.timeoutMs});
      return {status: res.status, body: res.body};
    },
  };
  return {
    deps,
    async prepareAttachments(attachments, hookId) {
      let valid: AttachmentJSON[];
      try {
        valid = validateAttachments(attachments);
      } catch (err) {
        if (err instanceof AttachmentValidationError) throw HookError.badRequest('model.incoming_hook.parse_data.app_error', `Invalid attachment: ${err.message}`, 'attachments');
        throw err;
      }
      return wrapActions(valid, hookId, key);
    },
    async offerDialog(offer) {
      if (!/^https?:\/\//i.test(offer.url) || !offer.userId) return;
      let attachment: AttachmentJSON;
      try {
        attachment = await dialogButton(offer.dialog, {url: offer.url, hook_id: offer.hookId}, key);
      } catch (err) {
        api.logWarn('An outgoing webhook replied with an invalid dialog', {hook_id: offer.hookId, error: err instanceof Error ? err.message : String(err)});
        return;
      }
      await api.sendEphemeralPost(offer.userId, {ChannelId: offer.channelId, RootId: offer.rootId, Message: '', Props: {attachments: [attachment]}});
    },
    register(router) {
      router.post(CLICK_PATH, ({req, res}) => handleClick(deps, req, res));
      router.post(OPEN_DIALOG_PATH, ({req, res}) => handleOpenDialog(deps, req, res));
      router.post(SUBMIT_PATH, ({req, res}) => handleSubmit(deps, req, res));
      router.post(LOOKUP_PATH, ({req, res}) => handleLookup(deps, req, res));
    },
  };
}
