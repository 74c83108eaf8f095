// Go's string semantics where Mattermost's behaviour depends on them: whitespace
// as unicode.IsSpace sees it, lengths in bytes (len) and in runes.

/** unicode.IsSpace: ASCII space and controls, U+0085, U+00A0 and the Z* space separators. Not U+FEFF. */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPLIT = new RegExp(`[${GO_SPACE}]+`);
const HAS_SPACE = new RegExp(`[${GO_SPACE}]`);

/** strings.Fields: the words of `s` split on any Unicode whitespace. */
export function fields(s: string): string[] {
  return s.split(SPLIT).filter((w) => w.length > 0);
}

/** unicode.IsSpace for one UTF-16 unit (every Go space is a single unit). */
export function isGoSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** The first element of strings.Fields(s), or '' for a blank message. Runs on every post, so it avoids regexes. */
export function firstWord(s: string): string {
  let start = 0;
  while (start < s.length && isGoSpace(s.charCodeAt(start))) start++;
  let end = start;
  while (end < s.length && !isGoSpace(s.charCodeAt(end))) end++;
  return s.slice(start, end);
}

export function hasWhitespace(s: string): boolean {
  return HAS_SPACE.test(s);
}

/** len(s) in Go: UTF-8 bytes. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** utf8.RuneCountInString. */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Index (in UTF-16 units) just after the first `runes` runes of `s`. */
export function runeOffset(s: string, runes: number): number {
  let n = 0;
  let i = 0;
  while (i < s.length && n < runes) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff ? 2 : 1;
    n++;
  }
  return i;
}

/** How Go's fmt renders a []string with %s: "[a b c]"; Mattermost caps hook lists by this length. */
export function goListLength(items: readonly string[]): number {
  return 2 + items.reduce((sum, s) => sum + byteLength(s), 0) + Math.max(0, items.length - 1);
}
