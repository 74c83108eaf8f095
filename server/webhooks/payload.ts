// The request body an outgoing hook sends (model.OutgoingWebhookPayload): JSON
// when the hook's content type is exactly application/json, form encoding
// otherwise. `timestamp` is milliseconds in JSON and seconds in forms, and
// `file_ids` is a comma-separated string, as in Mattermost. Hooks that use
// Hookbridge's extensions also get root_id, channel_type and edited.

import type {Channel, Post, Team, User} from '../mattermost/model.js';
import {goMarshalStruct} from './go-json.js';
import {CONTENT_TYPE_FORM, CONTENT_TYPE_JSON, isJSONContentType, usesExtensions, type OutgoingEvent, type OutgoingHook} from './model.js';

export interface OutgoingPayload {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  /** Milliseconds; forms carry seconds. */
  timestamp: number;
  user_id: string;
  user_name: string;
  post_id: string;
  text: string;
  trigger_word: string;
  file_ids: string;
  root_id?: string;
  channel_type?: string;
  edited?: boolean;
}

export interface PayloadSource {
  hook: OutgoingHook;
  /** The hook's team (team_domain is its name). */
  team: Pick<Team, 'Id' | 'Name'>;
  channel: Pick<Channel, 'Id' | 'Name' | 'Type'>;
  user: Pick<User, 'Id' | 'Username'>;
  post: Post;
  triggerWord: string;
  event: OutgoingEvent | 'test';
}

export function buildPayload(src: PayloadSource): OutgoingPayload {
  const {hook, team, channel, user, post} = src;
  const edited = src.event === 'edited';
  const payload: OutgoingPayload = {
    token: hook.token,
    team_id: hook.team_id,
    team_domain: team.Name,
    channel_id: post.ChannelId ?? channel.Id,
    channel_name: channel.Name,
    // An edit is reported at the time it happened; a new post at its creation.
    timestamp: edited ? post.EditAt || post.UpdateAt || post.CreateAt || 0 : post.CreateAt || 0,
    user_id: post.UserId ?? user.Id,
    user_name: user.Username,
    post_id: post.Id ?? '',
    text: post.Message ?? '',
    trigger_word: src.triggerWord,
    file_ids: (post.FileIds ?? []).join(','),
  };
  if (usesExtensions(hook)) {
    payload.root_id = post.RootId ?? '';
    payload.channel_type = channel.Type;
    payload.edited = edited;
  }
  return payload;
}

/** url.QueryEscape: unreserved characters are letters, digits and - _ . ~; space is +. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** url.Values.Encode: keys sorted. */
export function formEncode(values: Record<string, string>): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${queryEscape(k)}=${queryEscape(values[k]!)}`)
    .join('&');
}

export function toFormValues(p: OutgoingPayload): Record<string, string> {
  const values: Record<string, string> = {
    token: p.token,
    team_id: p.team_id,
    team_domain: p.team_domain,
    channel_id: p.channel_id,
    channel_name: p.channel_name,
    // Go divides int64 milliseconds by 1000: truncation, not rounding.
    timestamp: String(Math.trunc(p.timestamp / 1000)),
    user_id: p.user_id,
    user_name: p.user_name,
    post_id: p.post_id,
    text: p.text,
    trigger_word: p.trigger_word,
    file_ids: p.file_ids,
  };
  if (p.root_id !== undefined) values.root_id = p.root_id;
  if (p.channel_type !== undefined) values.channel_type = p.channel_type;
  if (p.edited !== undefined) values.edited = String(p.edited);
  return values;
}

export function encodePayload(payload: OutgoingPayload, hookContentType: string): {contentType: string; body: Uint8Array} {
  if (isJSONContentType(hookContentType)) return {contentType: CONTENT_TYPE_JSON, body: new TextEncoder().encode(goMarshalStruct(payload))};
  return {contentType: CONTENT_TYPE_FORM, body: new TextEncoder().encode(formEncode(toFormValues(payload)))};
}
