// Rules for what goes into the plugin bundle, kept apart from the build steps so they can be tested alone.
import {PLATFORMS} from './node-binary.mjs';

const MiB = 1024 * 1024;
/** Newer servers cap the upload at FileSettings.MaxFileSize, 100 MiB by default. */
export const MAX_BUNDLE_BYTES = 100 * MiB;
/** Older servers parsed the upload with a fixed 50 MiB limit (MaximumPluginFileSize). */
export const LEGACY_MAX_BUNDLE_BYTES = 50 * MiB;

/** One platform by default: each SEA adds ~38 MB gzipped, and two come close to older servers' 50 MiB limit. */
export const DEFAULT_PLATFORMS = Object.freeze(['linux-amd64']);

/** @param {string | undefined} text */
export function parsePlatforms(text) {
  if (text === undefined || text.trim() === '') return [...DEFAULT_PLATFORMS];
  const out = [];
  for (const raw of text.split(',')) {
    const platform = raw.trim();
    if (platform === '') continue;
    if (!(platform in PLATFORMS)) {
      throw new Error(`unknown platform "${platform}"; choose from ${Object.keys(PLATFORMS).join(', ')}`);
    }
    if (!out.includes(platform)) out.push(platform);
  }
  if (out.length === 0) throw new Error('no platform selected');
  return out;
}

export function executablePath(platform) {
  return `server/dist/plugin-${platform}`;
}

/**
 * The manifest that ships: executables only for the platforms built (Mattermost would
 * otherwise try to exec a missing file), and no webapp entry when there is no webapp.
 * @param {Record<string, unknown>} manifest
 * @param {{platforms: ReadonlyArray<string>; webapp: boolean}} options
 */
export function bundleManifest(manifest, {platforms, webapp}) {
  if (typeof manifest.id !== 'string' || !/^[a-zA-Z0-9-_.]{3,190}$/.test(manifest.id)) {
    throw new Error('plugin.json: "id" must be 3-190 characters of letters, digits, "-", "_" and "."');
  }
  if (typeof manifest.version !== 'string' || !/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.test(manifest.version)) {
    throw new Error('plugin.json: "version" must be a semantic version such as 1.2.3');
  }
  const out = structuredClone(manifest);
  const server = typeof out.server === 'object' && out.server !== null ? out.server : {};
  delete server.executable;
  server.executables = Object.fromEntries(platforms.map((p) => [p, executablePath(p)]));
  out.server = server;
  if (!webapp) delete out.webapp;
  return out;
}

/** @param {number} bytes */
export function checkBundleSize(bytes) {
  const mib = (bytes / MiB).toFixed(1);
  if (bytes > MAX_BUNDLE_BYTES) {
    return {
      level: 'error',
      message:
        `the bundle is ${mib} MiB, over Mattermost's default upload limit of 100 MiB (FileSettings.MaxFileSize). ` +
        'Build fewer platforms (--platforms linux-amd64) or ship one bundle per platform.',
    };
  }
  if (bytes > LEGACY_MAX_BUNDLE_BYTES) {
    return {
      level: 'warn',
      message: `the bundle is ${mib} MiB; servers that still apply the old 50 MiB plugin upload limit will refuse it.`,
    };
  }
  return {level: 'ok', message: `${mib} MiB`};
}
