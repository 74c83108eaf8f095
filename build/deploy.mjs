// Uploads the plugin bundle to a Mattermost server and enables it.
//   node build/deploy.mjs [dist/<id>-<version>.tar.gz]
// Needs MM_SERVICESETTINGS_SITEURL, and MM_ADMIN_TOKEN or MM_ADMIN_USERNAME + MM_ADMIN_PASSWORD.
import {existsSync, openAsBlob} from 'node:fs';
import {readFile, stat} from 'node:fs/promises';
import {basename, join, relative, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

class DeployError extends Error {}

/** @param {NodeJS.ProcessEnv} env */
function readSettings(env) {
  const siteUrl = env.MM_SERVICESETTINGS_SITEURL?.trim();
  if (!siteUrl) {
    throw new DeployError('MM_SERVICESETTINGS_SITEURL is not set; set it to the server address, e.g. http://localhost:8065');
  }
  let base;
  try {
    base = new URL(siteUrl.endsWith('/') ? siteUrl : `${siteUrl}/`);
  } catch {
    throw new DeployError(`MM_SERVICESETTINGS_SITEURL is not a valid URL: ${siteUrl}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new DeployError(`MM_SERVICESETTINGS_SITEURL must start with http:// or https://, got ${siteUrl}`);
  }
  const token = env.MM_ADMIN_TOKEN?.trim();
  if (token) return {base, auth: {token}};
  const username = env.MM_ADMIN_USERNAME;
  const password = env.MM_ADMIN_PASSWORD;
  if (username && password) return {base, auth: {username, password}};
  if (username) throw new DeployError('MM_ADMIN_USERNAME is set but MM_ADMIN_PASSWORD is not; set both, or set MM_ADMIN_TOKEN instead');
  if (password) throw new DeployError('MM_ADMIN_PASSWORD is set but MM_ADMIN_USERNAME is not; set both, or set MM_ADMIN_TOKEN instead');
  throw new DeployError(
    'no credentials: set MM_ADMIN_TOKEN (a personal access token of a system admin), or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD',
  );
}

/** Mattermost errors are JSON `{id, message, detailed_error, status_code}`; anything else is shown raw. */
async function describeFailure(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && typeof body.message === 'string') return {message: body.message, id: typeof body.id === 'string' ? body.id : ''};
  } catch {
    // Not JSON, e.g. a proxy's HTML page.
  }
  return {message: text.trim().slice(0, 500) || response.statusText, id: ''};
}

function hintFor(step, status, id) {
  if (id === 'app.plugin.upload_disabled.app_error' || (step === 'upload' && status === 501)) {
    return (
      'The server refuses plugin uploads. Set PluginSettings.EnableUploads to true (config.json or ' +
      'MM_PLUGINSETTINGS_ENABLEUPLOADS=true; the System Console cannot change it), keep PluginSettings.Enable true ' +
      'and PluginSettings.RequirePluginSignature false, then restart the server.'
    );
  }
  if (status === 401) return 'The server did not accept the credentials: check MM_ADMIN_TOKEN, or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD.';
  if (status === 403) return 'The account needs the system admin role (permission sysconsole_write_plugins).';
  if (status === 413) return "The bundle is larger than the server accepts; raise FileSettings.MaxFileSize (and any proxy's body limit) or build fewer platforms.";
  return '';
}

async function call(step, url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new DeployError(`${step}: cannot reach ${url.origin}: ${cause}`);
  }
  if (!response.ok) {
    const {message, id} = await describeFailure(response);
    const hint = hintFor(step, response.status, id);
    throw new DeployError(`${step} failed: HTTP ${response.status}: ${message}${id ? ` (${id})` : ''}${hint ? `\n${hint}` : ''}`);
  }
  return response;
}

async function login(base, username, password) {
  const response = await call('login', new URL('api/v4/users/login', base), {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'},
    body: JSON.stringify({login_id: username, password}),
  });
  await response.body?.cancel();
  const token = response.headers.get('Token');
  if (!token) throw new DeployError('login: the server answered without a Token header');
  return token;
}

/**
 * @param {{bundle: string; pluginId: string; env: NodeJS.ProcessEnv; log: (message: string) => void}} options
 */
async function deploy({bundle, pluginId, env, log}) {
  const {base, auth} = readSettings(env);
  if (!existsSync(bundle)) {
    throw new DeployError(`${relative(process.cwd(), bundle) || bundle} does not exist; run make dist first`);
  }
  const token = 'token' in auth ? auth.token : await login(base, auth.username, auth.password);
  // The X-Requested-With header makes Mattermost answer 401 instead of redirecting to the login page.
  const headers = {Authorization: `Bearer ${token}`, 'X-Requested-With': 'XMLHttpRequest'};

  const {size} = await stat(bundle);
  log(`uploading ${basename(bundle)} (${(size / 1e6).toFixed(1)} MB) to ${base.href}`);
  const form = new FormData();
  form.append('plugin', await openAsBlob(bundle, {type: 'application/gzip'}), basename(bundle));
  form.append('force', 'true');
  const uploaded = await call('upload', new URL('api/v4/plugins', base), {method: 'POST', headers, body: form});
  const manifest = await uploaded.json().catch(() => ({}));
  const id = typeof manifest.id === 'string' && manifest.id ? manifest.id : pluginId;

  await call('enable', new URL(`api/v4/plugins/${encodeURIComponent(id)}/enable`, base), {method: 'POST', headers});
  log(`${id}${typeof manifest.version === 'string' ? ` ${manifest.version}` : ''} is installed and enabled`);
}

async function main() {
  const manifest = JSON.parse(await readFile(join(repoRoot, 'plugin.json'), 'utf8'));
  const arg = process.argv[2];
  if (arg === '-h' || arg === '--help') {
    console.log('usage: node build/deploy.mjs [bundle.tar.gz]\nenv: MM_SERVICESETTINGS_SITEURL and MM_ADMIN_TOKEN, or MM_ADMIN_USERNAME + MM_ADMIN_PASSWORD');
    return;
  }
  const bundle = arg ? resolve(arg) : join(repoRoot, 'dist', `${manifest.id}-${manifest.version}.tar.gz`);
  await deploy({bundle, pluginId: manifest.id, env: process.env, log: (m) => console.log(`deploy: ${m}`)});
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`deploy: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
