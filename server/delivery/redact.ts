// What the delivery log may keep: secrets out, bodies bounded.
//
// Header values that authenticate (Authorization, cookies, API keys, tokens,
// signatures) become "[redacted]", judged by name since custom headers can be
// called anything. URLs lose passwords and token-like query values. Bodies are
// cut at a byte limit on a UTF-8 character boundary, with a visible marker.

export const REDACTED = '[redacted]';

const SENSITIVE_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'apikey',
  'x-hookbridge-signature', 'x-hub-signature', 'x-hub-signature-256', 'x-slack-signature', 'x-gitlab-token',
]);
const SENSITIVE_WORDS = /(secret|token|passw|api[-_]?key|signature|session|credential|auth|cookie)/i;

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_HEADERS.has(name.toLowerCase()) || SENSITIVE_WORDS.test(name);
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSensitiveName(k) ? REDACTED : v;
  return out;
}

export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.password) u.password = REDACTED;
  for (const name of [...new Set(u.searchParams.keys())]) if (isSensitiveName(name)) u.searchParams.set(name, REDACTED);
  // URL encodes the marker's brackets; keep it readable.
  return u.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

export interface StoredBody {
  text: string;
  /** False when text is not exactly the original bytes (cut, or not UTF-8). */
  exact: boolean;
}

const strictUtf8 = new TextDecoder('utf-8', {fatal: true});

/** The body as text of at most maxBytes bytes (plus a marker when cut). */
export function storeBody(bytes: Uint8Array, maxBytes: number): StoredBody {
  let end = bytes.length;
  if (end > maxBytes) {
    end = maxBytes;
    // Back off continuation bytes so the cut does not split a character.
    while (end > 0 && end > maxBytes - 3 && (bytes[end]! & 0xc0) === 0x80) end--;
  }
  const head = bytes.subarray(0, end);
  let text: string;
  let exact = end === bytes.length;
  try {
    text = strictUtf8.decode(head);
  } catch {
    text = Buffer.from(head).toString('utf8');
    exact = false;
  }
  if (end < bytes.length) text += `\n…[truncated: ${bytes.length} bytes, first ${end} kept]`;
  return {text, exact};
}
