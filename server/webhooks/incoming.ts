// Turning an incoming webhook request into posts (Mattermost's
// HandleIncomingWebhook): text or attachments required, the channel override
// (name, #name, @username for a direct message with the hook's owner), the
// channel lock, the owner's read access to non-public channels, overrides,
// props, type and priority. Every refusal is a HookError with Mattermost's
// status code and a message that says what to fix.

import type {PluginConfig} from '../config.js';
import type {PluginAPI} from '../mattermost/api.js';
import {AppError} from '../mattermost/api.js';
import type {Channel, Post, User} from '../mattermost/model.js';
import {HookError} from './errors.js';
import type {IncomingRequest} from './incoming-parse.js';
import type {IncomingHook} from './model.js';
import {usernameLookup} from './responses.js';
import {AttachmentError, processAttachments, processSlackText} from './slack.js';
import {checkPostType, createWebhookPost, parsePriority, SLACK_ATTACHMENT_TYPE} from './webhook-post.js';

function isNotFound(err: unknown): boolean {
  return err instanceof AppError && err.statusCode === 404;
}

/** Checks that need only the request: Mattermost makes them before it looks at the hook. */
export function checkIncomingRequest(req: IncomingRequest): void {
  if (req.text === '' && req.attachments === null) {
    throw HookError.badRequest('web.incoming_webhook.text.app_error', 'No text specified: send "text" or "attachments".');
  }
}

/**
 * The lookups every request to a hook needs unless its payload picks another
 * channel, started before the payload has arrived so their round trip overlaps
 * the body's. Failures surface only where handleIncoming awaits them.
 */
export interface IncomingLookups {
  channel: Promise<Channel>;
  owner: Promise<User>;
}

/**
 * Recent reads of channels and users to answer from instead of asking the
 * server on every request to a busy hook. Like the server's own channel and user
 * caches, an answer may lag a change by a moment (at most a second as wired in
 * plugin.ts); the hook itself is never read from them.
 */
export interface RecentLookups {
  channel(id: string): Promise<Channel>;
  user(id: string): Promise<User>;
}

export function startLookups(api: PluginAPI, hook: IncomingHook, recent?: RecentLookups): IncomingLookups {
  const lookups = recent ? {channel: recent.channel(hook.channel_id), owner: recent.user(hook.user_id)} : {channel: api.getChannel(hook.channel_id), owner: api.getUser(hook.user_id)};
  // Not awaited when the request fails earlier (or names another channel): never an unhandled rejection.
  lookups.channel.catch(() => undefined);
  lookups.owner.catch(() => undefined);
  return lookups;
}

async function resolveChannel(api: PluginAPI, hook: IncomingHook, name: string, started?: Promise<Channel>): Promise<Channel> {
  if (name === '') {
    try {
      return await (started ?? api.getChannel(hook.channel_id));
    } catch (err) {
      if (isNotFound(err)) throw HookError.notFound('app.channel.get.existing.app_error', "The webhook's channel no longer exists.");
      throw err;
    }
  }
  if (name.startsWith('@')) {
    let userId: string;
    try {
      userId = (await api.getUserByUsername(name.slice(1))).Id;
    } catch (err) {
      if (isNotFound(err)) throw HookError.badRequest('web.incoming_webhook.user.app_error', `There is no user ${name} to send a direct message to.`);
      throw err;
    }
    return api.getDirectChannel(hook.user_id, userId);
  }
  const channelName = name.startsWith('#') ? name.slice(1) : name;
  try {
    return await api.getChannelByName(hook.team_id, channelName, true);
  } catch (err) {
    if (isNotFound(err)) throw HookError.notFound('web.incoming_webhook.channel.app_error', `Couldn't find the channel ${JSON.stringify(channelName)} in the webhook's team.`);
    throw err;
  }
}

export async function handleIncoming(api: PluginAPI, config: PluginConfig, hook: IncomingHook, req: IncomingRequest, lookups?: IncomingLookups): Promise<Post[]> {
  checkIncomingRequest(req);
  // The channel and the owner are independent lookups, so both are asked at
  // once (or were, by startLookups); their outcomes are then judged in
  // Mattermost's order (channel, lock, owner), so a request gets the same
  // answer as with one lookup after the other.
  const [resolved, owner] = await Promise.allSettled([resolveChannel(api, hook, req.channel, lookups?.channel), lookups?.owner ?? api.getUser(hook.user_id)]);
  if (resolved.status === 'rejected') throw resolved.reason;
  const channel = resolved.value;
  if (hook.channel_locked && channel.Id !== hook.channel_id) {
    throw HookError.forbidden('web.incoming_webhook.channel_locked.app_error', 'This webhook is locked to its channel and cannot post to another one.');
  }
  if (owner.status === 'rejected') {
    if (isNotFound(owner.reason)) throw HookError.forbidden('web.incoming_webhook.user.app_error', "The webhook's owner no longer exists.");
    throw owner.reason;
  }
  if (channel.Type !== 'O' && !(await api.hasPermissionToChannel(hook.user_id, channel.Id, 'read_channel'))) {
    throw HookError.forbidden('web.incoming_webhook.permissions.app_error', "The webhook's owner cannot post in that channel.");
  }

  const lookup = usernameLookup(api);
  let attachments;
  try {
    attachments = await processAttachments(req.attachments ?? [], lookup);
  } catch (err) {
    if (err instanceof AttachmentError) throw new HookError(400, 'model.incoming_hook.parse_data.app_error', `Unable to parse incoming data: ${err.message}`);
    throw err;
  }
  // Attachments make it a Slack attachment post whatever type was asked for.
  const type = req.attachments !== null && req.attachments.length > 0 ? SLACK_ATTACHMENT_TYPE : req.type;
  checkPostType(type, true);
  const priority = parsePriority(req.priority);
  const rootId = req.root_id ? await threadRoot(api, req.root_id, channel.Id) : '';

  return createWebhookPost(api, config, {
    hookId: hook.id,
    userId: hook.user_id,
    channelId: channel.Id,
    rootId,
    text: await processSlackText(req.text, lookup),
    overrideUsername: req.username || hook.username,
    overrideIconUrl: req.icon_url || hook.icon_url,
    overrideIconEmoji: req.icon_emoji,
    // Mattermost's own switches for posts that should not notify: mentions and @channel/@here/@all.
    props: {...(req.props ?? {}), ...(req.silent ? {mentionHighlightDisabled: true, disable_group_highlight: true} : {}), webhook_display_name: hook.display_name},
    attachments,
    type,
    priority,
  });
}

/** root_id must name a post of the target channel; a reply stands for its thread's root. */
async function threadRoot(api: PluginAPI, rootId: string, channelId: string): Promise<string> {
  let post: Post;
  try {
    post = await api.getPost(rootId);
  } catch (err) {
    if (isNotFound(err)) throw HookError.badRequest('api.post.create_post.root_id.app_error', `root_id ${rootId} is not a post.`, 'root_id');
    throw err;
  }
  if (post.ChannelId !== channelId) throw HookError.badRequest('api.post.create_post.root_id.app_error', 'root_id must be a post of the channel the message goes to.', 'root_id');
  return post.RootId || post.Id || rootId;
}
