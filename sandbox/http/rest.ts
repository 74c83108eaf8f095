// Go model values as Mattermost's REST API writes them: the JSON tags of
// server/public/model (snake_case), and a post's action integrations stripped.

import type {Channel, Dialog, DialogElement, Post, Team, User} from '../../server/mattermost/model.js';
import {stripActionIntegrations} from '../host/posts.js';

const n = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0);

export interface RestPost {
  id: string;
  create_at: number;
  update_at: number;
  edit_at: number;
  delete_at: number;
  is_pinned: boolean;
  user_id: string;
  channel_id: string;
  root_id: string;
  original_id: string;
  message: string;
  type: string;
  props: Record<string, unknown>;
  hashtags: string;
  file_ids: string[];
  pending_post_id: string;
  metadata: Record<string, unknown>;
}

export function restPost(p: Post): RestPost {
  return {
    id: p.Id ?? '',
    create_at: n(p.CreateAt),
    update_at: n(p.UpdateAt),
    edit_at: n(p.EditAt),
    delete_at: n(p.DeleteAt),
    is_pinned: p.IsPinned ?? false,
    user_id: p.UserId ?? '',
    channel_id: p.ChannelId ?? '',
    root_id: p.RootId ?? '',
    original_id: p.OriginalId ?? '',
    message: p.Message ?? '',
    type: p.Type ?? '',
    props: stripActionIntegrations(p.Props ?? {}),
    hashtags: p.Hashtags ?? '',
    file_ids: p.FileIds ?? [],
    pending_post_id: p.PendingPostId ?? '',
    metadata: {},
  };
}

export function restUser(u: User): Record<string, unknown> {
  return {
    id: u.Id,
    create_at: n(u.CreateAt),
    update_at: n(u.UpdateAt),
    delete_at: n(u.DeleteAt),
    username: u.Username,
    auth_service: u.AuthService ?? '',
    email: u.Email ?? '',
    email_verified: u.EmailVerified ?? true,
    nickname: u.Nickname ?? '',
    first_name: u.FirstName ?? '',
    last_name: u.LastName ?? '',
    position: u.Position ?? '',
    roles: u.Roles ?? 'system_user',
    locale: u.Locale || 'en',
    props: u.Props ?? {},
    notify_props: u.NotifyProps ?? {},
    timezone: u.Timezone ?? {},
    is_bot: u.IsBot ?? false,
    ...(u.IsBot ? {bot_description: u.BotDescription ?? ''} : {}),
  };
}

export function restChannel(c: Channel): Record<string, unknown> {
  return {
    id: c.Id,
    create_at: n(c.CreateAt),
    update_at: n(c.UpdateAt),
    delete_at: n(c.DeleteAt),
    team_id: c.TeamId ?? '',
    type: c.Type,
    display_name: c.DisplayName ?? '',
    name: c.Name,
    header: c.Header ?? '',
    purpose: c.Purpose ?? '',
    last_post_at: n(c.LastPostAt),
    total_msg_count: n(c.TotalMsgCount),
    creator_id: c.CreatorId ?? '',
  };
}

export function restTeam(t: Team): Record<string, unknown> {
  return {
    id: t.Id,
    create_at: n(t.CreateAt),
    update_at: n(t.UpdateAt),
    delete_at: n(t.DeleteAt),
    display_name: t.DisplayName ?? t.Name,
    name: t.Name,
    description: t.Description ?? '',
    email: t.Email ?? '',
    type: t.Type ?? 'O',
    allow_open_invite: t.AllowOpenInvite ?? false,
  };
}

function restElement(e: DialogElement): Record<string, unknown> {
  return {
    display_name: e.DisplayName ?? '',
    name: e.Name ?? '',
    type: e.Type ?? '',
    subtype: e.SubType ?? '',
    default: e.Default ?? '',
    placeholder: e.Placeholder ?? '',
    help_text: e.HelpText ?? '',
    optional: e.Optional ?? false,
    min_length: n(e.MinLength),
    max_length: n(e.MaxLength),
    data_source: e.DataSource ?? '',
    data_source_url: (e as DialogElement & {DataSourceURL?: string}).DataSourceURL ?? '',
    options: (e.Options ?? []).map((o) => ({text: o.Text ?? '', value: o.Value ?? ''})),
    multiselect: e.MultiSelect ?? false,
  };
}

/** model.Dialog's JSON, as the webapp receives it with the open_dialog event. */
export function restDialog(d: Dialog): Record<string, unknown> {
  return {
    callback_id: d.CallbackId ?? '',
    title: d.Title ?? '',
    introduction_text: d.IntroductionText ?? '',
    icon_url: d.IconURL ?? '',
    elements: (d.Elements ?? []).map(restElement),
    submit_label: d.SubmitLabel ?? '',
    notify_on_cancel: d.NotifyOnCancel ?? false,
    state: d.State ?? '',
  };
}

/** JSON that survives values gob can produce (int64 beyond 2^53 arrives as bigint). */
export function toJSON(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}
