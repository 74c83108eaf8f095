// Runs the test suites with Node's test runner (TypeScript through tsx).
//   node build/run-tests.mjs                 unit + end-to-end + conformance tests
//   node build/run-tests.mjs --conformance   only the Go conformance tests
//   node build/run-tests.mjs --unit          only tests that need no Go toolchain
import {spawn} from 'node:child_process';
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

const all = [...walk(join(root, 'server')), ...walk(join(root, 'test')), ...walk(join(root, 'build')), ...walk(join(root, 'bench')), ...(exists(join(root, 'sandbox')) ? walk(join(root, 'sandbox')) : [])].sort();
const isConformance = (f) => f.startsWith('test/conformance/');
const files = all.filter((f) => (only === 'all' ? true : only === 'conformance' ? isConformance(f) : !isConformance(f)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Stream the runner's TAP output through, and close with one plain summary line.
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=2', ...files], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']});
let passed = 0;
let failed = 0;
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const text = tail + chunk.toString();
  const lines = text.split('\n');
  tail = lines.pop() ?? '';
  for (const line of lines) {
    const m = /^# (pass|fail) (\d+)$/.exec(line);
    if (m) m[1] === 'pass' ? (passed = Number(m[2])) : (failed = Number(m[2]));
  }
});
child.on('close', (code) => {
  const m = /^# (pass|fail) (\d+)$/.exec(tail);
  if (m) m[1] === 'pass' ? (passed = Number(m[2])) : (failed = Number(m[2]));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? 1);
});
