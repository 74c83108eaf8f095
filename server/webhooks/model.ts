// Incoming and outgoing hooks as stored and as served by the REST API. JSON field
// names follow Mattermost's own REST API (model/incoming_webhook.go,
// model/outgoing_webhook.go); fields beyond it are Hookbridge's opt-in extensions
// whose defaults give exactly the built-in behaviour.

export type MatchMode = 'first_word' | 'anywhere' | 'regex';
export type OutgoingEvent = 'posted' | 'edited';
export type HookChannelType = 'O' | 'P' | 'D' | 'G';
export type SignatureMode = 'none' | 'github' | 'slack';
export type HookKind = 'incoming' | 'outgoing';

/** For kinds read back from JSON written by another node (cluster events, change records). */
export function isHookKind(value: unknown): value is HookKind {
  return value === 'incoming' || value === 'outgoing';
}

export const MATCH_MODES: readonly MatchMode[] = ['first_word', 'anywhere', 'regex'];
export const OUTGOING_EVENTS: readonly OutgoingEvent[] = ['posted', 'edited'];
export const CHANNEL_TYPES: readonly HookChannelType[] = ['O', 'P', 'D', 'G'];
export const SIGNATURE_MODES: readonly SignatureMode[] = ['none', 'github', 'slack'];

export const CONTENT_TYPE_JSON = 'application/json';
export const CONTENT_TYPE_FORM = 'application/x-www-form-urlencoded';

/** trigger_when: 0 = first word equals a trigger, 1 = first word starts with one. */
export type TriggerWhen = 0 | 1;

export interface MatchOptions {
  mode: MatchMode;
  case_insensitive: boolean;
  pattern?: string;
}

export interface OutgoingHook {
  id: string;
  token: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  creator_id: string;
  channel_id: string;
  team_id: string;
  trigger_words: string[];
  trigger_when: TriggerWhen;
  callback_urls: string[];
  display_name: string;
  description: string;
  content_type: string;
  username: string;
  icon_url: string;
  enabled: boolean;
  disabled_reason?: string;
  match: MatchOptions;
  events: OutgoingEvent[];
  channel_types: HookChannelType[];
  headers: Record<string, string>;
  signing_secret?: string;
  /** Still accepted by receivers until previous_secret_expires_at; never served. */
  previous_secret?: string;
  previous_secret_expires_at?: number;
  max_attempts: number;
}

export interface IncomingHook {
  id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  user_id: string;
  channel_id: string;
  team_id: string;
  display_name: string;
  description: string;
  username: string;
  icon_url: string;
  channel_locked: boolean;
  enabled: boolean;
  signature: {mode: SignatureMode; secret?: string};
  allowed_ips: string[];
  /** 0 means unlimited. */
  rate_limit: {per_minute: number};
}

/** What GET returns for an incoming hook: the stored hook plus its URL. */
export type IncomingHookView = IncomingHook & {url: string};

/** A hook created without max_attempts is tried once, as Mattermost does; the webapp asks for more. */
export const DEFAULT_MAX_ATTEMPTS = 1;

/** Native outgoing hooks: first-word matching, posts only, public channels only. */
export function defaultMatch(): MatchOptions {
  return {mode: 'first_word', case_insensitive: false};
}

/**
 * Whether a hook uses anything beyond the built-in outgoing webhooks. Only such
 * hooks get the extra payload fields, so receivers of plain hooks see exactly
 * the payload Mattermost sends.
 */
export function usesExtensions(hook: OutgoingHook): boolean {
  return (
    hook.match.mode !== 'first_word' ||
    hook.match.case_insensitive ||
    hook.events.length !== 1 ||
    hook.events[0] !== 'posted' ||
    hook.channel_types.length !== 1 ||
    hook.channel_types[0] !== 'O'
  );
}

export function outgoingView(hook: OutgoingHook): OutgoingHook {
  const {previous_secret: _hidden, ...rest} = hook;
  return rest;
}

export function incomingView(hook: IncomingHook, siteURL: string, pluginId: string): IncomingHookView {
  return {...hook, url: `${siteURL.replace(/\/+$/, '')}/plugins/${pluginId}/hooks/${hook.id}`};
}

/** Whether the body asks for JSON; anything but this exact value means form encoding, as in Mattermost. */
export function isJSONContentType(contentType: string): boolean {
  return contentType === CONTENT_TYPE_JSON;
}
