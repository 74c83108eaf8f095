// What a callback's reply turns into (Mattermost's TriggerWebhook response
// handling). The HTTP status is ignored; an empty body means no post; a post is
// made when `text` is present (even "") or there are attachments. Both the
// direct sender and the delivery queue call this, so replies behave the same
// however they were delivered.

import type {PluginAPI} from '../mattermost/api.js';
import type {Post} from '../mattermost/model.js';
import {HookError} from './errors.js';
import type {OutgoingHook} from './model.js';
import {AttachmentError, processAttachments, processSlackText, type UsernameLookup} from './slack.js';
import {checkPostType, createWebhookPost, parsePriority, type PostSettings} from './webhook-post.js';

export interface ResponseContext {
  readonly api: PluginAPI;
  readonly settings: PostSettings;
  readonly hook: OutgoingHook;
  /** The post that triggered the hook. */
  readonly post: Post;
  readonly channelId: string;
}

export class ResponseError extends Error {
  override name = 'ResponseError';
}

interface ParsedResponse {
  text: string | null;
  username: string;
  iconURL: string;
  props: Record<string, unknown>;
  attachments: unknown[];
  type: string;
  responseType: string;
  priority: unknown;
  /** Beyond native: a dialog the triggering user can open, and where its submission goes. */
  dialog: Record<string, unknown> | null;
  dialogURL: string;
}

function field<T>(obj: Record<string, unknown>, key: string, check: (v: unknown) => v is T, want: string): T | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new ResponseError(`the response's ${key} must be ${want}`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/** Decodes a reply body (model.OutgoingWebhookResponse); null when there is nothing to post. */
export function parseResponse(body: Uint8Array): ParsedResponse | null {
  const text = new TextDecoder().decode(body);
  if (text.trim() === '') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ResponseError(`the response is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw === null) return null;
  if (!isObject(raw)) throw new ResponseError('the response must be a JSON object');
  return {
    text: field(raw, 'text', isString, 'a string') ?? null,
    username: field(raw, 'username', isString, 'a string') ?? '',
    iconURL: field(raw, 'icon_url', isString, 'a string') ?? '',
    props: field(raw, 'props', isObject, 'an object') ?? {},
    attachments: field(raw, 'attachments', isArray, 'an array') ?? [],
    type: field(raw, 'type', isString, 'a string') ?? '',
    responseType: field(raw, 'response_type', isString, 'a string') ?? '',
    priority: raw.priority,
    dialog: field(raw, 'dialog', isObject, 'an object') ?? null,
    dialogURL: field(raw, 'dialog_url', isString, 'a string') ?? '',
  };
}

export function usernameLookup(api: PluginAPI): UsernameLookup {
  return async (id) => {
    try {
      return (await api.getUser(id)).Username;
    } catch {
      return null;
    }
  };
}

/**
 * Applies a callback's reply. Returns the created posts (none when the reply
 * asks for nothing); throws ResponseError or HookError for replies that cannot
 * become a post, for the caller to log.
 */
export async function applyOutgoingResponse(ctx: ResponseContext, body: Uint8Array): Promise<Post[]> {
  const resp = parseResponse(body);
  if (resp?.dialog && ctx.settings.offerDialog) {
    // Outgoing requests carry no trigger id, so the dialog is offered as a button only the poster sees.
    await ctx.settings.offerDialog({dialog: resp.dialog, url: resp.dialogURL || ctx.hook.callback_urls[0] || '', hookId: ctx.hook.id, userId: ctx.post.UserId ?? '', channelId: ctx.channelId, rootId: ctx.post.RootId || ctx.post.Id || ''});
  }
  if (!resp || (resp.text === null && resp.attachments.length === 0)) return [];
  const lookup = usernameLookup(ctx.api);
  let attachments;
  try {
    attachments = await processAttachments(resp.attachments, lookup);
  } catch (err) {
    if (err instanceof AttachmentError) throw new ResponseError(`the response's attachments are invalid: ${err.message}`);
    throw err;
  }
  checkPostType(resp.type, false);
  const priority = parsePriority(resp.priority);
  const {hook, post, settings} = ctx;
  const override = (given: string, hookDefault: string, enabled: boolean): string => given || (enabled ? hookDefault : '');
  return createWebhookPost(ctx.api, settings, {
    hookId: hook.id,
    userId: hook.creator_id,
    channelId: ctx.channelId,
    // A comment goes into the thread of the triggering post, which for a reply is its root.
    rootId: resp.responseType === 'comment' ? post.RootId || post.Id || '' : '',
    text: resp.text === null ? '' : await processSlackText(resp.text, lookup),
    overrideUsername: override(resp.username, hook.username, settings.enablePostUsernameOverride),
    overrideIconUrl: override(resp.iconURL, hook.icon_url, settings.enablePostIconOverride),
    overrideIconEmoji: '',
    props: {...resp.props, webhook_display_name: hook.display_name},
    attachments,
    type: resp.type,
    priority,
  });
}

/** Describes a failure to apply a reply, for the log line. */
export function describeResponseFailure(err: unknown): string {
  if (err instanceof HookError) return err.detailedError ? `${err.message} (${err.detailedError})` : err.message;
  return err instanceof Error ? err.message : String(err);
}
