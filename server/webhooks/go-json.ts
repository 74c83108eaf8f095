// encoding/json output for JSON-shaped values: map keys sorted and <, >, &,
// U+2028 and U+2029 escaped, as Go writes them. Byte-identical payloads matter
// to receivers that hash or compare what Mattermost sends.

const ESCAPES: Record<string, string> = {'<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029'};

function escapeHTML(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c]!);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** json.Marshal of a map[string]interface{} (keys sorted). */
export function goMarshalMap(value: unknown): string {
  return escapeHTML(JSON.stringify(sortKeys(value)));
}

/** json.Marshal of a struct: fields keep their declared order. */
export function goMarshalStruct(value: object): string {
  return escapeHTML(JSON.stringify(value));
}
