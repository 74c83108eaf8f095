// The sandbox has its own TypeScript projects (the root one does not cover it, and
// the page needs the DOM library): both must compile under strict settings.

import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {promisify} from 'node:util';
import {paths} from './paths.js';

const run = promisify(execFile);
const tsc = join(paths.root, 'node_modules', 'typescript', 'bin', 'tsc');

describe('sandbox sources type-check', () => {
  for (const project of ['sandbox/tsconfig.json', 'sandbox/web/tsconfig.json']) {
    it(project, {timeout: 120_000}, async () => {
      const r = await run(process.execPath, [tsc, '-p', project, '--noEmit'], {cwd: paths.root}).catch((err: {stdout?: string; stderr?: string}) => err);
      assert.equal(`${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), '');
    });
  }
});
