// Builds what the sandbox runs: the page script, and the plugin executable (the
// real server from server/main.ts, or the fixture plugin while that does not
// exist). Usage: node --import tsx sandbox/build.ts [--page] [--plugin]

import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, renameSync, writeFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {build} from 'esbuild';
import {PLUGIN_NODE_FLAGS} from '../build/node-flags.mjs';
import {paths} from './paths.js';

export async function buildPage(): Promise<string> {
  const out = join(paths.pageDir, 'dist', 'page.js');
  const result = await build({
    entryPoints: [join(paths.pageDir, 'main.tsx')],
    outfile: out,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: 'linked',
    define: {'process.env.NODE_ENV': '"production"'},
    logLevel: 'warning',
    write: false,
  });
  // A running sandbox may be serving the page while it is rebuilt: replace each file whole.
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), {recursive: true});
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  return out;
}

function launcher(js: string, exe: string): void {
  // Mattermost kills only the PID it started, so the shell must exec node.
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" ${PLUGIN_NODE_FLAGS.join(' ')} "${js}" "$@"\n`);
  chmodSync(exe, 0o755);
}

/** Builds the plugin executable at paths.pluginLauncher; says which plugin it is. */
export async function buildPlugin(): Promise<{executable: string; real: boolean}> {
  mkdirSync(paths.cacheDir, {recursive: true});
  const js = join(paths.cacheDir, 'plugin.cjs');
  if (existsSync(paths.serverEntry)) {
    const r = spawnSync(process.execPath, [join(paths.root, 'build', 'build-server.mjs'), '--entry', paths.serverEntry, '--out', js], {stdio: 'inherit', cwd: paths.root});
    if (r.status !== 0) throw new Error('building the plugin server failed');
    launcher(js, paths.pluginLauncher);
    return {executable: paths.pluginLauncher, real: true};
  }
  await build({entryPoints: [paths.fixtureEntry], outfile: js, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning'});
  launcher(js, paths.pluginLauncher);
  return {executable: paths.pluginLauncher, real: false};
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const all = !args.includes('--page') && !args.includes('--plugin');
  if (all || args.includes('--page')) {
    const page = await buildPage();
    console.log(`sandbox page: ${relative(process.cwd(), page)}`);
  }
  if (all || args.includes('--plugin')) {
    const {executable, real} = await buildPlugin();
    if (real) console.log(`sandbox plugin: ${relative(process.cwd(), executable)} (server/main.ts)`);
    else {
      console.log('');
      console.log('  server/main.ts does not exist yet, so the sandbox runs the FIXTURE plugin');
      console.log(`  (sandbox/test/fixture-plugin.ts) instead of Hookbridge: ${relative(process.cwd(), executable)}`);
      console.log('');
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(`sandbox build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
