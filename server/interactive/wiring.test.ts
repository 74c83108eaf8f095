// Interactive messages through the whole plugin: an incoming webhook posts a
// button, a click travels through Hookbridge to a service on loopback, signed,
// and an outgoing reply can offer a dialog.
import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, beforeEach, describe, it} from 'node:test';
import {call, createIncoming, makeWorld, type World} from '../http/test-kit.js';
import type {AttachmentJSON} from './actions.js';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

describe('interactive messages in the plugin', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  let reply: unknown = {};

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>});
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  let w: World;
  let hookId = '';
  beforeEach(async () => {
    seen.length = 0;
    w = await makeWorld();
    hookId = String((await createIncoming(w, {display_name: 'Alerts', signature: {mode: 'github', secret: 'gh-secret'}})).id);
  });

  const postAlert = (attachments: unknown[]) => call(w.plugin, {method: 'POST', path: `/hooks/${hookId}`, body: {text: 'Alert', attachments}});

  it('routes a posted button through Hookbridge and forwards the click signed', async () => {
    const res = await postAlert([{text: 'CPU high', actions: [{id: 'ack', name: 'Ack', integration: {url: `${base}/ack`, context: {alert: 7}}}]}]);
    assert.equal(res.status, 200, res.text);
    const post = [...w.mm.posts.values()].find((p) => p.Message === 'Alert')!;
    const action = (post.Props!.attachments as AttachmentJSON[])[0]!.actions![0]!;
    assert.equal(action.integration!.url, '/plugins/hookbridge/actions/click');

    reply = {ephemeral_text: 'Acked'};
    const click = await call(w.plugin, {method: 'POST', path: '/actions/click', userId: w.alice.Id, body: {post_id: post.Id, channel_id: w.town.Id, trigger_id: 'tr', type: 'button', context: action.integration!.context}});
    assert.equal(click.status, 200, click.text);
    assert.deepEqual(click.json, {ephemeral_text: 'Acked'});
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.path, '/ack');
    assert.deepEqual(seen[0]!.body.context, {alert: 7});
    assert.equal(seen[0]!.body.user_id, w.alice.Id);
    const ts = String(seen[0]!.headers['x-hookbridge-timestamp']);
    const raw = JSON.stringify(seen[0]!.body);
    const want = createHmac('sha256', 'gh-secret').update(`v0:${ts}:${raw}`).digest('hex');
    assert.match(String(seen[0]!.headers['x-hookbridge-signature']), new RegExp(`v0=${want}`));
  });

  it('refuses bad attachments with a clear 400 and posts nothing', async () => {
    for (const [attachment, pattern] of [
      [{color: 'pink'}, /color/],
      [{title_link: 'https://x.example'}, /title_link/],
      [{actions: [{id: 'a b', name: 'x', integration: {url: `${base}/x`}}]}, /id/],
      [{actions: [{name: 'x', type: 'select', integration: {url: `${base}/x`}}]}, /options or a data_source/],
      [{actions: [{name: 'x', integration: {url: 'ftp://x'}}]}, /integration.url/],
    ] as const) {
      const res = await postAlert([attachment]);
      assert.equal(res.status, 400, res.text);
      assert.match((res.json as {message: string}).message, pattern);
    }
    assert.equal([...w.mm.posts.values()].filter((p) => p.Message === 'Alert').length, 0);
  });

  it('offers a dialog from an outgoing-webhook reply as a button only the poster sees', async () => {
    const created = await call(w.plugin, {method: 'POST', path: '/api/v1/hooks/outgoing', userId: w.admin.Id, body: {team_id: w.team.Id, display_name: 'Bugs', trigger_words: ['bug'], callback_urls: [`${base}/bug`], content_type: 'application/json'}});
    assert.equal(created.status, 201, created.text);
    reply = {text: 'Let us file it', dialog: {title: 'File a bug', elements: [{display_name: 'Title', name: 'title', type: 'text'}]}, dialog_url: `${base}/bug-dialog`};
    const post = await w.mm.createPost({ChannelId: w.town.Id, UserId: w.alice.Id, Message: 'bug in the login page'});
    await w.plugin.messageHasBeenPosted({}, post);
    await w.plugin.idle();
    const offered = w.mm.ephemeral.find((e) => e.userId === w.alice.Id);
    assert.ok(offered, 'an ephemeral offer');
    const button = (offered.post.Props!.attachments as AttachmentJSON[])[0]!.actions![0]!;
    const open = await call(w.plugin, {method: 'POST', path: '/actions/open-dialog', userId: w.alice.Id, body: {trigger_id: 'tt', context: button.integration!.context}});
    assert.equal(open.status, 200, open.text);
    assert.equal(w.mm.dialogs[0]!.Dialog.Title, 'File a bug');
    assert.ok(w.mm.dialogs[0]!.URL.startsWith('/plugins/hookbridge/dialogs/submit?t='));
  });
});
