// The Go host's serve scenario (cmd/host/serve.go), which the incoming benchmark
// runs the plugin under, driven through bench/support/go-host.ts.
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {GoHost} from '../../bench/support/go-host.js';
import {request, pluginExecutable} from '../../bench/support/sandbox.js';

describe('the plugin under the Go host (host --scenario serve)', () => {
  let host: GoHost;
  let receiver: Server;
  const received: {path: string; body: string}[] = [];
  let arrived: () => void = () => {};
  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({path: req.url ?? '', body});
        res.writeHead(200, {'Content-Type': 'application/json'}).end('{}');
        arrived();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    host = await GoHost.start(pluginExecutable(), {AllowedInternalHosts: '127.0.0.1'});
  });
  after(async () => {
    await host?.stop();
    receiver?.close();
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

  it("runs MessageHasBeenPosted for a user's post before answering, so an outgoing hook fires", async () => {
    const port = (receiver.address() as AddressInfo).port;
    await host.api('/hooks/outgoing', {team_id: host.teamId, channel_id: host.channelId, display_name: 'echo', trigger_words: ['deploy'], callback_urls: [`http://127.0.0.1:${port}/echo`], content_type: 'application/json', max_attempts: 1});
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    const postId = await host.post('deploy the Go host');
    assert.match(postId, /^[a-z0-9]{26}$/);
    await delivered;
    const [first] = received;
    assert.equal(first?.path, '/echo');
    const payload = JSON.parse(first!.body) as {text: string; trigger_word: string; post_id: string; user_name: string};
    assert.deepEqual([payload.text, payload.trigger_word, payload.post_id, payload.user_name], ['deploy the Go host', 'deploy', postId, 'alice']);
    await assert.rejects(host.post('two\nlines'), /one line/);
  });

  it('stops the plugin and itself at the end of its input', async () => {
    const pid = host.pluginPid;
    await host.stop();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await assert.rejects(host.calls(), /has exited/);
  });
});
