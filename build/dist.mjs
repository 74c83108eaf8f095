// Builds the installable plugin bundle dist/<id>-<version>.tar.gz.
//   node build/dist.mjs [--platforms linux-amd64,linux-arm64] [--skip-webapp] [--entry server/main.ts] [--root DIR]
// The server runs as a Node single executable per platform, since Mattermost servers
// usually have no Node on PATH. HOOKBRIDGE_PLATFORMS selects platforms when --platforms is absent.
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, readFile, rm, stat} from 'node:fs/promises';
import {join, relative, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {buildServer, DEFAULT_ENTRY, repoRoot} from './build-server.mjs';
import {bundleManifest, checkBundleSize, executablePath, parsePlatforms} from './sea/bundle.mjs';
import {NODE_VERSION} from './sea/node-binary.mjs';
import {buildSea} from './sea/sea.mjs';
import {listTree, writeTarGz} from './sea/tar.mjs';

/** Downloaded Node binaries live in the repository's cache whatever --root says, so test builds reuse them. */
const CACHE_DIR = fileURLToPath(new URL('../.cache/node-bin', import.meta.url));

const USAGE = `usage: node build/dist.mjs [options]
  --platforms LIST   comma list of linux-amd64, linux-arm64 (default: $HOOKBRIDGE_PLATFORMS or linux-amd64)
  --skip-webapp      do not run the webapp build; an existing webapp/dist is still bundled
  --entry FILE       server entry point (default: ${DEFAULT_ENTRY} under the root)
  --root DIR         project folder holding plugin.json (default: this repository)`;

function log(message) {
  console.log(`dist: ${message}`);
}

function warn(message) {
  console.warn(`dist: warning: ${message}`);
}

function formatBytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB (${bytes.toLocaleString('en-US')} bytes)`;
}

function runInherited(cmd, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {cwd, stdio: 'inherit'});
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${code})`))));
  });
}

/** Builds the webapp when it can and reports whether webapp/dist holds a bundle. */
async function webapp(root, bundlePath, skip) {
  const dir = join(root, 'webapp');
  if (!existsSync(join(dir, 'package.json'))) {
    warn('webapp/package.json is missing; the bundle will have no webapp');
    return false;
  }
  if (skip) {
    log('--skip-webapp: using webapp/dist as it is');
  } else {
    log('building the webapp (npm ci && npm run build)');
    await runInherited('npm', ['ci', '--no-audit', '--no-fund'], dir);
    await runInherited('npm', ['run', 'build'], dir);
  }
  if (!existsSync(join(root, bundlePath))) {
    if (skip) {
      warn(`${bundlePath} does not exist; the bundle will have no webapp`);
      return false;
    }
    throw new Error(`the webapp build did not produce ${bundlePath}`);
  }
  return true;
}

/**
 * @param {{root: string; entry: string; platforms: string[]; skipWebapp: boolean}} options
 */
async function dist({root, entry, platforms, skipWebapp}) {
  const manifest = JSON.parse(await readFile(join(root, 'plugin.json'), 'utf8'));
  const {id, version} = bundleManifest(manifest, {platforms, webapp: false});
  const show = (p) => relative(process.cwd(), p) || p;

  const server = await buildServer({root, entry});
  log(`server bundle ${show(server.bundle)}: ${(server.bytes / 1024).toFixed(0)} KiB in ${server.ms.toFixed(0)} ms`);

  const seas = [];
  for (const platform of platforms) {
    const started = performance.now();
    const sea = await buildSea({bundle: server.bundle, platform, out: join(root, executablePath(platform)), cacheDir: CACHE_DIR, log});
    seas.push(sea);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(`${show(sea.path)}: ${formatBytes(sea.bytes)}, Node ${sea.nodeVersion}${sea.stripped ? ', stripped' : ''}, ${seconds} s`);
  }

  const bundlePath = typeof manifest.webapp?.bundle_path === 'string' ? manifest.webapp.bundle_path : undefined;
  const hasWebapp = bundlePath !== undefined && (await webapp(root, bundlePath, skipWebapp));
  const shipped = bundleManifest(manifest, {platforms, webapp: hasWebapp});

  /** @type {import('./sea/tar.d.mts').TarEntry[]} */
  const entries = [{path: `${id}/plugin.json`, type: 'file', data: Buffer.from(`${JSON.stringify(shipped, null, 2)}\n`)}];
  for (const sea of seas) entries.push({path: `${id}/${executablePath(sea.platform)}`, type: 'file', source: sea.path, mode: 0o755});
  // Node's license has to accompany the Node runtime inside each executable.
  const license = seas.find((s) => s.nodeLicense)?.nodeLicense;
  if (license) entries.push({path: `${id}/server/dist/NODE_LICENSE`, type: 'file', source: license, mode: 0o644});
  if (hasWebapp) {
    const webappDist = join(root, bundlePath, '..');
    entries.push(...(await listTree(webappDist, `${id}/${relative(root, webappDist).split('\\').join('/')}`)));
  }
  for (const dir of ['assets', 'public']) {
    if (existsSync(join(root, dir))) entries.push(...(await listTree(join(root, dir), `${id}/${dir}`)));
  }
  for (const file of ['README.md', 'LICENSE']) {
    if (existsSync(join(root, file))) entries.push({path: `${id}/${file}`, type: 'file', source: join(root, file), mode: 0o644});
  }

  const outDir = join(root, 'dist');
  await mkdir(outDir, {recursive: true});
  const archive = join(outDir, `${id}-${version}.tar.gz`);
  const started = performance.now();
  await writeTarGz(archive, entries);
  const {size} = await stat(archive);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const verdict = checkBundleSize(size);
  if (verdict.level === 'error') {
    await rm(archive, {force: true});
    throw new Error(verdict.message);
  }
  if (verdict.level === 'warn') warn(verdict.message);
  console.log(`${show(archive)}  ${formatBytes(size)}  [${platforms.join(', ')}${hasWebapp ? ', webapp' : ''}; Node ${NODE_VERSION}; written in ${seconds} s]`);
  return archive;
}

async function main() {
  const {values} = parseArgs({
    options: {
      platforms: {type: 'string'},
      'skip-webapp': {type: 'boolean', default: false},
      entry: {type: 'string'},
      root: {type: 'string'},
      help: {type: 'boolean', short: 'h'},
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const root = resolve(values.root ?? repoRoot);
  await dist({
    root,
    entry: values.entry !== undefined ? resolve(values.entry) : DEFAULT_ENTRY,
    platforms: parsePlatforms(values.platforms ?? process.env.HOOKBRIDGE_PLATFORMS),
    skipWebapp: values['skip-webapp'] ?? false,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`dist: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
