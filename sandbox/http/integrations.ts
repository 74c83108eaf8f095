// Interactive messages and dialogs, the server's half (app/integration_action.go):
// a click on an attachment action becomes a PostActionIntegrationRequest POSTed to
// the action's integration URL, and the answer updates the post, sends an
// ephemeral message or names a location to go to; a dialog submission is POSTed
// to the dialog's URL and its answer (errors included) returned to the client.
// URLs under /plugins/<id>/ go straight to that plugin's ServeHTTP; any other URL
// is requested over HTTP, which the sandbox allows only to loopback addresses.

import type {MemoryMattermost} from '../../server/mattermost/memory.js';
import type {Post, User} from '../../server/mattermost/model.js';
import {findAction, RETAINED_PROP_KEYS} from '../host/posts.js';
import type {TriggerIds} from '../host/triggers.js';
import {requestPlugin, type PluginGateway} from './plugin-proxy.js';
import {HttpError} from './util.js';

const ACTION_ERROR = 'api.post.do_action.action_integration.app_error';
const TIMEOUT_MS = 30_000;

export interface IntegrationDeps {
  mm: MemoryMattermost;
  gateway: PluginGateway;
  triggers: TriggerIds;
  siteURL(): string;
  changed(): void;
}

interface IntegrationResponse {
  status: number;
  body: Buffer;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** App.DoActionRequest: where an integration URL leads, and the raw answer. */
export async function doActionRequest(deps: IntegrationDeps, rawURL: string, userId: string, body: unknown): Promise<IntegrationResponse> {
  const payload = Buffer.from(JSON.stringify(body));
  const cleaned = rawURL.trim();
  const site = new URL(deps.siteURL());
  let target: URL;
  try {
    target = new URL(cleaned, deps.siteURL());
  } catch {
    throw new HttpError(400, ACTION_ERROR, 'Unable to find the integration URL.', `url=${rawURL}`);
  }
  const pluginPath = /^\/?plugins\/([^/?#]+)(.*)$/.exec(cleaned.startsWith('/') || cleaned.startsWith('plugins/') ? cleaned : target.host === site.host ? target.pathname + target.search : '');
  if (pluginPath) {
    if (pluginPath[1] !== deps.gateway.pluginId) throw new HttpError(404, ACTION_ERROR, 'Unable to find the plugin for the integration URL.', `plugin_id=${pluginPath[1]}`);
    const r = await requestPlugin(deps.gateway, pluginPath[2] || '/', userId, payload);
    return {status: r.status, body: r.body};
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new HttpError(400, ACTION_ERROR, 'The integration URL must be http or https.', `url=${rawURL}`);
  if (!isLoopback(target.hostname)) {
    throw new HttpError(400, ACTION_ERROR, 'The sandbox only calls integrations on this machine (localhost, 127.0.0.1, ::1).', `url=${rawURL}`);
  }
  try {
    const res = await fetch(target, {method: 'POST', headers: {'Content-Type': 'application/json', Accept: 'application/json'}, body: payload, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual'});
    return {status: res.status, body: Buffer.from(await res.arrayBuffer())};
  } catch (err) {
    throw new HttpError(400, ACTION_ERROR, 'Unable to reach the integration.', err instanceof Error ? err.message : String(err));
  }
}

function parseObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export interface ActionResult {
  status: 'OK';
  trigger_id: string;
  goto_location?: string;
}

/** App.DoPostActionWithCookie. */
export async function doPostAction(deps: IntegrationDeps, user: User, postId: string, actionId: string, selectedOption: string): Promise<ActionResult> {
  const {mm} = deps;
  const post = mm.posts.get(postId);
  if (!post || post.DeleteAt) throw new HttpError(404, 'app.post.get.app_error', 'Unable to get post.', `id=${postId}`);
  if (!(await mm.hasPermissionToChannel(user.Id, post.ChannelId ?? '', 'read_channel'))) {
    throw new HttpError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');
  }
  const action = findAction(post, actionId);
  if (!action || !action.integration?.url) throw new HttpError(404, 'api.post.do_action.action_id.app_error', 'Invalid action id.', `action_id=${actionId}`);
  const channel = mm.channels.get(post.ChannelId ?? '');
  const team = mm.teams.get(channel?.TeamId ?? '');
  const triggerId = deps.triggers.issue(user.Id);
  const context: Record<string, unknown> = {...(action.integration.context ?? {})};
  if (action.type === 'select') context.selected_option = selectedOption;
  const request = {
    user_id: user.Id,
    user_name: user.Username,
    channel_id: post.ChannelId ?? '',
    channel_name: channel?.Name ?? '',
    team_id: team?.Id ?? '',
    team_domain: team?.Name ?? '',
    post_id: postId,
    trigger_id: triggerId,
    type: action.type ?? 'button',
    data_source: action.data_source ?? '',
    context,
  };
  const answer = await doActionRequest(deps, action.integration.url, user.Id, request);
  if (answer.status !== 200) throw new HttpError(400, ACTION_ERROR, 'Action integration error.', `status=${answer.status}`);
  const response = parseObject(answer.body);

  const update = response.update;
  if (update && typeof update === 'object' && !Array.isArray(update)) {
    await applyUpdate(deps, post, update as Record<string, unknown>);
  }
  if (typeof response.ephemeral_text === 'string' && response.ephemeral_text) {
    const ephemeral: Post = {
      ChannelId: post.ChannelId ?? '',
      RootId: post.RootId || post.Id || '',
      UserId: post.UserId ?? '',
      Message: response.ephemeral_text,
      Props: Object.fromEntries(RETAINED_PROP_KEYS.filter((k) => post.Props?.[k] !== undefined).map((k) => [k, post.Props![k]])),
    };
    await mm.sendEphemeralPost(user.Id, ephemeral);
  }
  const result: ActionResult = {status: 'OK', trigger_id: triggerId};
  if (typeof response.goto_location === 'string' && response.goto_location) result.goto_location = response.goto_location;
  return result;
}

/** The update replaces what it gives and keeps the rest, except props an action may not change. */
async function applyUpdate(deps: IntegrationDeps, post: Post, update: Record<string, unknown>): Promise<void> {
  const next: Post = structuredClone(post);
  if (typeof update.message === 'string') next.Message = update.message;
  if (update.props && typeof update.props === 'object' && !Array.isArray(update.props)) next.Props = {...(update.props as Record<string, unknown>)};
  if (Array.isArray(update.file_ids)) next.FileIds = update.file_ids.map(String);
  const props = {...(next.Props ?? {})};
  for (const key of RETAINED_PROP_KEYS) {
    if (post.Props?.[key] !== undefined) props[key] = post.Props[key];
    else delete props[key];
  }
  next.Props = props;
  await deps.mm.updatePost(next);
  deps.changed();
}

/** App.SubmitInteractiveDialog: the integration's answer goes back as it is. */
export async function submitDialog(deps: IntegrationDeps, user: User, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const url = typeof body.url === 'string' ? body.url : '';
  if (!url) throw new HttpError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing url in request body.');
  const request = {...body, user_id: user.Id};
  delete (request as Record<string, unknown>).url;
  const answer = await doActionRequest(deps, url, user.Id, {...request, type: body.type ?? 'dialog_submission'});
  if (answer.status !== 200) throw new HttpError(400, ACTION_ERROR, 'Dialog integration error.', `status=${answer.status}`);
  return parseObject(answer.body);
}

/** App.LookupInteractiveDialog: dynamic select options. */
export async function lookupDialog(deps: IntegrationDeps, user: User, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const url = typeof body.url === 'string' ? body.url : '';
  if (!url) throw new HttpError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing url in request body.');
  const request = {...body, user_id: user.Id, type: 'dialog_lookup'};
  delete (request as Record<string, unknown>).url;
  const answer = await doActionRequest(deps, url, user.Id, request);
  if (answer.status !== 200) throw new HttpError(400, ACTION_ERROR, 'Dialog lookup integration error.', `status=${answer.status}`);
  const parsed = parseObject(answer.body);
  return {items: Array.isArray(parsed.items) ? parsed.items : []};
}
