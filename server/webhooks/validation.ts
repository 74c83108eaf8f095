// Turning request bodies into hooks and checking them with Mattermost's rules
// (model.OutgoingWebhook.IsValid, model.IncomingWebhook.IsValid: lengths in
// bytes, the "[a b c]" cap on lists) plus the rules of the extensions. Every
// failure names the offending JSON key.

import {parseCIDR, parseIP} from '../net/ip.js';
import {HookError} from './errors.js';
import {isValidId} from './ids.js';
import type {InputReader} from './input.js';
import {
  CHANNEL_TYPES,
  CONTENT_TYPE_FORM,
  DEFAULT_MAX_ATTEMPTS,
  MATCH_MODES,
  OUTGOING_EVENTS,
  SIGNATURE_MODES,
  defaultMatch,
  type HookChannelType,
  type IncomingHook,
  type MatchMode,
  type OutgoingEvent,
  type OutgoingHook,
  type SignatureMode,
  type TriggerWhen,
} from './model.js';
import {checkPattern} from './safe-regex.js';
import {byteLength, goListLength, hasWhitespace} from './text.js';

export const LIMITS = {
  DISPLAY_NAME: 64,
  DESCRIPTION: 500,
  USERNAME: 64,
  ICON_URL: 1024,
  CONTENT_TYPE: 128,
  LIST: 1024,
  CALLBACK_URL: 1024,
  HEADERS: 20,
  HEADER_VALUE: 4096,
  MAX_ATTEMPTS: 20,
  ALLOWED_IPS: 100,
  SECRET: 256,
  RATE_PER_MINUTE: 100_000,
} as const;

/** The fields of an outgoing hook a client edits. */
export type OutgoingEditable = Pick<
  OutgoingHook,
  'channel_id' | 'team_id' | 'trigger_words' | 'trigger_when' | 'callback_urls' | 'display_name' | 'description' | 'content_type' | 'username' | 'icon_url' | 'enabled' | 'match' | 'events' | 'channel_types' | 'headers' | 'max_attempts'
>;

export type IncomingEditable = Pick<IncomingHook, 'channel_id' | 'display_name' | 'description' | 'username' | 'icon_url' | 'channel_locked' | 'enabled' | 'signature' | 'allowed_ips' | 'rate_limit'>;

function bad(message: string, field: string, id = 'api.webhook.invalid_field.app_error'): HookError {
  return HookError.badRequest(id, message, field);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string, label: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw bad(`${label} must be one of ${allowed.join(', ')}.`, field);
  return value as T;
}

function uniqueList<T extends string>(values: string[], allowed: readonly T[], field: string, label: string): T[] {
  const out: T[] = [];
  values.forEach((v, i) => {
    const item = oneOf(v, allowed, `${field}.${i}`, label);
    if (!out.includes(item)) out.push(item);
  });
  return out;
}

/**
 * Reads an outgoing hook from a request body. Mattermost's own fields are
 * replaced wholesale, as its PUT does (absent means empty); the extension
 * fields keep their previous value when absent, so clients that only know the
 * built-in API do not switch them off by accident.
 */
export function readOutgoingInput(r: InputReader, previous: OutgoingHook | null): OutgoingEditable {
  const match = r.object('match');
  const mode = match?.string('mode');
  const pattern = match?.string('pattern');
  const triggerWhen = r.integer('trigger_when') ?? 0;
  if (triggerWhen !== 0 && triggerWhen !== 1) throw bad('trigger_when must be 0 (first word equals a trigger word) or 1 (first word starts with one).', 'trigger_when');
  const events = r.stringArray('events');
  const channelTypes = r.stringArray('channel_types');
  return {
    team_id: r.string('team_id') ?? previous?.team_id ?? '',
    channel_id: r.string('channel_id') ?? '',
    trigger_words: r.stringArray('trigger_words') ?? [],
    trigger_when: triggerWhen as TriggerWhen,
    callback_urls: r.stringArray('callback_urls') ?? [],
    display_name: r.string('display_name') ?? '',
    description: r.string('description') ?? '',
    content_type: r.string('content_type') || CONTENT_TYPE_FORM,
    username: r.string('username') ?? '',
    icon_url: r.string('icon_url') ?? '',
    enabled: r.bool('enabled') ?? previous?.enabled ?? true,
    match: match
      ? {
          mode: mode === undefined ? 'first_word' : oneOf<MatchMode>(mode, MATCH_MODES, 'match.mode', 'match.mode'),
          case_insensitive: match.bool('case_insensitive') ?? false,
          ...(pattern ? {pattern} : {}),
        }
      : (previous?.match ?? defaultMatch()),
    events: events ? uniqueList<OutgoingEvent>(events, OUTGOING_EVENTS, 'events', 'Events') : (previous?.events ?? ['posted']),
    channel_types: channelTypes ? uniqueList<HookChannelType>(channelTypes, CHANNEL_TYPES, 'channel_types', 'Channel types') : (previous?.channel_types ?? ['O']),
    headers: r.stringMap('headers') ?? previous?.headers ?? {},
    max_attempts: r.integer('max_attempts') ?? previous?.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

function checkLength(value: string, max: number, field: string, label: string): void {
  if (byteLength(value) > max) throw bad(`${label} must be at most ${max} bytes.`, field);
}

/** model.IsValidHTTPURL: parses, http or https, has a host. */
export function isValidHTTPURL(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the transport owns; letting a hook set them would corrupt or smuggle requests. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization', 'proxy-connection']);

export function validateOutgoing(hook: OutgoingEditable): void {
  checkLength(hook.display_name, LIMITS.DISPLAY_NAME, 'display_name', 'Title');
  checkLength(hook.description, LIMITS.DESCRIPTION, 'description', 'Description');
  if (!isValidId(hook.team_id)) throw bad('Choose a team.', 'team_id', 'model.outgoing_hook.team_id.app_error');
  if (hook.channel_id !== '' && !isValidId(hook.channel_id)) throw bad('Invalid channel id.', 'channel_id', 'model.outgoing_hook.channel_id.app_error');

  hook.trigger_words.forEach((word, i) => {
    if (word === '') throw bad('Trigger words cannot be empty.', `trigger_words.${i}`, 'model.outgoing_hook.words.app_error');
    // Mattermost accepts these, but a word containing whitespace can never be a message's first word.
    if (hasWhitespace(word)) throw bad('Trigger words cannot contain spaces.', `trigger_words.${i}`, 'model.outgoing_hook.words.app_error');
  });
  if (goListLength(hook.trigger_words) > LIMITS.LIST) throw bad(`Trigger words must add up to at most ${LIMITS.LIST} bytes.`, 'trigger_words', 'model.outgoing_hook.words.app_error');

  const regex = hook.match.mode === 'regex';
  if (regex) {
    const problem = checkPattern(hook.match.pattern ?? '', hook.match.case_insensitive);
    if (problem) throw bad(problem, 'match.pattern', 'hookbridge.outgoing.pattern.app_error');
  }
  if (hook.channel_id === '' && hook.trigger_words.length === 0 && !regex) {
    throw bad('Choose a channel or add at least one trigger word.', 'trigger_words', 'api.webhook.create_outgoing.triggers.app_error');
  }

  if (hook.callback_urls.length === 0) throw bad('Add at least one callback URL.', 'callback_urls', 'model.outgoing_hook.callback.app_error');
  hook.callback_urls.forEach((url, i) => {
    if (!isValidHTTPURL(url)) throw bad('Enter an absolute http:// or https:// URL.', `callback_urls.${i}`, 'model.outgoing_hook.url.app_error');
    checkLength(url, LIMITS.CALLBACK_URL, `callback_urls.${i}`, 'Callback URLs');
  });
  if (goListLength(hook.callback_urls) > LIMITS.LIST) throw bad(`Callback URLs must add up to at most ${LIMITS.LIST} bytes.`, 'callback_urls', 'model.outgoing_hook.callback.app_error');

  checkLength(hook.content_type, LIMITS.CONTENT_TYPE, 'content_type', 'Content type');
  checkLength(hook.username, LIMITS.USERNAME, 'username', 'Username');
  checkLength(hook.icon_url, LIMITS.ICON_URL, 'icon_url', 'Profile picture URL');

  if (hook.events.length === 0) throw bad('Choose at least one event.', 'events');
  if (hook.channel_types.length === 0) throw bad('Choose at least one kind of channel.', 'channel_types');

  const headers = Object.entries(hook.headers);
  if (headers.length > LIMITS.HEADERS) throw bad(`At most ${LIMITS.HEADERS} custom headers.`, 'headers');
  headers.forEach(([name, value], i) => {
    if (!HEADER_NAME.test(name)) throw bad('Header names may only use letters, digits and - _ . characters.', `headers.${i}`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw bad(`The ${name} header is set by Hookbridge and cannot be overridden.`, `headers.${i}`);
    if (/[\r\n\0]/.test(value)) throw bad('Header values cannot contain line breaks.', `headers.${i}`);
    if (byteLength(value) > LIMITS.HEADER_VALUE) throw bad(`Header values must be at most ${LIMITS.HEADER_VALUE} bytes.`, `headers.${i}`);
  });

  if (!Number.isInteger(hook.max_attempts) || hook.max_attempts < 1 || hook.max_attempts > LIMITS.MAX_ATTEMPTS) {
    throw bad(`Attempts must be a whole number from 1 to ${LIMITS.MAX_ATTEMPTS}.`, 'max_attempts');
  }
}

/** Reads an incoming hook from a request body; as for outgoing hooks, extension fields absent on update keep their value. */
export function readIncomingInput(r: InputReader, previous: IncomingHook | null): IncomingEditable {
  const signature = r.object('signature');
  const mode = signature?.string('mode');
  const secret = signature?.string('secret');
  const rate = r.object('rate_limit');
  const perMinute = rate?.integer('per_minute');
  const readSignature = (): IncomingHook['signature'] => {
    if (!signature) return previous?.signature ?? {mode: 'none'};
    const m = mode === undefined ? 'none' : oneOf<SignatureMode>(mode, SIGNATURE_MODES, 'signature.mode', 'signature.mode');
    if (m === 'none') return {mode: m};
    // An omitted secret keeps the current one; regen_secret is how it changes without being typed.
    const kept = previous?.signature.mode !== 'none' ? previous?.signature.secret : undefined;
    const s = secret || kept;
    return s ? {mode: m, secret: s} : {mode: m};
  };
  return {
    channel_id: r.string('channel_id') ?? '',
    display_name: r.string('display_name') ?? '',
    description: r.string('description') ?? '',
    username: r.string('username') ?? '',
    icon_url: r.string('icon_url') ?? '',
    channel_locked: r.bool('channel_locked') ?? false,
    enabled: r.bool('enabled') ?? previous?.enabled ?? true,
    signature: readSignature(),
    allowed_ips: r.stringArray('allowed_ips')?.map((ip) => ip.trim()) ?? previous?.allowed_ips ?? [],
    rate_limit: rate ? {per_minute: perMinute ?? 0} : (previous?.rate_limit ?? {per_minute: 0}),
  };
}

const RESTRICTED_USERNAMES = new Set(['all', 'channel', 'matterbot', 'system']);

/** model.IsValidUsername. */
export function isValidUsername(s: string): boolean {
  return s.length >= 1 && s.length <= 64 && /^[a-z0-9.\-_]+$/.test(s) && !RESTRICTED_USERNAMES.has(s);
}

export function validateIncoming(hook: IncomingEditable): void {
  checkLength(hook.display_name, LIMITS.DISPLAY_NAME, 'display_name', 'Title');
  checkLength(hook.description, LIMITS.DESCRIPTION, 'description', 'Description');
  checkLength(hook.username, LIMITS.USERNAME, 'username', 'Username');
  if (hook.username !== '' && !isValidUsername(hook.username)) {
    throw bad('The username may only use lowercase letters, digits and . - _ and cannot be all, channel, matterbot or system.', 'username', 'api.incoming_webhook.invalid_username.app_error');
  }
  checkLength(hook.icon_url, LIMITS.ICON_URL, 'icon_url', 'Profile picture URL');
  if (!isValidId(hook.channel_id)) throw bad('Choose a channel.', 'channel_id', 'model.incoming_hook.channel_id.app_error');
  if (hook.signature.mode === 'slack' && !hook.signature.secret) throw bad("Paste the Slack app's signing secret.", 'signature.secret');
  if (hook.signature.secret !== undefined && byteLength(hook.signature.secret) > LIMITS.SECRET) throw bad(`The secret must be at most ${LIMITS.SECRET} bytes.`, 'signature.secret');
  if (hook.allowed_ips.length > LIMITS.ALLOWED_IPS) throw bad(`At most ${LIMITS.ALLOWED_IPS} allowed addresses.`, 'allowed_ips');
  hook.allowed_ips.forEach((entry, i) => {
    const e = entry.trim();
    if (!e) throw bad('Enter an address or remove this row.', `allowed_ips.${i}`);
    if (!parseIP(e) && !parseCIDR(e)) throw bad(`${e} is not an IP address or CIDR range.`, `allowed_ips.${i}`);
  });
  const perMinute = hook.rate_limit.per_minute;
  if (!Number.isInteger(perMinute) || perMinute < 0 || perMinute > LIMITS.RATE_PER_MINUTE) {
    throw bad(`Rate limit must be a whole number from 0 (unlimited) to ${LIMITS.RATE_PER_MINUTE}.`, 'rate_limit.per_minute');
  }
}
