// The plugin runtime under a Go host that plays Mattermost's supervisor exactly.
import assert from 'node:assert/strict';
import {before, describe, it} from 'node:test';
import {bundleExecutable} from '../support/bundle.js';
import {failures, goBinary, MATTERMOST_START_TIMEOUT_MS, repoRoot, run} from './support.js';

describe('plugin runtime under the Mattermost-shaped Go host', () => {
  let exe: string;
  before(async () => {
    exe = await bundleExecutable('test/fixtures/runtime-plugin.ts', 'runtime-plugin');
  });

  it('activates, handles posts, streams 5 MiB in and out of ServeHTTP, deactivates and quits', async () => {
    const res = await run(goBinary('host'), ['--plugin', exe, '--scenario', 'mattermost', '--script', `${repoRoot}test/conformance/scripts/runtime.json`, '--expect-handshake-ms', String(MATTERMOST_START_TIMEOUT_MS), '--timeout', '90s']);
    assert.deepEqual(failures(res.stdout), [], res.stdout + res.stderr.slice(-4000));
    assert.match(res.stdout, /^\d+ passed, 0 failed$/m);
    assert.equal(res.code, 0);
  });
});
