// The Go host's serve scenario (cmd/host/serve.go), which the incoming benchmark
// runs the plugin under, driven through bench/support/go-host.ts.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {GoHost} from '../../bench/support/go-host.js';
import {request, pluginExecutable} from '../../bench/support/sandbox.js';

describe('the plugin under the Go host (host --scenario serve)', () => {
  let host: GoHost;
  before(async () => {
    host = await GoHost.start(pluginExecutable());
  });
  after(async () => {
    await host?.stop();
  });

  it('serves an incoming webhook through ServeHTTP and CreatePost, and counts the API calls', async () => {
    const url = await host.createIncomingHook();
    const before = await host.calls();
    const ok = await request(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hello from the Go host'})});
    assert.deepEqual([ok.status, ok.body], [200, 'ok']);
    const bad = await request(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"text": '});
    assert.equal(bad.status, 400);
    assert.match(bad.body, /Unable to parse incoming data/);
    const after = await host.calls();
    assert.equal((after.CreatePost ?? 0) - (before.CreatePost ?? 0), 1, 'one post for the good request, none for the bad one');
    await host.clearPosts();
  });

  it('stops the plugin and itself at the end of its input', async () => {
    const pid = host.pluginPid;
    await host.stop();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await assert.rejects(host.calls(), /has exited/);
  });
});
