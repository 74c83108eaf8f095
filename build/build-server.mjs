// Bundles the plugin server into one CommonJS file, plus a shell launcher for machines with Node.
//   node build/build-server.mjs [--entry server/main.ts] [--out server/dist/plugin.cjs] [--root DIR]
// A SEA can only `require` Node's built-in modules, so everything else must be inside this one file.
import {chmod, mkdir, readFile, stat, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {basename, dirname, relative, resolve} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {build} from 'esbuild';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_ENTRY = 'server/main.ts';
export const DEFAULT_OUT = 'server/dist/plugin.cjs';

/**
 * @param {{root?: string; entry?: string; out?: string}} [options] paths relative to `root`
 * @returns {Promise<{bundle: string; launcher: string; bytes: number; version: string; ms: number}>}
 */
export async function buildServer(options = {}) {
  const started = performance.now();
  const root = resolve(options.root ?? repoRoot);
  const entry = resolve(root, options.entry ?? DEFAULT_ENTRY);
  const out = resolve(root, options.out ?? DEFAULT_OUT);
  if (!existsSync(entry)) {
    throw new Error(`server entry ${relative(process.cwd(), entry) || entry} does not exist; pass --entry <file>`);
  }
  const manifest = JSON.parse(await readFile(resolve(root, 'plugin.json'), 'utf8'));
  const version = String(manifest.version ?? '');

  await mkdir(dirname(out), {recursive: true});
  await build({
    entryPoints: [entry],
    outfile: out,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Readable names in stack traces matter more than a few kilobytes next to a 100 MB runtime.
    minify: false,
    // Not minified, functions keep the names they were written with. keepNames would also
    // give every closure an Object.defineProperty call as it is created, which cost about
    // 6 µs of the 75 µs each outgoing delivery takes to send.
    keepNames: false,
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
    define: {
      'process.env.HOOKBRIDGE_VERSION': JSON.stringify(version),
      // CommonJS output has no import.meta; this keeps `new URL(..., import.meta.url)` working.
      'import.meta.url': 'importMetaUrl',
    },
    inject: [fileURLToPath(new URL('./sea/import-meta-url.mjs', import.meta.url))],
  });

  // Mattermost kills only the PID it started, so the shell must exec node rather than fork it.
  const launcher = resolve(dirname(out), 'plugin.sh');
  await writeFile(launcher, `#!/bin/sh\nexec node "$(dirname "$0")/${basename(out)}" "$@"\n`);
  await chmod(launcher, 0o755);
  const {size} = await stat(out);
  return {bundle: out, launcher, bytes: size, version, ms: performance.now() - started};
}

async function main() {
  const {values} = parseArgs({
    options: {entry: {type: 'string'}, out: {type: 'string'}, root: {type: 'string'}, help: {type: 'boolean', short: 'h'}},
  });
  if (values.help) {
    console.log('usage: node build/build-server.mjs [--entry server/main.ts] [--out server/dist/plugin.cjs] [--root DIR]');
    return;
  }
  // Paths given on the command line are relative to where the command runs.
  const fromCwd = (p) => (p === undefined ? undefined : resolve(p));
  const result = await buildServer({root: values.root, entry: fromCwd(values.entry), out: fromCwd(values.out)});
  const show = (p) => relative(process.cwd(), p) || p;
  console.log(`${show(result.bundle)}  ${(result.bytes / 1024).toFixed(0)} KiB, version ${result.version}, ${result.ms.toFixed(0)} ms`);
  console.log(`${show(result.launcher)}  (needs node on PATH)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`build-server: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
