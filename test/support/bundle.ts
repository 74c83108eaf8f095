import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {build} from 'esbuild';
import {repoRoot} from '../conformance/support.js';

/**
 * Bundles a TypeScript entry into one CommonJS file plus a `#!/bin/sh` launcher
 * that execs node on it, the shape go-plugin's exec.Command expects.
 */
export async function bundleExecutable(entry: string, name: string): Promise<string> {
  const outDir = join(repoRoot, '.cache', 'fixtures');
  mkdirSync(outDir, {recursive: true});
  const js = join(outDir, `${name}.cjs`);
  await build({entryPoints: [join(repoRoot, entry)], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: js, logLevel: 'error'});
  const exe = join(outDir, name);
  mkdirSync(dirname(exe), {recursive: true});
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${js}" "$@"\n`);
  chmodSync(exe, 0o755);
  return exe;
}
