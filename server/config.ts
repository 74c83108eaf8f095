// The plugin's settings (plugin.json settings_schema), read from the values the
// server hands over. Values arrive as the System Console stored them: booleans and
// numbers may come as strings, and absent keys mean the schema default.

export interface PluginConfig {
  readonly enableIncoming: boolean;
  readonly enableOutgoing: boolean;
  readonly enablePostUsernameOverride: boolean;
  readonly enablePostIconOverride: boolean;
  readonly requestTimeoutSeconds: number;
  /** Host names, IP addresses and CIDR ranges callbacks may reach although they are internal. */
  readonly allowedInternalHosts: readonly string[];
  readonly maxIncomingBodyBytes: number;
}

export const DEFAULT_CONFIG: PluginConfig = Object.freeze({
  enableIncoming: true,
  enableOutgoing: true,
  enablePostUsernameOverride: false,
  enablePostIconOverride: false,
  requestTimeoutSeconds: 30,
  allowedInternalHosts: Object.freeze([]) as readonly string[],
  maxIncomingBodyBytes: 1024 * 1024,
});

function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
  }
  return fallback;
}

function positive(value: unknown, fallback: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return fallback;
  return Math.min(Math.floor(n), max);
}

/** Mattermost's own allow-list accepts spaces and commas as separators; so does this one. */
export function splitHostList(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Settings keys are matched case-insensitively: the server lower-cases them in some versions. */
function lookup(raw: Readonly<Record<string, unknown>>, key: string): unknown {
  if (key in raw) return raw[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(raw)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function parseConfig(raw: Readonly<Record<string, unknown>> = {}): PluginConfig {
  return Object.freeze({
    enableIncoming: bool(lookup(raw, 'EnableIncoming'), DEFAULT_CONFIG.enableIncoming),
    enableOutgoing: bool(lookup(raw, 'EnableOutgoing'), DEFAULT_CONFIG.enableOutgoing),
    enablePostUsernameOverride: bool(lookup(raw, 'EnablePostUsernameOverride'), DEFAULT_CONFIG.enablePostUsernameOverride),
    enablePostIconOverride: bool(lookup(raw, 'EnablePostIconOverride'), DEFAULT_CONFIG.enablePostIconOverride),
    // A day is far beyond any sensible callback; the cap keeps a typo from pinning sockets forever.
    requestTimeoutSeconds: positive(lookup(raw, 'RequestTimeoutSeconds'), DEFAULT_CONFIG.requestTimeoutSeconds, 86_400),
    allowedInternalHosts: Object.freeze(splitHostList(lookup(raw, 'AllowedInternalHosts'))),
    maxIncomingBodyBytes: positive(lookup(raw, 'MaxIncomingBodyBytes'), DEFAULT_CONFIG.maxIncomingBodyBytes, 64 * 1024 * 1024),
  });
}

/** Holds the current settings; readers always see one consistent snapshot. */
export class ConfigHolder {
  private current: PluginConfig;

  constructor(initial: PluginConfig = DEFAULT_CONFIG) {
    this.current = initial;
  }

  get(): PluginConfig {
    return this.current;
  }

  set(next: PluginConfig): void {
    this.current = next;
  }
}
