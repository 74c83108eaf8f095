// Creating the posts of a webhook (both directions), as Mattermost's
// CreateWebhookPost does: Slack links become Markdown, the post is marked as
// coming from a webhook, username/icon overrides apply only as far as the
// settings allow, caller props cannot forge the identity props, attachments go
// under props.attachments, and long text is split into several posts.

import type {PluginAPI} from '../mattermost/api.js';
import {AppError, UNSENDABLE_ARGUMENTS} from '../mattermost/api.js';
import type {Post, PostPriority} from '../mattermost/model.js';
import {HookError} from './errors.js';
import {messageLinksToMarkdown, type Attachment} from './slack.js';
import {DEFAULT_MAX_POST_RUNES, splitWebhookPost} from './split.js';

/** Who a hook posts as when username overrides are on and nobody chose a name (model.DefaultWebhookUsername). */
export const DEFAULT_WEBHOOK_USERNAME = 'webhook';
export const SLACK_ATTACHMENT_TYPE = 'slack_attachment';
/** Marks this plugin's posts, so its outgoing hooks never react to them even where the server strips from_webhook. */
export const HOOK_ID_PROP = 'hookbridge_hook_id';

/**
 * Props a caller may not set: they decide how the post is shown and who it
 * seems to come from. Mattermost forgets override_icon_emoji here; it is
 * stripped too, so icon overrides stay an administrator's decision.
 */
const PROTECTED_PROPS = new Set(['attachments', 'from_webhook', 'override_username', 'override_icon_url', 'override_icon_emoji', 'from_bot', 'from_plugin', 'from_oauth_app', HOOK_ID_PROP]);

export interface PostSettings {
  readonly enablePostUsernameOverride: boolean;
  readonly enablePostIconOverride: boolean;
  readonly maxPostRunes?: number;
  /** Validates attachments and routes their actions (interactive messages); throws a HookError. */
  readonly prepareAttachments?: (attachments: Attachment[], hookId: string) => Promise<Attachment[]>;
  /** Offers a dialog from an outgoing-webhook reply to the user who triggered it. */
  readonly offerDialog?: (offer: DialogOffer) => Promise<void>;
}

export interface DialogOffer {
  dialog: Record<string, unknown>;
  url: string;
  hookId: string;
  userId: string;
  channelId: string;
  rootId: string;
}

export interface WebhookPostRequest {
  hookId: string;
  /** The hook's owner, who the post is authored by. */
  userId: string;
  channelId: string;
  rootId: string;
  /** Already through ProcessSlackText. */
  text: string;
  overrideUsername: string;
  overrideIconUrl: string;
  overrideIconEmoji: string;
  props: Record<string, unknown>;
  attachments: Attachment[];
  type: string;
  priority: PostPriority | null;
}

const PRIORITIES = ['', 'important', 'urgent'];

/** Reads a request's `priority` object (model.PostPriority); throws 400 like Mattermost when `priority.priority` is missing. */
export function parsePriority(raw: unknown): PostPriority | null {
  if (raw === undefined || raw === null) return null;
  const invalid = (message: string): HookError => HookError.badRequest('api.context.invalid_param.app_error', message, 'priority');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('priority must be an object.');
  const p = raw as Record<string, unknown>;
  if (typeof p.priority !== 'string') throw invalid('priority.priority is required: "", "important" or "urgent".');
  if (!PRIORITIES.includes(p.priority)) throw invalid(`priority.priority must be "", "important" or "urgent", not ${JSON.stringify(p.priority)}.`);
  for (const key of ['requested_ack', 'persistent_notifications']) {
    if (p[key] !== undefined && p[key] !== null && typeof p[key] !== 'boolean') throw invalid(`priority.${key} must be true or false.`);
  }
  if (p.persistent_notifications === true && p.priority !== 'urgent') throw invalid('Persistent notifications are only available for urgent messages.');
  return {Priority: p.priority, RequestedAck: p.requested_ack === true, PersistentNotifications: p.persistent_notifications === true};
}

/** Post types a webhook may use: none, Slack attachments, or a plugin's custom_ type. */
export function checkPostType(type: string, allowSlackAttachment: boolean): void {
  if (type === '' || type.startsWith('custom_') || (allowSlackAttachment && type === SLACK_ATTACHMENT_TYPE)) return;
  const message = type.startsWith('system_') ? `The post type ${type} is reserved for system messages.` : `The post type ${type} is not allowed: use a custom_ type.`;
  throw HookError.badRequest('api.context.invalid_param.app_error', message, 'type');
}

/** Builds the posts of a webhook message, without creating them. */
export function buildWebhookPosts(settings: PostSettings, req: WebhookPostRequest): Post[] {
  const message = messageLinksToMarkdown(req.text);
  if (req.type.startsWith('system_')) checkPostType(req.type, true);
  const props: Record<string, unknown> = {from_webhook: 'true'};
  if (settings.enablePostUsernameOverride) props.override_username = req.overrideUsername || DEFAULT_WEBHOOK_USERNAME;
  if (settings.enablePostIconOverride) {
    if (req.overrideIconUrl) props.override_icon_url = req.overrideIconUrl;
    if (req.overrideIconEmoji) props.override_icon_emoji = req.overrideIconEmoji;
  }
  for (const [key, value] of Object.entries(req.props)) if (!PROTECTED_PROPS.has(key) && value !== undefined) props[key] = value;
  props[HOOK_ID_PROP] = req.hookId;
  let type = req.type;
  if (req.attachments.length > 0 && type === '') type = SLACK_ATTACHMENT_TYPE;

  const pieces = splitWebhookPost({message, props, attachments: req.attachments}, settings.maxPostRunes ?? DEFAULT_MAX_POST_RUNES);
  return pieces.map((piece) => {
    const post: Post = {UserId: req.userId, ChannelId: req.channelId, Message: piece.message, Props: piece.props};
    if (type) post.Type = type;
    if (req.rootId) post.RootId = req.rootId;
    if (req.priority) post.Metadata = {Priority: {...req.priority}};
    return post;
  });
}

/**
 * Creates the posts; the first failure stops and is reported as Mattermost
 * reports it (500), except a post the plugin API could not even send (props
 * nested past what the protocol carries): that is the payload's fault, a 400.
 */
export async function createWebhookPost(api: PluginAPI, settings: PostSettings, req: WebhookPostRequest): Promise<Post[]> {
  const created: Post[] = [];
  const attachments = settings.prepareAttachments && req.attachments.length > 0 ? await settings.prepareAttachments(req.attachments, req.hookId) : req.attachments;
  for (const post of buildWebhookPosts(settings, {...req, attachments})) {
    try {
      created.push(await api.createPost(post));
    } catch (err) {
      const detail = err instanceof AppError ? err.toString() : err instanceof Error ? err.message : String(err);
      const status = err instanceof AppError && err.id === UNSENDABLE_ARGUMENTS ? 400 : 500;
      throw new HookError(status, 'api.post.create_webhook_post.creating.app_error', `The post could not be created: ${err instanceof Error ? err.message : String(err)}`, undefined, detail);
    }
  }
  return created;
}
