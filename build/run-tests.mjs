// Runs the test suites with Node's test runner (TypeScript through tsx).
//   node build/run-tests.mjs                 unit + end-to-end + conformance tests
//   node build/run-tests.mjs --conformance   only the Go conformance tests
//   node build/run-tests.mjs --unit          only tests that need no Go toolchain
import {spawnSync} from 'node:child_process';
import {existsSync as exists, readdirSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const only = args.includes('--conformance') ? 'conformance' : args.includes('--unit') ? 'unit' : 'all';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'gopath' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const all = [...walk(join(root, 'server')), ...walk(join(root, 'test')), ...(exists(join(root, 'sandbox')) ? walk(join(root, 'sandbox')) : [])].sort();
const isConformance = (f) => f.startsWith('test/conformance/');
const files = all.filter((f) => (only === 'all' ? true : only === 'conformance' ? isConformance(f) : !isConformance(f)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {cwd: root, stdio: 'inherit'});
process.exit(res.status ?? 1);
