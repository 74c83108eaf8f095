// Post rules the server applies whoever creates the post (model/post.go):
// validation, ids for attachment actions, and what clients may not see.

import {newId} from '../../server/mattermost/memory.js';
import type {Post} from '../../server/mattermost/model.js';
import {appError, type GoAppError} from './app-error.js';

export const POST_MESSAGE_MAX_RUNES = 16383;

/** Props a post action's update may not change (model.PostActionRetainPropKeys). */
export const RETAINED_PROP_KEYS = ['from_webhook', 'override_username', 'override_icon_url'] as const;

export function isValidId(s: string | undefined): boolean {
  return typeof s === 'string' && /^[a-z0-9]{26}$/i.test(s);
}

function invalid(field: string, id: string): GoAppError {
  return appError('Post.IsValid', `model.post.is_valid.${field}.app_error`, `Invalid ${field.replace(/_/g, ' ')}.`, `id=${id}`, 400);
}

/** Post.IsValid, as far as a plugin or a REST client can trip it; `id` is what the error names. */
export function validatePost(p: Post, id: string = p.Id ?? ''): GoAppError | null {
  if (!isValidId(p.UserId)) return invalid('user_id', id);
  if (!isValidId(p.ChannelId)) return invalid('channel_id', id);
  if (p.RootId && !isValidId(p.RootId)) return invalid('root_id', id);
  const message = p.Message ?? '';
  // A string has at least as many UTF-16 units as runes: only a long one needs counting.
  if (message.length > POST_MESSAGE_MAX_RUNES && [...message].length > POST_MESSAGE_MAX_RUNES) return invalid('message_length', id);
  const type = p.Type ?? '';
  if (type && !type.startsWith('custom_') && !type.startsWith('system_') && type !== 'slack_attachment') return invalid('type', id);
  return null;
}

export interface RawAction {
  id?: string;
  name?: string;
  type?: string;
  data_source?: string;
  integration?: {url?: string; context?: Record<string, unknown>};
  [k: string]: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function actionsOf(props: Record<string, unknown> | undefined): RawAction[] {
  const attachments = props?.attachments;
  if (!Array.isArray(attachments)) return [];
  const out: RawAction[] = [];
  for (const a of attachments) {
    if (!isRecord(a) || !Array.isArray(a.actions)) continue;
    for (const action of a.actions) if (isRecord(action)) out.push(action as RawAction);
  }
  return out;
}

/** Post.GenerateActionIds: every attachment action gets an id the client can click by. */
export function generateActionIds(post: Post): void {
  for (const action of actionsOf(post.Props)) {
    if (!action.id) action.id = newId();
  }
}

export function findAction(post: Post, actionId: string): RawAction | null {
  return actionsOf(post.Props).find((a) => a.id === actionId) ?? null;
}

/** Post.StripActionIntegrations: clients never see where an action posts to. */
export function stripActionIntegrations(props: Record<string, unknown>): Record<string, unknown> {
  const attachments = props.attachments;
  if (!Array.isArray(attachments)) return props;
  return {
    ...props,
    attachments: attachments.map((a: unknown) => {
      if (!isRecord(a) || !Array.isArray(a.actions)) return a;
      return {...a, actions: a.actions.map((x: unknown) => (isRecord(x) ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'integration')) : x))};
    }),
  };
}
