// Reading an incoming webhook request the way Mattermost's web/webhook.go does:
//   application/x-www-form-urlencoded  JSON in the `payload` form value (body or query)
//   multipart/form-data                the request's fields as form values
//   anything else, or no Content-Type  the body is JSON
// JSON that fails to parse is retried once with raw newlines and tabs escaped
// inside text-like values (escapeControlCharsFromPayload), which rescues the
// many shell scripts that paste multi-line text into a JSON string.

import {HookError} from './errors.js';
import {MultipartError, parseMultipart} from './multipart.js';

export interface IncomingRequest {
  text: string;
  username: string;
  icon_url: string;
  /** `channel`: a channel name, #name or @username. */
  channel: string;
  props: Record<string, unknown> | null;
  /** null when absent: `"attachments": []` still counts as attachments, as in Mattermost. */
  attachments: unknown[] | null;
  type: string;
  icon_emoji: string;
  priority: unknown;
  root_id: string;
  /** Beyond native: post without notifying mentioned users or the channel. */
  silent?: boolean;
}

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** mime.ParseMediaType, tolerating bad parameters as Mattermost does (ErrInvalidMediaParameter). */
export function parseMediaType(value: string): MediaType {
  const [head = '', ...rest] = value.split(';');
  const type = head.trim().toLowerCase();
  const invalid = (why: string): HookError => HookError.badRequest('web.incoming_webhook.media_type.app_error', `The Content-Type header ${JSON.stringify(value)} is not valid: ${why}.`);
  if (type === '') throw invalid('no media type');
  const slash = type.indexOf('/');
  if (slash < 0) {
    if (!TOKEN.test(type)) throw invalid('expected a token');
  } else {
    if (!TOKEN.test(type.slice(0, slash))) throw invalid('no media type');
    if (!TOKEN.test(type.slice(slash + 1))) throw invalid('expected a token after the slash');
  }
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let val = part.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    if (TOKEN.test(key)) params[key] = val;
  }
  return {type, params};
}

function parseError(detail: string): HookError {
  return new HookError(400, 'model.incoming_hook.parse_data.app_error', `Unable to parse incoming data: ${detail}`);
}

/** The keys whose values Mattermost repairs, and the same pattern it uses. */
const REPAIRABLE = /"(text|fallback|pretext|author_name|title|value)"\s*:\s*"(\\"|[^"])*"/gs;

export function escapeControlChars(body: string): string {
  return body.replace(REPAIRABLE, (m) => m.replaceAll('\n', '\\n').replaceAll('\t', '\\t'));
}

/** Go's json.Decoder.Decode: the first JSON value of the input; what follows it is ignored. */
function decodeFirstValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const end = endOfFirstValue(text);
    if (end > 0 && end < text.length) return JSON.parse(text.slice(0, end));
    throw err;
  }
}

/** Where the first top-level object or array ends, or -1. */
function endOfFirstValue(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Go's encoding/json matches keys exactly first, then case-insensitively (the
 * first such key here). The folded keys are worked out once per payload.
 */
class Keys {
  private folded: Map<string, unknown> | null = null;

  constructor(private readonly obj: Record<string, unknown>) {}

  get(key: string): unknown {
    if (key in this.obj) return this.obj[key];
    if (!this.folded) {
      this.folded = new Map();
      for (const k of Object.keys(this.obj)) {
        const lower = k.toLowerCase();
        if (!this.folded.has(lower)) this.folded.set(lower, this.obj[k]);
      }
    }
    return this.folded.get(key);
  }

  string(key: string): string {
    const v = this.get(key);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw parseError(`${key} must be a string`);
    return v;
  }
}

function fromObject(obj: Record<string, unknown>): IncomingRequest {
  const keys = new Keys(obj);
  const props = keys.get('props');
  if (props !== undefined && props !== null && (typeof props !== 'object' || Array.isArray(props))) throw parseError('props must be an object');
  const attachments = keys.get('attachments');
  if (attachments !== undefined && attachments !== null && !Array.isArray(attachments)) throw parseError('attachments must be an array');
  const priority = keys.get('priority');
  if (priority !== undefined && priority !== null && (typeof priority !== 'object' || Array.isArray(priority))) throw parseError('priority must be an object');
  return {
    text: keys.string('text'),
    username: keys.string('username'),
    icon_url: keys.string('icon_url'),
    channel: keys.string('channel'),
    props: (props as Record<string, unknown> | null | undefined) ?? null,
    attachments: (attachments as unknown[] | null | undefined) ?? null,
    type: keys.string('type'),
    icon_emoji: keys.string('icon_emoji'),
    priority: priority ?? null,
    root_id: keys.string('root_id'),
    silent: keys.get('silent') === true,
  };
}

/** IncomingWebhookRequestFromJSON. */
export function parseIncomingJSON(text: string): IncomingRequest {
  if (text.trim() === '') throw parseError('the body is empty');
  let value: unknown;
  try {
    value = decodeFirstValue(text);
  } catch {
    try {
      value = decodeFirstValue(escapeControlChars(text));
    } catch (err) {
      throw parseError(err instanceof Error ? err.message : String(err));
    }
  }
  if (value === null) return fromObject({});
  if (typeof value !== 'object' || Array.isArray(value)) throw parseError('the payload must be a JSON object');
  return fromObject(value as Record<string, unknown>);
}

/**
 * Multipart fields, matched like gorilla/schema matches Go field names
 * (case-insensitively: Text, Username, IconURL, ChannelName, Type, IconEmoji).
 * The JSON names (icon_url, channel, icon_emoji) are accepted too, and a
 * `payload` field holds JSON as in form-encoded requests.
 */
const MULTIPART_FIELDS: Record<string, keyof IncomingRequest> = {
  text: 'text',
  username: 'username',
  iconurl: 'icon_url',
  icon_url: 'icon_url',
  channelname: 'channel',
  channel: 'channel',
  type: 'type',
  iconemoji: 'icon_emoji',
  icon_emoji: 'icon_emoji',
  rootid: 'root_id',
  root_id: 'root_id',
};

function fromMultipart(body: Buffer, boundary: string): IncomingRequest {
  let parts;
  try {
    parts = parseMultipart(body, boundary);
  } catch (err) {
    throw HookError.badRequest('api.webhook.incoming.error', `Unable to parse the multipart form: ${err instanceof MultipartError ? err.message : String(err)}`);
  }
  const payload = parts.find((p) => p.name === 'payload' && p.filename === undefined);
  if (payload) return parseIncomingJSON(payload.value);
  const req = fromObject({});
  for (const part of parts) {
    if (part.filename !== undefined) continue;
    const key = MULTIPART_FIELDS[part.name.toLowerCase()];
    if (!key) throw HookError.badRequest('api.webhook.incoming.error', `Unknown form field ${JSON.stringify(part.name)}: multipart requests may send text, username, icon_url, channel, type and icon_emoji, or the whole JSON request as payload.`);
    (req as unknown as Record<string, string>)[key] = part.value;
  }
  return req;
}

/** Reads the request body into an IncomingRequest, or throws the 400 Mattermost would answer. */
export function parseIncomingBody(contentType: string | undefined, body: Buffer, query: URLSearchParams): IncomingRequest {
  const media = contentType ? parseMediaType(contentType) : {type: '', params: {}};
  if (media.type === 'application/x-www-form-urlencoded') {
    // r.FormValue: the body's value wins over the query string's.
    const form = new URLSearchParams(body.toString('utf8'));
    const payload = form.get('payload') ?? query.get('payload') ?? '';
    return parseIncomingJSON(payload);
  }
  if (media.type === 'multipart/form-data') return fromMultipart(body, media.params.boundary ?? '');
  return parseIncomingJSON(body.toString('utf8'));
}
