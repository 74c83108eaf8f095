// Interactive messages routed through Hookbridge (Mattermost's click flow:
// api4/action.go, app/integration_action.go).
//
// An attachment action whose integration URL belongs to an external service is
// rewritten to Hookbridge's own /actions/click route, with the signed target in
// its context. Mattermost calls that route in-process with Mattermost-User-Id set;
// Hookbridge forwards Mattermost's request fields to the service, signed like an
// outgoing delivery, and hands the service's reply back to Mattermost, which
// applies `update`, `ephemeral_text` and `goto_location`.
//
// Divergence from native: an `update` without a `message` keeps the post's
// message (native blanks it); the webhook identity props always survive.
// Beyond native: a reply may carry `dialog` (plus optional `dialog_url`) to open an
// interactive dialog with the click's trigger id; submissions and dynamic-select
// lookups come back through Hookbridge and go to the service signed.

import {AppError, type PluginAPI} from '../mattermost/api.js';
import {readBody, sendJSON, type PluginRequest, type PluginResponse} from '../mattermost/http.js';
import {dialogToModel, DialogValidationError, validateDialog, type DialogJSON} from './dialogs.js';
import {open, seal, type EnvelopeKey, type Target} from './envelope.js';

export const CLICK_PATH = '/actions/click';
export const OPEN_DIALOG_PATH = '/actions/open-dialog';
export const SUBMIT_PATH = '/dialogs/submit';
export const LOOKUP_PATH = '/dialogs/lookup';
const PLUGIN_PREFIX = '/plugins/hookbridge';
const CONTEXT_KEY = 'hookbridge';
const IDENTITY_PROPS = ['from_webhook', 'override_username', 'override_icon_url', 'webhook_display_name'];
const MAX_BODY = 1024 * 1024;

export interface ActionJSON {
  id?: string;
  type?: string;
  name?: string;
  disabled?: boolean;
  style?: string;
  data_source?: string;
  options?: {text?: string; value?: string}[] | null;
  default_option?: string;
  integration?: {url?: string; context?: Record<string, unknown> | null} | null;
  cookie?: string;
}

export interface AttachmentJSON {
  actions?: ActionJSON[] | null;
  [field: string]: unknown;
}

export interface ServiceRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
}

export interface ServiceResponse {
  status: number;
  body: Uint8Array;
}

export interface InteractiveHook {
  id: string;
  enabled: boolean;
  /** Signature headers for a request body, as outgoing deliveries carry them. */
  sign(body: Uint8Array): Record<string, string>;
}

export interface InteractiveDeps {
  api: PluginAPI;
  key: EnvelopeKey;
  hook(hookId: string): Promise<InteractiveHook | null>;
  /** Sends through the outgoing HTTP client (SSRF guard, size caps). */
  send(req: ServiceRequest): Promise<ServiceResponse>;
  timeoutMs(): number;
}

const isExternal = (url: string | undefined): url is string => typeof url === 'string' && /^https?:\/\//i.test(url);

/** Points every external action of these attachments at Hookbridge; returns new attachments. */
export async function wrapActions(attachments: AttachmentJSON[], hookId: string, key: EnvelopeKey): Promise<AttachmentJSON[]> {
  const k = await key.get();
  return attachments.map((a) => {
    if (!Array.isArray(a.actions)) return a;
    return {
      ...a,
      actions: a.actions.map((action) => {
        const url = action.integration?.url;
        if (!isExternal(url)) return action;
        const target: Target = {url, hook_id: hookId};
        return {...action, integration: {url: PLUGIN_PREFIX + CLICK_PATH, context: {...(action.integration?.context ?? {}), [CONTEXT_KEY]: seal(k, target)}}};
      }),
    };
  });
}

/** An attachment with one button that opens `dialog` for whoever clicks it (used for outgoing-webhook replies). */
export async function dialogButton(dialog: DialogJSON, target: Target, key: EnvelopeKey): Promise<AttachmentJSON> {
  validateDialog(dialog);
  const k = await key.get();
  return {
    fallback: dialog.title,
    text: dialog.introduction_text ?? '',
    actions: [
      {
        id: 'hookbridgeopendialog',
        type: 'button',
        name: `Open ${dialog.title}`,
        style: 'primary',
        integration: {url: PLUGIN_PREFIX + OPEN_DIALOG_PATH, context: {[CONTEXT_KEY]: seal(k, {...target, dialog})}},
      },
    ],
  };
}

interface ClickRequest {
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  post_id?: string;
  trigger_id?: string;
  type?: string;
  data_source?: string;
  context?: Record<string, unknown>;
}

interface ClickReply {
  update?: {message?: string; props?: Record<string, unknown> | null; [k: string]: unknown} | null;
  ephemeral_text?: string;
  skip_slack_parsing?: boolean;
  goto_location?: string;
  dialog?: DialogJSON;
  dialog_url?: string;
}

function fail(status: number, id: string, message: string): AppError {
  return new AppError({id, message, statusCode: status, where: 'interactive'});
}

async function jsonBody<T>(req: PluginRequest): Promise<T> {
  const raw = await readBody(req, MAX_BODY);
  if (raw.length === 0) return {} as T;
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as T;
  } catch {
    throw fail(400, 'interactive.bad_request', 'The request body must be a JSON object.');
  }
}

/** Calls the service; native rules: exactly 200, empty or JSON-object body. */
async function callService(deps: InteractiveDeps, hook: InteractiveHook, url: string, payload: object): Promise<Record<string, unknown>> {
  const body = Buffer.from(JSON.stringify(payload));
  let res: ServiceResponse;
  try {
    res = await deps.send({url, body, timeoutMs: deps.timeoutMs(), headers: {'Content-Type': 'application/json', Accept: 'application/json', ...hook.sign(body)}});
  } catch (err) {
    throw fail(502, 'interactive.integration_unreachable', `The integration could not be reached: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (res.status !== 200) throw fail(400, 'api.post.do_action.action_integration.app_error', `The integration answered with status ${res.status}; it must answer 200.`);
  if (res.body.length === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.from(res.body).toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw fail(400, 'interactive.bad_integration_reply', 'The integration answered with something that is not a JSON object.');
}

async function resolveHook(deps: InteractiveDeps, target: Target | null): Promise<InteractiveHook> {
  if (!target || typeof target.url !== 'string' || typeof target.hook_id !== 'string') throw fail(403, 'interactive.bad_signature', 'This action was not issued by Hookbridge.');
  const hook = await deps.hook(target.hook_id);
  if (!hook) throw fail(404, 'interactive.hook_gone', 'The webhook behind this action no longer exists.');
  if (!hook.enabled) throw fail(403, 'interactive.hook_disabled', 'The webhook behind this action is disabled.');
  return hook;
}

function requireUser(req: PluginRequest): string {
  if (!req.userId) throw fail(401, 'interactive.unauthorized', 'Not authorized.');
  return req.userId;
}

async function openDialog(deps: InteractiveDeps, triggerId: string | undefined, dialog: DialogJSON, target: Target): Promise<void> {
  if (!triggerId) throw fail(400, 'interactive.no_trigger', 'No trigger id to open a dialog with.');
  validateDialog(dialog);
  const k = await deps.key.get();
  const token = seal(k, target);
  const elements = (dialog.elements ?? []).map((e) =>
    e.type === 'select' && e.data_source === 'dynamic' && isExternal(e.data_source_url)
      ? {...e, data_source_url: `${PLUGIN_PREFIX}${LOOKUP_PATH}?t=${encodeURIComponent(seal(k, {url: e.data_source_url, hook_id: target.hook_id}))}`}
      : e,
  );
  await deps.api.openInteractiveDialog({TriggerId: triggerId, URL: `${PLUGIN_PREFIX}${SUBMIT_PATH}?t=${encodeURIComponent(token)}`, Dialog: dialogToModel({...dialog, elements})});
}

/** POST /actions/click — Mattermost calls this for wrapped actions. */
export async function handleClick(deps: InteractiveDeps, req: PluginRequest, res: PluginResponse): Promise<void> {
  const userId = requireUser(req);
  const click = await jsonBody<ClickRequest>(req);
  const context = {...(click.context ?? {})};
  const target = open<Target>(await deps.key.get(), context[CONTEXT_KEY]);
  const hook = await resolveHook(deps, target);
  delete context[CONTEXT_KEY];
  const reply = (await callService(deps, hook, target!.url, {...click, user_id: userId, context})) as ClickReply;

  const out: Record<string, unknown> = {};
  if (reply.update && typeof reply.update === 'object') {
    const current = click.post_id ? await deps.api.getPost(click.post_id).catch(() => null) : null;
    const update: Record<string, unknown> = {...reply.update};
    if (update.message === undefined && current) update.message = current.Message ?? '';
    if (update.props && typeof update.props === 'object') {
      const props = {...(update.props as Record<string, unknown>)};
      for (const p of IDENTITY_PROPS) {
        if (current?.Props?.[p] !== undefined) props[p] = current.Props[p];
        else delete props[p];
      }
      if (Array.isArray(props.attachments)) props.attachments = await wrapActions(props.attachments as AttachmentJSON[], hook.id, deps.key);
      update.props = props;
    }
    out.update = update;
  }
  for (const k of ['ephemeral_text', 'skip_slack_parsing', 'goto_location'] as const) if (reply[k] !== undefined) out[k] = reply[k];
  if (reply.dialog) {
    const url = isExternal(reply.dialog_url) ? reply.dialog_url : target!.url;
    try {
      await openDialog(deps, click.trigger_id, reply.dialog, {url, hook_id: hook.id});
    } catch (err) {
      if (err instanceof DialogValidationError) throw fail(400, 'interactive.bad_dialog', `The integration sent an invalid dialog: ${err.message}`);
      throw err;
    }
  }
  await sendJSON(res, 200, out);
}

/** POST /actions/open-dialog — the button Hookbridge adds for dialogs in outgoing-webhook replies. */
export async function handleOpenDialog(deps: InteractiveDeps, req: PluginRequest, res: PluginResponse): Promise<void> {
  requireUser(req);
  const click = await jsonBody<ClickRequest>(req);
  const sealed = open<Target & {dialog?: DialogJSON}>(await deps.key.get(), click.context?.[CONTEXT_KEY]);
  const hook = await resolveHook(deps, sealed);
  if (!sealed?.dialog) throw fail(400, 'interactive.no_dialog', 'This button has no dialog.');
  await openDialog(deps, click.trigger_id, sealed.dialog, {url: sealed.url, hook_id: hook.id});
  await sendJSON(res, 200, {});
}

interface SubmitRequest {
  url?: string;
  callback_id?: string;
  state?: string;
  user_id?: string;
  channel_id?: string;
  team_id?: string;
  submission?: Record<string, unknown>;
  cancelled?: boolean;
  type?: string;
}

/** POST /dialogs/submit?t=… — dialog submissions and cancellations. */
export async function handleSubmit(deps: InteractiveDeps, req: PluginRequest, res: PluginResponse): Promise<void> {
  const userId = requireUser(req);
  const target = open<Target>(await deps.key.get(), req.query.get('t'));
  const hook = await resolveHook(deps, target);
  const submit = await jsonBody<SubmitRequest>(req);
  const {url: _ignored, ...rest} = submit;
  const reply = await callService(deps, hook, target!.url, {...rest, user_id: userId, type: submit.type === 'refresh' ? 'refresh' : 'dialog_submission'});
  // A multi-step form comes back as {type: "form", form}: check it like any dialog.
  if (reply.type === 'form') {
    try {
      validateDialog((reply.form ?? {}) as DialogJSON);
    } catch (err) {
      if (err instanceof DialogValidationError) await sendJSON(res, 200, {error: `The integration sent an invalid form: ${err.message}`});
      else throw err;
      return;
    }
  }
  await sendJSON(res, 200, reply);
}

/** POST /dialogs/lookup?t=… — dynamic select options, fetched from the service. */
export async function handleLookup(deps: InteractiveDeps, req: PluginRequest, res: PluginResponse): Promise<void> {
  const userId = requireUser(req);
  const target = open<Target>(await deps.key.get(), req.query.get('t'));
  const hook = await resolveHook(deps, target);
  const body = await jsonBody<Record<string, unknown>>(req);
  const reply = await callService(deps, hook, target!.url, {...body, user_id: userId, type: 'dialog_lookup'});
  const items = Array.isArray(reply.items) ? reply.items.filter((i): i is {text: string; value: string} => !!i && typeof i === 'object' && typeof (i as {text?: unknown}).text === 'string' && typeof (i as {value?: unknown}).value === 'string') : [];
  await sendJSON(res, 200, {items});
}
