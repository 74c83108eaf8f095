// The sandbox end to end: the real `node --import tsx sandbox/server.ts` from a
// clean data folder, the fixture plugin launched over the real plugin protocol,
// driven only through HTTP as a browser or an integration would.

import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {bundleExecutable} from '../support/bundle.js';
import {pattern, tempDir} from '../support/net.js';
import {buildPage} from '../../sandbox/build.js';
import {paths} from '../../sandbox/paths.js';
import {Client, EventStream, processAlive, startSandbox, waitFor, type RunningSandbox} from '../../sandbox/test/harness.js';

interface RestPost {
  id: string;
  user_id: string;
  channel_id: string;
  message: string;
  type: string;
  edit_at: number;
  props: Record<string, unknown>;
}
interface Channel {
  id: string;
  name: string;
  type: string;
}

describe('sandbox (fixture plugin)', {timeout: 180_000}, () => {
  const data = tempDir('hb-sandbox-');
  let exe = '';
  let sbx: RunningSandbox;
  let admin: Client;
  let alice: Client;
  let anon: Client;
  let aliceId = '';
  let town = '';

  const env = (): Record<string, string> => ({SANDBOX_DATA: data.path, SANDBOX_PLUGIN: exe});
  const connect = (s: RunningSandbox): void => {
    admin = new Client(s.url, 'admin');
    alice = new Client(s.url, 'alice');
    anon = new Client(s.url, null);
  };
  const posts = async (channelId: string): Promise<RestPost[]> => {
    const r = await alice.json<{order: string[]; posts: Record<string, RestPost>}>(`/api/v4/channels/${channelId}/posts`);
    return r.order.map((id) => r.posts[id]!);
  };
  const kv = async (key: string): Promise<string | null> => {
    const r = await alice.raw(`/plugins/hookbridge/kv/${key}`);
    return r.status === 404 ? null : ((await r.json()) as {value: string}).value;
  };
  const pluginPid = async (): Promise<number> => (await alice.json<{pid: number}>('/plugins/hookbridge/pid')).pid;

  before(async () => {
    exe = await bundleExecutable('sandbox/test/fixture-plugin.ts', 'sandbox-fixture');
    await buildPage();
    sbx = await startSandbox(env());
    connect(sbx);
    aliceId = (await alice.json<{id: string}>('/api/v4/users/me')).id;
    const [team] = await alice.json<{id: string}[]>('/api/v4/teams');
    const channels = await alice.json<Channel[]>(`/api/v4/teams/${team!.id}/channels`);
    town = channels.find((c) => c.name === 'town-square')!.id;
    assert.deepEqual(channels.map((c) => c.name).sort(), ['off-topic', 'town-square'], 'alice does not see the private channel');
  });

  after(async () => {
    await sbx?.stop();
    data.cleanup();
  });

  it('answers ping, knows its users, and refuses the unauthenticated', async () => {
    assert.deepEqual(await anon.json('/api/v4/system/ping'), {status: 'OK', ActiveSearchBackend: 'database'});
    assert.equal((await anon.raw('/api/v4/users/me')).status, 401);
    assert.equal((await new Client(sbx.url, 'mallory').raw('/api/v4/users/me')).status, 401);
    const users = await alice.json<{username: string; roles: string}[]>('/api/v4/users');
    assert.ok(users.some((u) => u.username === 'admin' && u.roles.includes('system_admin')));
    assert.equal((await alice.raw('/api/v4/plugins/statuses')).status, 403);
    const page = await anon.raw('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('set-cookie') ?? '', /MMCSRF=/);
  });

  it('sets Mattermost-User-Id as the server does, and only then', async () => {
    const spoof = {'Mattermost-User-Id': 'spoofed', 'Mattermost-Plugin-ID': 'spoofed'};
    const who = (c: Client, path = '/plugins/hookbridge/whoami?x=1&access_token=secret', init: {method?: string; headers?: Record<string, string>} = {}) =>
      c.json<{user_id: string; plugin_id: string; authorization: string; url: string}>(path, {...init, headers: {...spoof, ...(init.headers ?? {})}});
    assert.deepEqual(await who(anon), {user_id: '', plugin_id: '', authorization: '', path: '/whoami', url: '/whoami?x=1', method: 'GET'});
    const asAlice = await who(alice);
    assert.equal(asAlice.user_id, aliceId);
    assert.equal(asAlice.authorization, '', 'Authorization is removed once resolved');
    assert.equal(asAlice.plugin_id, '');
    const unknown = await who(new Client(sbx.url, 'mallory'));
    assert.equal(unknown.user_id, '');
    assert.equal(unknown.authorization, 'Bearer mallory', 'an unknown token is passed through untouched');
    // The page's cookie session: writes need the CSRF token from the MMCSRF cookie.
    const csrf = /MMCSRF=([^;]+)/.exec((await anon.raw('/')).headers.get('set-cookie') ?? '')![1]!;
    const cookie = `MMAUTHTOKEN=alice; MMCSRF=${csrf}`;
    assert.equal((await who(anon, '/plugins/hookbridge/whoami', {headers: {Cookie: cookie}})).user_id, aliceId);
    assert.equal((await who(anon, '/plugins/hookbridge/whoami', {method: 'POST', headers: {Cookie: cookie}})).user_id, '', 'a cookie write without CSRF is unauthenticated');
    assert.equal((await who(anon, '/plugins/hookbridge/whoami', {method: 'POST', headers: {Cookie: cookie, 'X-CSRF-Token': csrf}})).user_id, aliceId);
  });

  it('streams a 5 MiB request body to the plugin', async () => {
    const body = pattern(5 * 1024 * 1024, 3);
    const r = await alice.json<{length: number; sha256: string; user_id: string}>('/plugins/hookbridge/digest', {method: 'POST', body});
    assert.deepEqual(r, {length: body.length, sha256: createHash('sha256').update(body).digest('hex'), user_id: aliceId});
  });

  it('streams a large response from the plugin as it is written', async () => {
    const r = await alice.raw('/plugins/hookbridge/stream?mb=48');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
    assert.equal(r.headers.get('transfer-encoding'), 'chunked', 'no buffering into one Content-Length body');
    let total = 0;
    let first = -1;
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      if (first < 0) first = chunk[0]!;
      total += chunk.length;
    }
    assert.equal(total, 48 * 1024 * 1024);
    assert.equal(first, 97);
  });

  it('keeps the plugin status codes and turns plugin errors into their JSON', async () => {
    const teapot = await alice.raw('/plugins/hookbridge/teapot');
    assert.equal(teapot.status, 418);
    assert.equal(await teapot.text(), 'short and stout');
    const missing = await alice.raw('/plugins/hookbridge/nope');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as {id: string}).id, 'fixture.not_found');
  });

  it('runs MessageHasBeenPosted for user posts and plugin posts, and MessageHasBeenUpdated on edits', async () => {
    const events = new EventStream(sbx.url, 'alice');
    try {
      await events.next('hello');
      const mine = await alice.json<RestPost>('/api/v4/posts', {method: 'POST', body: {channel_id: town, message: 'echo hi there'}}, 201);
      assert.equal(mine.user_id, aliceId);
      const reply = await waitFor('the echo reply', async () => (await posts(town)).find((p) => p.message === 'echo: hi there'));
      assert.equal(reply.props.from_bot, 'true');
      await events.next('posted', (m) => JSON.parse(String(m.data.post)).id === reply.id);
      // The plugin saw its own post too (the server calls the hook for it) and ignored it: no loop.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await posts(town)).filter((p) => p.message.startsWith('echo')).length, 2);
      assert.equal(await kv('posted_count'), '1');

      const edited = await alice.json<RestPost>(`/api/v4/posts/${mine.id}/patch`, {method: 'PUT', body: {message: 'echo edited'}});
      assert.ok(edited.edit_at > 0);
      await events.next('post_edited', (m) => JSON.parse(String(m.data.post)).message === 'echo edited');
      assert.equal(await waitFor('MessageHasBeenUpdated', async () => (await kv('last_edit')) === 'echo edited' && 'yes'), 'yes');
      assert.equal((await alice.raw(`/api/v4/posts/${reply.id}/patch`, {method: 'PUT', body: {message: 'x'}})).status, 403, 'only the author or an admin may edit');
      assert.equal((await admin.raw(`/api/v4/posts/${reply.id}/patch`, {method: 'PUT', body: {message: 'echo: hi there (checked)'}})).status, 200);

      await alice.json('/api/v4/posts', {method: 'POST', body: {channel_id: town, message: 'event hello'}}, 201);
      const custom = await events.next('custom_hookbridge_ping');
      assert.deepEqual(custom.data, {message: 'hello'});
      assert.equal(custom.broadcast.channel_id, town);
    } finally {
      await events.close();
    }
  });

  it('runs interactive actions and dialogs through the plugin', async () => {
    const events = new EventStream(sbx.url, 'alice');
    try {
      await events.next('hello');
      await alice.json('/api/v4/posts', {method: 'POST', body: {channel_id: town, message: 'buttons'}}, 201);
      const card = await waitFor('the buttons post', async () => (await posts(town)).find((p) => p.message === 'Pick one'));
      const actions = (card.props.attachments as {actions: Record<string, unknown>[]}[])[0]!.actions;
      assert.equal(actions.length, 3);
      assert.ok(actions.every((a) => !('integration' in a)), 'clients never see integration URLs');

      const approved = await alice.json<{status: string; trigger_id: string}>(`/api/v4/posts/${card.id}/actions/approve`, {method: 'POST', body: {}});
      assert.equal(approved.status, 'OK');
      assert.equal(approved.trigger_id.length, 26);
      await events.next('post_edited', (m) => JSON.parse(String(m.data.post)).message === 'alice approved');
      const ephemeral = await events.next('ephemeral_message');
      assert.equal(JSON.parse(String(ephemeral.data.post)).message, 'You approved.');
      const last = JSON.parse((await kv('last_action'))!) as Record<string, unknown>;
      assert.equal(last.user_id, aliceId);
      assert.equal(last.channel_id, town);
      assert.equal(last.post_id, card.id);
      assert.equal(last.type, 'button');

      await alice.json(`/api/v4/posts/${card.id}/actions/flavour`, {method: 'POST', body: {selected_option: 'chocolate'}});
      await events.next('post_edited', (m) => JSON.parse(String(m.data.post)).message === 'alice chose chocolate');

      await alice.json(`/api/v4/posts/${card.id}/actions/dialog`, {method: 'POST', body: {}});
      const open = await events.next('custom_hookbridge_open_dialog');
      assert.equal(open.data.url, '/plugins/hookbridge/dialog');
      assert.equal((open.data.dialog as {title: string}).title, 'Fixture dialog');
      assert.equal(String(open.data.trigger_id).length, 26);
      const submit = {url: open.data.url, callback_id: 'fixture', state: '', channel_id: town, team_id: '', cancelled: false};
      assert.deepEqual(await alice.json('/api/v4/actions/dialogs/submit', {method: 'POST', body: {...submit, submission: {name: ''}}}), {errors: {name: 'A name is required.'}});
      assert.deepEqual(await alice.json('/api/v4/actions/dialogs/submit', {method: 'POST', body: {...submit, user_id: 'forged', submission: {name: 'Bob'}}}), {});
      await waitFor('the dialog post', async () => (await posts(town)).find((p) => p.message === `dialog from ${aliceId}: Bob`));
      assert.equal((await alice.raw(`/api/v4/posts/${card.id}/actions/nosuch`, {method: 'POST', body: {}})).status, 404);
    } finally {
      await events.close();
    }
  });

  it('calls integrations outside the plugin over HTTP, on loopback only', async () => {
    const seen: Record<string, unknown>[] = [];
    const integration = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify({update: {message: 'handled outside'}, goto_location: 'http://localhost/somewhere'}));
      });
    });
    await new Promise<void>((r) => integration.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (integration.address() as AddressInfo).port;
      const attachments = [{text: 'external', actions: [{id: 'ext', name: 'Go', type: 'button', integration: {url: `http://127.0.0.1:${port}/act`, context: {k: 'v'}}}, {id: 'far', name: 'Far', type: 'button', integration: {url: 'http://example.invalid/act'}}]}];
      const post = await alice.json<RestPost>('/api/v4/posts', {method: 'POST', body: {channel_id: town, message: 'with actions', props: {attachments}}}, 201);
      const r = await alice.json<{status: string; goto_location: string}>(`/api/v4/posts/${post.id}/actions/ext`, {method: 'POST', body: {}});
      assert.equal(r.goto_location, 'http://localhost/somewhere');
      assert.deepEqual(seen[0]?.context, {k: 'v'});
      assert.equal(seen[0]?.user_name, 'alice');
      assert.equal((await alice.json<RestPost>(`/api/v4/posts/${post.id}`)).message, 'handled outside');
      const far = await alice.raw(`/api/v4/posts/${post.id}/actions/far`, {method: 'POST', body: {}});
      assert.equal(far.status, 400);
      assert.match(((await far.json()) as {message: string}).message, /only calls integrations on this machine/);
    } finally {
      await new Promise<void>((r) => integration.close(() => r()));
    }
  });

  it('saves plugin settings and runs OnConfigurationChange (admins only)', async () => {
    assert.equal((await alice.raw('/api/v4/plugins/hookbridge/config', {method: 'PUT', body: {RequestTimeoutSeconds: 5}})).status, 403);
    const saved = await admin.json<Record<string, unknown>>('/api/v4/plugins/hookbridge/config', {method: 'PUT', body: {RequestTimeoutSeconds: 12, AllowedInternalHosts: '127.0.0.1'}});
    assert.equal(saved.RequestTimeoutSeconds, 12);
    assert.equal(saved.EnableIncoming, true, 'defaults from the manifest');
    const config = JSON.parse((await kv('config'))!) as Record<string, unknown>;
    assert.equal(config.requesttimeoutseconds, 12, 'LoadPluginConfiguration has lower-cased keys');
    assert.equal(config.allowedinternalhosts, '127.0.0.1');
    assert.equal((await admin.raw('/api/v4/plugins/hookbridge/config', {method: 'PUT', body: {EnableIncoming: 'yes'}})).status, 400);
  });

  it('restarts the plugin process without losing data', async () => {
    const before = await pluginPid();
    assert.equal(await kv('activations'), '1');
    const r = await admin.json<{status: string; state: number; pid: number}>('/api/v4/plugins/hookbridge/restart', {method: 'POST'});
    assert.equal(r.status, 'OK');
    assert.equal(r.state, 2);
    assert.notEqual(r.pid, before);
    assert.equal(processAlive(before), false, 'the old process is gone');
    assert.equal(await kv('deactivated_pid'), String(before), 'OnDeactivate ran before Quit');
    assert.equal(await kv('activations'), '2');
    assert.ok((await posts(town)).some((p) => p.message === 'alice chose chocolate'));
  });

  it('restarts a plugin that crashed', async () => {
    const before = await pluginPid();
    process.kill(before, 'SIGKILL');
    const after = await waitFor('a new plugin process', async () => {
      const pid = await pluginPid().catch(() => 0);
      return pid && pid !== before ? pid : 0;
    });
    assert.ok(after > 0);
    assert.equal(await kv('activations'), '3');
  });

  it('stops cleanly on SIGTERM and keeps posts and plugin data across a restart of the sandbox', async () => {
    const pid = await pluginPid();
    assert.equal(await sbx.stop(), 0, sbx.output());
    assert.equal(processAlive(pid), false, 'no orphan plugin process');
    assert.match(sbx.output(), /stopped/);

    sbx = await startSandbox(env());
    connect(sbx);
    assert.equal((await alice.json<{id: string}>('/api/v4/users/me')).id, aliceId, 'same users');
    const after = await posts(town);
    assert.ok(after.some((p) => p.message === 'echo: hi there (checked)'));
    assert.ok(after.some((p) => p.message === 'alice chose chocolate'));
    assert.ok(after.some((p) => p.message === `dialog from ${aliceId}: Bob`));
    assert.equal(await kv('deactivated_pid'), String(pid), 'OnDeactivate ran at shutdown and its write was saved');
    assert.equal(await kv('activations'), '4');
    assert.equal(JSON.parse((await kv('config'))!).requesttimeoutseconds, 12);

    const last = await pluginPid();
    assert.equal(await sbx.stop(), 0);
    assert.equal(processAlive(last), false);
  });
});

describe('sandbox (Hookbridge)', {skip: !existsSync(paths.serverEntry) && 'server/main.ts does not exist yet'}, async () => {
  const {realPluginProof} = await import('../../sandbox/test/hookbridge-proof.js');
  await realPluginProof();
});
