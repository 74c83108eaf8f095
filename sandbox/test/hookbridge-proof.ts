// The real plugin in the sandbox: hooks created through its REST API the way the
// webapp does (webapp/src/client.ts), an outgoing hook answering a trigger word,
// an incoming hook posting, and a clean stop.

import assert from 'node:assert/strict';
import {createServer, type IncomingMessage, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, it} from 'node:test';
import {tempDir} from '../../test/support/net.js';
import {buildPlugin} from '../build.js';
import {Client, processAlive, startSandbox, waitFor, type RunningSandbox} from './harness.js';

interface RestPost {
  id: string;
  user_id: string;
  message: string;
  props: Record<string, unknown>;
}

export async function realPluginProof(): Promise<void> {
  const data = tempDir('hb-sandbox-real-');
  let sbx: RunningSandbox;
  let admin: Client;
  let teamId = '';
  let town = '';
  let callback: Server;
  let callbackURL = '';
  const received: Record<string, unknown>[] = [];

  const posts = async (): Promise<RestPost[]> => {
    const r = await admin.json<{order: string[]; posts: Record<string, RestPost>}>(`/api/v4/channels/${town}/posts`);
    return r.order.map((id) => r.posts[id]!);
  };

  before(async () => {
    const {executable, real} = await buildPlugin();
    assert.ok(real, 'server/main.ts was built');
    callback = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        try {
          received.push(JSON.parse(body) as Record<string, unknown>);
        } catch {
          received.push({raw: body});
        }
        res.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify({text: 'pong from the callback'}));
      });
    });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', () => r()));
    callbackURL = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/hook`;
    sbx = await startSandbox({SANDBOX_DATA: data.path, SANDBOX_PLUGIN: executable});
    admin = new Client(sbx.url, 'admin');
    teamId = (await admin.json<{id: string}[]>('/api/v4/teams'))[0]!.id;
    town = (await admin.json<{id: string; name: string}[]>(`/api/v4/teams/${teamId}/channels`)).find((c) => c.name === 'town-square')!.id;
    // Loopback callbacks are refused unless an admin allows them.
    await admin.json('/api/v4/plugins/hookbridge/config', {method: 'PUT', body: {AllowedInternalHosts: '127.0.0.1 localhost'}});
  });

  after(async () => {
    await sbx?.stop();
    await new Promise<void>((r) => callback?.close(() => r()));
    data.cleanup();
  });

  it('tells the webapp what the user may manage', async () => {
    const me = await admin.json<{is_admin: boolean; can_manage_outgoing: boolean}>('/plugins/hookbridge/api/v1/me');
    assert.equal(me.is_admin, true);
    assert.equal(me.can_manage_outgoing, true);
  });

  it('answers a trigger word through an outgoing hook created over its REST API', async () => {
    const hook = await admin.json<{id: string; token: string}>('/plugins/hookbridge/api/v1/hooks/outgoing', {
      method: 'POST',
      body: {
        team_id: teamId,
        channel_id: town,
        trigger_words: ['ping'],
        trigger_when: 0,
        callback_urls: [callbackURL],
        display_name: 'Ping',
        description: 'sandbox proof',
        content_type: 'application/json',
        username: '',
        icon_url: '',
        enabled: true,
        match: {mode: 'first_word', case_insensitive: false},
        events: ['posted'],
        channel_types: ['O'],
        headers: {},
        max_attempts: 1,
      },
    });
    assert.ok(hook.id);
    const listed = await admin.json<{id: string}[]>(`/plugins/hookbridge/api/v1/hooks/outgoing?team_id=${teamId}`);
    assert.ok(listed.some((h) => h.id === hook.id));
    await admin.json('/api/v4/posts', {method: 'POST', body: {channel_id: town, message: 'ping the sandbox'}}, 201);
    const reply = await waitFor('the callback reply post', async () => (await posts()).find((p) => p.message === 'pong from the callback'), 20_000);
    assert.ok(reply);
    assert.equal(received[0]?.trigger_word, 'ping');
    assert.equal(received[0]?.token, hook.token);
  });

  it('posts what an incoming hook receives', async () => {
    const hook = await admin.json<{id: string; url: string}>('/plugins/hookbridge/api/v1/hooks/incoming', {
      method: 'POST',
      body: {channel_id: town, team_id: teamId, display_name: 'In', description: '', username: '', icon_url: '', channel_locked: false, enabled: true, signature: {mode: 'none'}, allowed_ips: [], rate_limit: {per_minute: 0}},
    });
    const target = new URL(hook.url || `/plugins/hookbridge/hooks/${hook.id}`, sbx.url);
    const res = await fetch(new URL(target.pathname + target.search, sbx.url), {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hello from outside'})});
    assert.equal(res.status, 200, await res.text());
    await waitFor('the incoming post', async () => (await posts()).find((p) => p.message === 'hello from outside'));
    // Props nested deeper than the plugin protocol carries: a 400 that says so, and the plugin stays up.
    let deep: unknown = 'leaf';
    for (let i = 0; i < 600; i++) deep = {a: deep};
    const send = (body: unknown): Promise<Response> =>
      fetch(new URL(target.pathname + target.search, sbx.url), {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const refused = await send({text: 'too deep', props: {deep}});
    const error = (await refused.json()) as {message: string; status_code: number};
    assert.equal(refused.status, 400);
    assert.match(error.message, /nested more than 512 levels/);
    assert.equal((await send({text: 'still here'})).status, 200);
    assert.ok(!(await posts()).some((p) => p.message === 'too deep'));
  });

  it('stops cleanly', async () => {
    const [status] = await admin.json<{pid: number}[]>('/api/v4/plugins/statuses');
    assert.equal(await sbx.stop(), 0);
    assert.equal(processAlive(status!.pid), false);
  });
}
