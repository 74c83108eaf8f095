// The plugin's settings as the server keeps them: values an admin saved, stored
// under lower-cased keys (the server's config store lower-cases them), with the
// manifest's defaults for the rest (app/plugin_api.go LoadPluginConfiguration).

export interface SettingSchema {
  key: string;
  display_name?: string;
  type: string;
  default?: unknown;
  help_text?: string;
  placeholder?: string;
  options?: {display_name: string; value: string}[];
}

export interface Manifest {
  id: string;
  name?: string;
  version?: string;
  description?: string;
  min_server_version?: string;
  webapp?: {bundle_path?: string};
  server?: unknown;
  settings_schema?: {header?: string; footer?: string; settings?: SettingSchema[]};
}

function schema(manifest: Manifest): SettingSchema[] {
  return manifest.settings_schema?.settings ?? [];
}

/** What LoadPluginConfiguration returns: lower-cased keys, defaults first. */
export function effectiveConfig(manifest: Manifest, saved: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of schema(manifest)) if (s.default !== undefined) out[s.key.toLowerCase()] = s.default;
  for (const [k, v] of Object.entries(saved)) out[k.toLowerCase()] = v;
  return out;
}

/** The same values under the manifest's own key spelling, for the settings page. */
export function displayConfig(manifest: Manifest, saved: Record<string, unknown>): Record<string, unknown> {
  const effective = effectiveConfig(manifest, saved);
  const out: Record<string, unknown> = {};
  for (const s of schema(manifest)) {
    if (s.type === 'custom') continue;
    out[s.key] = effective[s.key.toLowerCase()] ?? null;
  }
  for (const [k, v] of Object.entries(effective)) {
    if (!schema(manifest).some((s) => s.key.toLowerCase() === k)) out[k] = v;
  }
  return out;
}

/** Checks an admin's update against the schema; returns the values to merge, lower-cased. */
export function validateUpdate(manifest: Manifest, update: Record<string, unknown>): {values: Record<string, unknown>} | {error: string} {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update)) {
    const s = schema(manifest).find((x) => x.key.toLowerCase() === key.toLowerCase());
    if (s) {
      const ok =
        s.type === 'bool' ? typeof value === 'boolean'
        : s.type === 'number' ? typeof value === 'number' && Number.isFinite(value)
        : s.type === 'custom' ? true
        : typeof value === 'string';
      if (!ok) return {error: `setting ${s.key} must be a ${s.type === 'bool' ? 'boolean' : s.type === 'number' ? 'number' : 'string'}`};
    }
    values[key.toLowerCase()] = value;
  }
  return {values};
}
