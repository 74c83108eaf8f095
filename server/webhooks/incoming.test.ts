import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {beforeEach, describe, it} from 'node:test';
import type {Post} from '../mattermost/model.js';
import {call, createIncoming, makeWorld, type FakeRequest, type World} from '../http/test-kit.js';
import {escapeControlChars} from './incoming-parse.js';

describe('incoming webhooks', () => {
  let w: World;
  let hookId = '';
  let path = '';

  beforeEach(async () => {
    w = await makeWorld({config: {EnablePostUsernameOverride: true, EnablePostIconOverride: true}});
    hookId = String((await createIncoming(w, {display_name: 'CI', username: 'ci-bot'})).id);
    path = `/hooks/${hookId}`;
  });

  const webhookPosts = (): Post[] => [...w.mm.posts.values()].filter((p) => p.Props?.from_webhook === 'true');
  const send = (r: Partial<FakeRequest>) => call(w.plugin, {method: 'POST', path, ...r});

  describe('content types', () => {
    const cases: [string, Partial<FakeRequest>][] = [
      ['JSON', {headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hi'})}],
      ['JSON with charset', {headers: {'Content-Type': 'application/json; charset=utf-8'}, body: JSON.stringify({text: 'hi'})}],
      ['no Content-Type means JSON', {body: Buffer.from(JSON.stringify({text: 'hi'}))}],
      ['any other type means JSON', {headers: {'Content-Type': 'text/plain'}, body: JSON.stringify({text: 'hi'})}],
      ['form with payload=', {headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: `payload=${encodeURIComponent(JSON.stringify({text: 'hi'}))}`}],
      ['form with payload= in the query', {path: '', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: ''}],
      ['multipart fields by Go field name', {headers: {'Content-Type': 'multipart/form-data; boundary=XyZ'}, body: '--XyZ\r\nContent-Disposition: form-data; name="Text"\r\n\r\nhi\r\n--XyZ\r\nContent-Disposition: form-data; name="username"\r\n\r\nmp\r\n--XyZ--\r\n'}],
      ['multipart with a payload field', {headers: {'Content-Type': 'multipart/form-data; boundary=b'}, body: `--b\r\nContent-Disposition: form-data; name="payload"\r\n\r\n${JSON.stringify({text: 'hi'})}\r\n--b--\r\n`}],
      ['JSON with raw newlines and tabs in text (repaired)', {headers: {'Content-Type': 'application/json'}, body: '{"text": "h\ti\nthere"}'}],
      ['JSON followed by garbage (Go reads the first value)', {body: '{"text":"hi"} trailing'}],
      ['keys matched case-insensitively, like Go', {body: '{"Text":"hi"}'}],
    ];
    for (const [name, r] of cases) {
      it(name, async () => {
        const req = r.path === '' ? {...r, path: `${path}?payload=${encodeURIComponent(JSON.stringify({text: 'hi'}))}`} : r;
        const res = await send(req);
        assert.deepEqual([res.status, res.text, res.headers['content-type']], [200, 'ok', 'text/plain'], res.text);
        const [p] = webhookPosts();
        assert.match(p!.Message!, /^h\s?i/);
      });
    }

    it('control-character repair only touches text-like keys', () => {
      assert.equal(escapeControlChars('{"text": "a\nb", "other": "c\nd"}'), '{"text": "a\\nb", "other": "c\nd"}');
    });
  });

  describe('errors and status codes', () => {
    const cases: [string, Partial<FakeRequest>, number, string][] = [
      ['empty body', {body: ''}, 400, 'model.incoming_hook.parse_data.app_error'],
      ['not JSON', {body: 'text=hi'}, 400, 'model.incoming_hook.parse_data.app_error'],
      ['JSON body sent as a form', {headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: '{"text":"hi"}'}, 400, 'model.incoming_hook.parse_data.app_error'],
      ['broken Content-Type', {headers: {'Content-Type': 'text/'}, body: '{"text":"hi"}'}, 400, 'web.incoming_webhook.media_type.app_error'],
      ['no text and no attachments', {body: '{"username":"x"}'}, 400, 'web.incoming_webhook.text.app_error'],
      ['text of the wrong type', {body: '{"text": 5}'}, 400, 'model.incoming_hook.parse_data.app_error'],
      ['unknown channel', {body: '{"text":"hi","channel":"nope"}'}, 404, 'web.incoming_webhook.channel.app_error'],
      ['unknown user for a DM', {body: '{"text":"hi","channel":"@nobody"}'}, 400, 'web.incoming_webhook.user.app_error'],
      ['system_ type', {body: '{"text":"hi","type":"system_join_channel"}'}, 400, 'api.context.invalid_param.app_error'],
      ['priority without priority.priority', {body: '{"text":"hi","priority":{"requested_ack":true}}'}, 400, 'api.context.invalid_param.app_error'],
      ['multipart with an unknown field', {headers: {'Content-Type': 'multipart/form-data; boundary=b'}, body: '--b\r\nContent-Disposition: form-data; name="props"\r\n\r\nx\r\n--b--\r\n'}, 400, 'api.webhook.incoming.error'],
      ['GET', {method: 'GET'}, 405, 'api.context.method_not_allowed.app_error'],
    ];
    for (const [name, r, status, id] of cases) {
      it(`${name} → ${status}`, async () => {
        const res = await send(r);
        assert.equal(res.status, status, res.text);
        assert.equal((res.json as {id: string}).id, id);
        assert.ok((res.json as {message: string}).message.length > 10);
        assert.equal(webhookPosts().length, 0);
      });
    }

    it('unknown, deleted and malformed hook ids all get the same 400', async () => {
      const other = String((await createIncoming(w)).id);
      await call(w.plugin, {method: 'DELETE', path: `/api/v1/hooks/incoming/${other}`, userId: w.admin.Id});
      const answers = [];
      for (const id of ['abcdefghijklmnopqrstuvwxyz', other, 'x', '..%2F..%2Fhb_version']) {
        const res = await call(w.plugin, {method: 'POST', path: `/hooks/${id}`, body: '{"text":"hi"}'});
        answers.push([res.status, (res.json as {id: string}).id]);
      }
      assert.deepEqual(new Set(answers.map((a) => a.join())).size, 1);
      assert.deepEqual(answers[0], [400, 'web.incoming_webhook.invalid.app_error']);
    });

    it('bodies over MaxIncomingBodyBytes → 413 before anything else', async () => {
      w.mm.config = {...w.mm.config, MaxIncomingBodyBytes: 100};
      await w.plugin.onConfigurationChange();
      const res = await send({body: JSON.stringify({text: 'x'.repeat(200)})});
      assert.equal(res.status, 413);
      assert.equal((await send({body: JSON.stringify({text: 'small'})})).status, 200);
    });

    it('switched-off hooks refuse with 403; incoming webhooks off → 501', async () => {
      const hook = (await call(w.plugin, {path: `/api/v1/hooks/incoming/${hookId}`, userId: w.admin.Id})).json as Record<string, unknown>;
      await call(w.plugin, {method: 'PUT', path: `/api/v1/hooks/incoming/${hookId}`, userId: w.admin.Id, body: {...hook, enabled: false}});
      const off = await send({body: '{"text":"hi"}'});
      assert.deepEqual([off.status, (off.json as {id: string}).id], [403, 'hookbridge.incoming.hook_disabled']);
      w.mm.config = {...w.mm.config, EnableIncoming: false};
      await w.plugin.onConfigurationChange();
      assert.equal((await send({body: '{"text":"hi"}'})).status, 501);
    });

    it('the real guards run before the payload is read (GitHub signatures here)', async () => {
      const guarded = await makeWorld({plugin: {checkIncoming: undefined}});
      const hook = await createIncoming(guarded, {signature: {mode: 'github', secret: 's3cret'}});
      const body = JSON.stringify({text: 'signed'});
      const unsigned = await call(guarded.plugin, {method: 'POST', path: `/hooks/${String(hook.id)}`, body});
      assert.equal(unsigned.status, 401, unsigned.text);
      const signature = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
      const signed = await call(guarded.plugin, {method: 'POST', path: `/hooks/${String(hook.id)}`, body, headers: {'X-Hub-Signature-256': signature}});
      assert.equal(signed.status, 200, signed.text);
    });

    it('a guard refusal answers with its status, message and Retry-After', async () => {
      const guarded = await makeWorld({plugin: {checkIncoming: async () => ({ok: false, status: 429, message: 'Slow down.', retryAfterSeconds: 7.2})}});
      const id = String((await createIncoming(guarded)).id);
      const res = await call(guarded.plugin, {method: 'POST', path: `/hooks/${id}`, body: '{"text":"hi"}'});
      assert.deepEqual([res.status, (res.json as {message: string}).message, res.headers['retry-after']], [429, 'Slow down.', '8']);
    });
  });

  describe('channels', () => {
    it('posts to the hook channel by default, as the hook owner, with the hook display name', async () => {
      await send({body: '{"text":"hi"}'});
      const [p] = webhookPosts();
      assert.deepEqual([p!.ChannelId, p!.UserId, p!.Props!.webhook_display_name, p!.Props!.override_username], [w.town.Id, w.admin.Id, 'CI', 'ci-bot']);
    });

    it('an unlocked hook can post to another channel by name or #name', async () => {
      const hook = (await call(w.plugin, {path: `/api/v1/hooks/incoming/${hookId}`, userId: w.admin.Id})).json as Record<string, unknown>;
      await call(w.plugin, {method: 'PUT', path: `/api/v1/hooks/incoming/${hookId}`, userId: w.admin.Id, body: {...hook, channel_locked: false}});
      assert.equal((await send({body: '{"text":"a","channel":"off-topic"}'})).status, 200);
      assert.equal((await send({body: '{"text":"b","channel":"#off-topic"}'})).status, 200);
      assert.deepEqual(
        webhookPosts().map((p) => p.ChannelId),
        [w.offTopic.Id, w.offTopic.Id],
      );
    });

    it('a locked hook refuses other channels and DMs with 403', async () => {
      const hook = (await call(w.plugin, {path: `/api/v1/hooks/incoming/${hookId}`, userId: w.admin.Id})).json as Record<string, unknown>;
      await call(w.plugin, {method: 'PUT', path: `/api/v1/hooks/incoming/${hookId}`, userId: w.admin.Id, body: {...hook, channel_locked: true}});
      for (const channel of ['off-topic', '@bob']) {
        const res = await send({body: JSON.stringify({text: 'x', channel})});
        assert.deepEqual([res.status, (res.json as {id: string}).id], [403, 'web.incoming_webhook.channel_locked.app_error'], channel);
      }
      assert.equal((await send({body: '{"text":"x","channel":"town-square"}'})).status, 200);
    });

    it('@username posts a direct message between the hook owner and that user', async () => {
      const id = String((await createIncoming(w, {channel_locked: false})).id);
      const res = await call(w.plugin, {method: 'POST', path: `/hooks/${id}`, body: '{"text":"psst","channel":"@bob"}'});
      assert.equal(res.status, 200, res.text);
      const dm = await w.mm.getDirectChannel(w.admin.Id, w.bob.Id);
      assert.equal(webhookPosts()[0]!.ChannelId, dm.Id);
    });

    it("a private channel needs the owner's read access", async () => {
      const bobsHook = String((await createIncoming(w, {channel_locked: false}, w.admin.Id)).id);
      w.mm.revoke(w.admin.Id, 'read_channel');
      const res = await call(w.plugin, {method: 'POST', path: `/hooks/${bobsHook}`, body: '{"text":"x","channel":"secret"}'});
      assert.deepEqual([res.status, (res.json as {id: string}).id], [403, 'web.incoming_webhook.permissions.app_error']);
    });
  });

  describe('post content', () => {
    it('attachments force slack_attachment and are Slack-processed', async () => {
      await send({body: JSON.stringify({type: 'custom_x', attachments: [{pretext: '<!channel>', text: 'see <https://x.y|here>', fields: [{title: 'n', value: 3}]}]})});
      const [p] = webhookPosts();
      assert.equal(p!.Type, 'slack_attachment');
      assert.deepEqual(p!.Props!.attachments, [{pretext: '@channel', text: 'see [here](https://x.y)', fields: [{title: 'n', value: '3'}]}]);
    });

    it('"attachments": [] passes the text check', async () => {
      assert.equal((await send({body: '{"attachments":[]}'})).status, 200);
    });

    it('overrides: request beats hook; icon_emoji only with icon overrides on', async () => {
      await send({body: JSON.stringify({text: 'x', username: 'req', icon_url: 'https://i/x.png', icon_emoji: 'tada'})});
      const props = webhookPosts()[0]!.Props!;
      assert.deepEqual([props.override_username, props.override_icon_url, props.override_icon_emoji], ['req', 'https://i/x.png', 'tada']);
      const plain = await makeWorld();
      const id = String((await createIncoming(plain)).id);
      await call(plain.plugin, {method: 'POST', path: `/hooks/${id}`, body: JSON.stringify({text: 'x', username: 'req', icon_emoji: 'tada', props: {override_icon_emoji: 'skull'}})});
      const p2 = [...plain.mm.posts.values()][0]!.Props!;
      assert.deepEqual([p2.override_username, p2.override_icon_emoji], [undefined, undefined]);
    });

    it('props, custom type, priority and a thread root', async () => {
      const root = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'root'});
      const reply = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, RootId: root.Id!, Message: 'reply'});
      const res = await send({body: JSON.stringify({text: 'x', type: 'custom_build', props: {build: 42}, priority: {priority: 'important'}, root_id: reply.Id})});
      assert.equal(res.status, 200, res.text);
      const [p] = webhookPosts();
      assert.deepEqual([p!.Type, p!.Props!.build, p!.Metadata?.Priority?.Priority, p!.RootId], ['custom_build', 42, 'important', root.Id]);
    });

    it('long text becomes several posts', async () => {
      assert.equal((await send({body: JSON.stringify({text: 'z'.repeat(40000)})})).status, 200);
      assert.deepEqual(
        webhookPosts().map((p) => p.Message!.length),
        [16383, 16383, 7234],
      );
    });

    it('incoming posts never trigger outgoing hooks', async () => {
      await call(w.plugin, {path: '/api/v1/hooks/outgoing', userId: w.admin.Id, body: {team_id: w.team.Id, trigger_words: ['deploy'], callback_urls: ['http://127.0.0.1:9/x']}});
      w.mm.onPostCreated = (p) => void w.plugin.messageHasBeenPosted({}, p);
      await send({body: '{"text":"deploy now"}'});
      await w.plugin.idle();
      assert.equal(w.mm.logs.filter((l) => l.message.includes('Outgoing webhook POST')).length, 0);
    });
  });
});
