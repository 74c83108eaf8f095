// go-plugin handshake (server.go Serve, client.go Start).
//
// The host starts the plugin with MAGIC_COOKIE_KEY=value in the environment (plus
// PLUGIN_PROTOCOL_VERSIONS, PLUGIN_MIN_PORT/MAX_PORT) and waits for one stdout line:
//   CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT
// e.g. 1|1|unix|/tmp/plugin123|netrpc|  — the first stdout line must be this one.

export const CORE_PROTOCOL_VERSION = 1;

export interface HandshakeConfig {
  protocolVersion: number;
  magicCookieKey: string;
  magicCookieValue: string;
}

/** Mattermost's handshake (server/public/plugin/api.go). */
export const MATTERMOST_HANDSHAKE: HandshakeConfig = {
  protocolVersion: 1,
  magicCookieKey: 'MATTERMOST_PLUGIN',
  magicCookieValue: 'Securely message teams, anywhere.',
};

export const NOT_A_PLUGIN_MESSAGE =
  'This binary is a plugin. These are not meant to be executed directly.\n' +
  'Please execute the program that consumes these plugins, which will\n' +
  'load any plugins automatically\n';

export interface HandshakeLine {
  core: number;
  app: number;
  network: 'unix' | 'tcp';
  address: string;
  protocol: string;
}

export function formatHandshake(app: number, network: 'unix' | 'tcp', address: string): string {
  return `${CORE_PROTOCOL_VERSION}|${app}|${network}|${address}|netrpc|\n`;
}

export function parseHandshake(line: string, acceptedApp: number[]): HandshakeLine {
  const parts = line.trim().split('|');
  if (parts.length < 4) throw new Error(`Unrecognized remote plugin message: ${line.trim()}`);
  const core = Number(parts[0]);
  if (core !== CORE_PROTOCOL_VERSION) throw new Error(`Incompatible core API version with plugin. Plugin version: ${parts[0]}, Core version: ${CORE_PROTOCOL_VERSION}`);
  const app = Number(parts[1]);
  if (!acceptedApp.includes(app)) throw new Error(`Incompatible API version with plugin. Plugin version: ${parts[1]}, Client versions: ${acceptedApp.join(',')}`);
  const network = parts[2];
  if (network !== 'unix' && network !== 'tcp') throw new Error(`Unknown address type: ${network}`);
  const protocol = parts[4] || 'netrpc';
  if (protocol !== 'netrpc') throw new Error(`Unsupported plugin protocol "${protocol}". Supported: [netrpc]`);
  return {core, app, network, address: parts[3]!, protocol};
}

/** Picks the app protocol version, as go-plugin's protocolVersion() does from PLUGIN_PROTOCOL_VERSIONS. */
export function negotiateVersion(ours: number, env: NodeJS.ProcessEnv): number | null {
  const list = env.PLUGIN_PROTOCOL_VERSIONS;
  if (!list) return ours;
  const offered = list.split(',').map((v) => Number(v.trim()));
  return offered.includes(ours) ? ours : null;
}
