// Slack compatibility for webhook text and attachments, as Mattermost does it
// (app/slack.go ProcessSlackText and ProcessSlackAttachments,
// model/slack_attachment.go, app/webhook.go CreateWebhookPost): <!channel>,
// <!here>, <!all>, <@userid> and <url|label> links. Like Mattermost, none of it
// is markdown-aware, so code blocks are rewritten too.

/** CreateWebhookPost's pattern for the post message. */
const MESSAGE_LINK = /<([^\n<|>]+)\|([^\n>]+)>/g;
/** model.ParseSlackLinksToMarkdown's (looser) pattern for attachment text. */
const ATTACHMENT_LINK = /<([^<|]+)\|([^>]+)>/g;
const USER_MENTION = /<@([a-zA-Z0-9]+)>/g;

/** <url|label> → [label](url) in a post message. */
export function messageLinksToMarkdown(text: string): string {
  // Most messages have no link: skip the regex scan.
  return text.includes('<') ? text.replace(MESSAGE_LINK, '[$2]($1)') : text;
}

export function attachmentLinksToMarkdown(text: string): string {
  return text.replace(ATTACHMENT_LINK, '[$2]($1)');
}

/** Resolves a user id to a username, or null when there is no such user. */
export type UsernameLookup = (userId: string) => Promise<string | null>;

/** ProcessSlackText: announcements, then <@id> → @username for users that exist. */
export async function processSlackText(text: string, lookup: UsernameLookup): Promise<string> {
  // Every form handled here starts with '<'; most messages have none.
  if (!text.includes('<')) return text;
  let out = text.replaceAll('<!channel>', '@channel').replaceAll('<!here>', '@here').replaceAll('<!all>', '@all');
  const ids = new Set<string>();
  for (const m of out.matchAll(USER_MENTION)) ids.add(m[1]!);
  for (const id of ids) {
    const username = await lookup(id);
    if (username !== null) out = out.replaceAll(`<@${id}>`, `@${username}`);
  }
  return out;
}

export type Attachment = Record<string, unknown>;

/** The JSON keys of model.SlackAttachment; others are dropped, as decoding into the Go struct drops them. */
const ATTACHMENT_KEYS = ['id', 'fallback', 'color', 'pretext', 'author_name', 'author_link', 'author_icon', 'title', 'title_link', 'text', 'fields', 'image_url', 'thumb_url', 'footer', 'footer_icon', 'ts', 'actions'];
const FIELD_KEYS = ['title', 'value', 'short'];

/** fmt.Sprintf("%v", v) for the values JSON decoding can produce. */
export function goValueString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueString).join(' ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goValueString(x)}`).join(' ')}]`;
}

/** %v of a float64 (strconv 'g', shortest): exponent form below 1e-4 and from 1e+06 on. */
function goFloat(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return n === 0 ? '0' : n > 0 ? '+Inf' : Number.isNaN(n) ? 'NaN' : '-Inf';
  const [mant, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

export class AttachmentError extends Error {
  override name = 'AttachmentError';
}

function str(a: Attachment, key: string): string {
  const v = a[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new AttachmentError(`attachment ${key} must be a string`);
  return v;
}

/**
 * ProcessSlackAttachments + ParseSlackAttachment: drops null entries and
 * unknown keys, turns field values into strings, expands announcements and
 * mentions in pretext/text/title/field values and converts links in
 * text/pretext/field values. Throws AttachmentError where decoding into
 * Mattermost's struct would fail.
 */
export async function processAttachments(raw: readonly unknown[], lookup: UsernameLookup): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const item of raw) {
    if (item === null) continue;
    if (typeof item !== 'object' || Array.isArray(item)) throw new AttachmentError('each attachment must be an object');
    const a = pick(item as Record<string, unknown>, ATTACHMENT_KEYS);
    for (const key of ['fallback', 'color', 'pretext', 'author_name', 'author_link', 'author_icon', 'title', 'title_link', 'text', 'image_url', 'thumb_url', 'footer', 'footer_icon']) str(a, key);
    if (a.actions !== undefined && a.actions !== null && !Array.isArray(a.actions)) throw new AttachmentError('attachment actions must be an array');
    if (a.pretext !== undefined) a.pretext = attachmentLinksToMarkdown(await processSlackText(str(a, 'pretext'), lookup));
    if (a.text !== undefined) a.text = attachmentLinksToMarkdown(await processSlackText(str(a, 'text'), lookup));
    if (a.title !== undefined) a.title = await processSlackText(str(a, 'title'), lookup);
    if (a.fields !== undefined && a.fields !== null) {
      if (!Array.isArray(a.fields)) throw new AttachmentError('attachment fields must be an array');
      const fields: Record<string, unknown>[] = [];
      for (const f of a.fields as unknown[]) {
        if (f === null) continue;
        if (typeof f !== 'object' || Array.isArray(f)) throw new AttachmentError('each attachment field must be an object');
        const field = pick(f as Record<string, unknown>, FIELD_KEYS);
        if (field.title !== undefined && field.title !== null && typeof field.title !== 'string') throw new AttachmentError('attachment field title must be a string');
        if (field.value !== undefined && field.value !== null) field.value = attachmentLinksToMarkdown(await processSlackText(goValueString(field.value), lookup));
        fields.push(field);
      }
      a.fields = fields;
    }
    out.push(a);
  }
  return out;
}
