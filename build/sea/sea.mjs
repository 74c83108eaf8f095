// Turns the server bundle into a Node single executable application (SEA) per
// platform, so Mattermost can exec the plugin on servers without Node installed.
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, copyFile, mkdtemp, rename, rm, stat, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {PLUGIN_NODE_FLAGS} from '../node-flags.mjs';
import {ensureNodeBinary, hostPlatform, NODE_VERSION, PLATFORMS} from './node-binary.mjs';

/** The fuse string Node looks for to decide that a blob was injected. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const require = createRequire(import.meta.url);

function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe'], ...options});
    const output = [];
    child.stdout.on('data', (c) => output.push(c));
    child.stderr.on('data', (c) => output.push(c));
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const text = Buffer.concat(output).toString();
      if (code === 0) resolve(text);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})\n${text.trim()}`));
    });
  });
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Picks a strip that understands the target's ELF machine, or none. */
function stripTool(platform) {
  const host = hostPlatform();
  if (platform === host && onPath('strip')) return 'strip';
  const cross = {'linux-amd64': 'x86_64-linux-gnu-strip', 'linux-arm64': 'aarch64-linux-gnu-strip'}[platform];
  return cross && onPath(cross) ? cross : undefined;
}

/**
 * Builds `out` as a SEA of `bundle` for `platform`.
 * @param {import('./sea.d.mts').SeaOptions} options
 * @returns {Promise<import('./sea.d.mts').SeaResult>}
 */
export async function buildSea({bundle, platform, out, cacheDir, log = () => {}}) {
  if (!(platform in PLATFORMS)) throw new Error(`unsupported platform ${platform}; supported: ${Object.keys(PLATFORMS).join(', ')}`);
  const target = await ensureNodeBinary({platform, cacheDir, log});
  // The blob must come from the same Node version as the binary it goes into. A foreign-arch
  // binary cannot run here, so the host's build of that same version writes the blob instead.
  // Without a snapshot or code cache the blob holds only flags, the script's name and its source,
  // none of it tied to a CPU (Node docs, single executable applications: the note on generating
  // cross-platform SEAs).
  const host = hostPlatform();
  const blobNode = platform === host ? target : await ensureNodeBinary({platform: host, cacheDir, log});

  const work = await mkdtemp(join(tmpdir(), 'hookbridge-sea-'));
  const partial = `${out}.partial`;
  const strip = stripTool(platform);
  try {
    const blob = join(work, 'sea-prep.blob');
    const config = join(work, 'sea-config.json');
    await writeFile(
      config,
      JSON.stringify({main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, execArgv: [...PLUGIN_NODE_FLAGS]}),
    );
    await run(blobNode.path, ['--experimental-sea-config', config], {cwd: work});

    await rm(partial, {force: true});
    if (strip) {
      // Debug symbols are about a seventh of the binary; stripping must precede injection,
      // since strip would discard the injected note.
      await run(strip, ['--strip-all', '-o', partial, target.path]);
    } else {
      log(`no strip for ${platform} on this machine; the ${platform} executable keeps its symbols`);
      await copyFile(target.path, partial);
    }
    await chmod(partial, 0o755);
    await run(process.execPath, [require.resolve('postject/dist/cli.js'), partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
    await chmod(partial, 0o755);
    await rename(partial, out);
  } catch (err) {
    await rm(partial, {force: true});
    throw err;
  } finally {
    await rm(work, {recursive: true, force: true});
  }
  return {path: out, platform, bytes: (await stat(out)).size, stripped: strip !== undefined, nodeVersion: NODE_VERSION, nodeLicense: target.license};
}
