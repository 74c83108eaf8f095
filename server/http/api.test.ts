import assert from 'node:assert/strict';
import {beforeEach, describe, it} from 'node:test';
import type {User} from '../mattermost/model.js';
import {call, createIncoming, createOutgoing, makeWorld, type World} from './test-kit.js';

type Json = Record<string, unknown>;

describe('permissions (Mattermost api4/webhook.go rules)', () => {
  let w: World;
  let carol: User;
  let dave: User;
  let out: Json;
  let inPublic: Json;
  let inSecret: Json;

  beforeEach(async () => {
    w = await makeWorld();
    carol = w.mm.addUser({Username: 'carol'});
    dave = w.mm.addUser({Username: 'dave'});
    w.mm.join(dave.Id, w.team.Id);
    w.mm.grant(dave.Id, 'manage_others_outgoing_webhooks', 'manage_others_incoming_webhooks');
    out = await createOutgoing(w, {trigger_words: ['go']}, w.alice.Id);
    inPublic = await createIncoming(w, {}, w.alice.Id);
    inSecret = await createIncoming(w, {channel_id: w.secret.Id}, w.alice.Id);
  });

  const who = (name: string): string => ({admin: w.admin.Id, alice: w.alice.Id, bob: w.bob.Id, carol: carol.Id, dave: dave.Id, anonymous: ''})[name]!;

  const matrix: [string, (w: World) => {method: string; path: string; body?: object}, Record<string, number>][] = [
    ['get own outgoing', () => ({method: 'GET', path: `/api/v1/hooks/outgoing/${String(out.id)}`}), {alice: 200, bob: 403, carol: 403, dave: 200, admin: 200, anonymous: 401}],
    ['regen token', () => ({method: 'POST', path: `/api/v1/hooks/outgoing/${String(out.id)}/regen_token`}), {alice: 200, bob: 403, carol: 403, dave: 200, admin: 200, anonymous: 401}],
    ['delete outgoing', () => ({method: 'DELETE', path: `/api/v1/hooks/outgoing/${String(out.id)}`}), {bob: 403, carol: 403, anonymous: 401, dave: 200}],
    ['create outgoing', (w) => ({method: 'POST', path: '/api/v1/hooks/outgoing', body: {team_id: w.team.Id, trigger_words: ['x'], callback_urls: ['http://h.example/x']}}), {alice: 201, carol: 403, admin: 201, anonymous: 401}],
    ['create outgoing naming a creator (even oneself)', (w) => ({method: 'POST', path: '/api/v1/hooks/outgoing', body: {team_id: w.team.Id, trigger_words: ['y'], callback_urls: ['http://h.example/y'], creator_id: w.alice.Id}}), {alice: 403, dave: 201}],
    ['list outgoing of the team', (w) => ({method: 'GET', path: `/api/v1/hooks/outgoing?team_id=${w.team.Id}`}), {alice: 200, bob: 200, carol: 403}],
    ['get incoming in a public channel', () => ({method: 'GET', path: `/api/v1/hooks/incoming/${String(inPublic.id)}`}), {alice: 200, bob: 403, carol: 403, dave: 200, admin: 200, anonymous: 401}],
    ['get incoming in a private channel (needs read access too)', () => ({method: 'GET', path: `/api/v1/hooks/incoming/${String(inSecret.id)}`}), {alice: 200, dave: 403, admin: 200}],
    ['create incoming in a private channel', (w) => ({method: 'POST', path: '/api/v1/hooks/incoming', body: {channel_id: w.secret.Id}}), {alice: 201, bob: 403, admin: 201}],
    ['create incoming for someone else', (w) => ({method: 'POST', path: '/api/v1/hooks/incoming', body: {channel_id: w.town.Id, user_id: w.bob.Id}}), {alice: 403, dave: 201}],
    ['list incoming of the team', (w) => ({method: 'GET', path: `/api/v1/hooks/incoming?team_id=${w.team.Id}`}), {alice: 200, carol: 403, anonymous: 401}],
  ];
  for (const [name, req, expected] of matrix) {
    for (const [actor, status] of Object.entries(expected)) {
      it(`${name}: ${actor} → ${status}`, async () => {
        const r = req(w);
        const res = await call(w.plugin, {...r, userId: who(actor)});
        assert.equal(res.status, status, res.text);
        if (status === 403) assert.equal((res.json as Json).id, 'api.context.permissions.app_error');
      });
    }
  }

  it('lists show one’s own hooks, or everyone’s with manage_others', async () => {
    await createOutgoing(w, {trigger_words: ['b'], callback_urls: ['http://h.example/b']}, w.bob.Id);
    const list = async (userId: string) => ((await call(w.plugin, {path: `/api/v1/hooks/outgoing?team_id=${w.team.Id}`, userId})).json as Json[]).map((h) => h.creator_id);
    assert.deepEqual(await list(w.alice.Id), [w.alice.Id]);
    assert.deepEqual(await list(w.bob.Id), [w.bob.Id]);
    assert.deepEqual(await list(dave.Id), [w.alice.Id, w.bob.Id]);
  });

  it('without bypass_incoming_webhook_channel_lock a hook is always locked', async () => {
    const mine = await createIncoming(w, {channel_locked: false}, w.alice.Id);
    const admins = await createIncoming(w, {channel_locked: false}, w.admin.Id);
    assert.deepEqual([mine.channel_locked, admins.channel_locked], [true, false]);
  });
});

describe('REST contract', () => {
  let w: World;
  beforeEach(async () => {
    w = await makeWorld();
  });

  it('outgoing hooks have the fields the webapp reads, with Mattermost names', async () => {
    const hook = await createOutgoing(w, {display_name: 'Deployer', trigger_words: ['deploy'], trigger_when: 1, content_type: 'application/json'});
    assert.deepEqual(Object.keys(hook).sort(), ['callback_urls', 'channel_id', 'channel_types', 'content_type', 'create_at', 'creator_id', 'delete_at', 'description', 'display_name', 'enabled', 'events', 'headers', 'icon_url', 'id', 'match', 'max_attempts', 'signing_secret', 'team_id', 'token', 'trigger_when', 'trigger_words', 'update_at', 'username']);
    assert.match(String(hook.token), /^[a-z0-9]{26}$/);
    assert.equal(hook.creator_id, w.admin.Id);
    assert.deepEqual(hook.match, {mode: 'first_word', case_insensitive: false});
  });

  it('incoming hooks carry their URL', async () => {
    const hook = await createIncoming(w);
    assert.equal(hook.url, `http://localhost:8065/plugins/hookbridge/hooks/${String(hook.id)}`);
    assert.deepEqual([hook.team_id, hook.user_id, hook.enabled, hook.signature, hook.allowed_ips, hook.rate_limit], [w.team.Id, w.admin.Id, true, {mode: 'none'}, [], {per_minute: 0}]);
  });

  it('validation errors name the JSON key', async () => {
    const res = await call(w.plugin, {path: '/api/v1/hooks/outgoing', userId: w.admin.Id, body: {team_id: w.team.Id, trigger_words: ['go'], callback_urls: ['https://ok.example', 'nope']}});
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.json as Json).sort(), ['detailed_error', 'field', 'id', 'message', 'status_code']);
    assert.deepEqual([(res.json as Json).field, (res.json as Json).status_code], ['callback_urls.1', 400]);
  });

  it('channel rules: exists, same team, public unless private channels are opted into', async () => {
    const post = (body: object) => call(w.plugin, {path: '/api/v1/hooks/outgoing', userId: w.admin.Id, body: {team_id: w.team.Id, callback_urls: ['http://h.example/'], ...body}});
    assert.equal((await post({channel_id: 'nochannel00000000000000000'})).status, 404);
    const foreign = w.mm.addChannel({Name: 'x', TeamId: w.otherTeam.Id});
    assert.equal((await post({channel_id: foreign.Id})).status, 403);
    assert.equal((await post({channel_id: w.secret.Id})).status, 403);
    assert.equal((await post({channel_id: w.secret.Id, channel_types: ['P']})).status, 201);
  });

  it('duplicate guard: same channel, a shared callback URL and a shared trigger word', async () => {
    await createOutgoing(w, {trigger_words: ['a', 'b'], callback_urls: ['http://h.example/1']});
    const again = await call(w.plugin, {path: '/api/v1/hooks/outgoing', userId: w.admin.Id, body: {team_id: w.team.Id, trigger_words: ['b'], callback_urls: ['http://h.example/1']}});
    assert.deepEqual([again.status, (again.json as Json).field], [400, 'trigger_words']);
    await createOutgoing(w, {trigger_words: ['b'], callback_urls: ['http://h.example/2']});
    await createOutgoing(w, {channel_id: w.town.Id, trigger_words: ['b'], callback_urls: ['http://h.example/1']});
  });

  it('PUT: body id must match, team cannot change, server-owned fields are kept', async () => {
    const hook = await createOutgoing(w, {trigger_words: ['go']});
    const path = `/api/v1/hooks/outgoing/${String(hook.id)}`;
    assert.equal((await call(w.plugin, {method: 'PUT', path, userId: w.admin.Id, body: {...hook, id: 'other'}})).status, 400);
    const moved = await call(w.plugin, {method: 'PUT', path, userId: w.admin.Id, body: {...hook, team_id: w.otherTeam.Id}});
    assert.deepEqual([moved.status, (moved.json as Json).field], [400, 'team_id']);
    const res = await call(w.plugin, {method: 'PUT', path, userId: w.alice.Id, body: {...hook, display_name: 'renamed', token: 'forged', creator_id: w.alice.Id}});
    assert.equal(res.status, 403);
    const ok = await call(w.plugin, {method: 'PUT', path, userId: w.admin.Id, body: {...hook, display_name: 'renamed', token: 'forged', creator_id: w.alice.Id, create_at: 1}});
    const updated = ok.json as Json;
    assert.deepEqual([ok.status, updated.display_name, updated.token, updated.creator_id, updated.create_at], [200, 'renamed', hook.token, hook.creator_id, hook.create_at]);
  });

  it('regen_token and regen_secret', async () => {
    const hook = await createOutgoing(w, {trigger_words: ['go']});
    const token = (await call(w.plugin, {method: 'POST', path: `/api/v1/hooks/outgoing/${String(hook.id)}/regen_token`, userId: w.admin.Id})).json as Json;
    assert.notEqual(token.token, hook.token);
    assert.match(String(token.token), /^[a-z0-9]{26}$/);
    const secret = (await call(w.plugin, {method: 'POST', path: `/api/v1/hooks/outgoing/${String(hook.id)}/regen_secret`, userId: w.admin.Id})).json as Json;
    assert.notEqual(secret.signing_secret, hook.signing_secret);
    assert.ok(Number(secret.previous_secret_expires_at) > Date.now());
    assert.equal('previous_secret' in secret, false);
    const incoming = await createIncoming(w, {signature: {mode: 'github'}});
    assert.ok((incoming.signature as Json).secret, 'generated on creation');
    const regen = (await call(w.plugin, {method: 'POST', path: `/api/v1/hooks/incoming/${String(incoming.id)}/regen_secret`, userId: w.admin.Id})).json as Json;
    assert.notEqual((regen.signature as Json).secret, (incoming.signature as Json).secret);
  });

  it('delete answers {status: OK}; the hook is gone', async () => {
    const hook = await createIncoming(w);
    const path = `/api/v1/hooks/incoming/${String(hook.id)}`;
    const del = await call(w.plugin, {method: 'DELETE', path, userId: w.admin.Id});
    assert.deepEqual([del.status, del.json], [200, {status: 'OK'}]);
    assert.equal((await call(w.plugin, {path, userId: w.admin.Id})).status, 404);
  });

  it('paging follows page and per_page', async () => {
    for (let i = 0; i < 5; i++) await createIncoming(w, {display_name: `h${i}`});
    const page = async (p: number, n: number) => ((await call(w.plugin, {path: `/api/v1/hooks/incoming?team_id=${w.team.Id}&page=${p}&per_page=${n}`, userId: w.admin.Id})).json as Json[]).map((h) => h.display_name);
    assert.deepEqual(await page(0, 2), ['h0', 'h1']);
    assert.deepEqual(await page(2, 2), ['h4']);
    assert.equal((await call(w.plugin, {path: '/api/v1/hooks/incoming?page=-1', userId: w.admin.Id})).status, 400);
  });

  it('hook changes reach webapps; incoming hook ids only reach their owner', async () => {
    const out = await createOutgoing(w, {trigger_words: ['go']});
    const inc = await createIncoming(w, {}, w.alice.Id);
    const events = w.mm.events.filter((e) => e.event === 'hook_changed');
    assert.deepEqual(
      events.map((e) => [e.payload, e.broadcast]),
      [
        [{kind: 'outgoing', id: out.id, action: 'created'}, {TeamId: w.team.Id}],
        [{kind: 'incoming', id: inc.id, action: 'created'}, {UserId: w.alice.Id}],
      ],
    );
  });

  it('/me says what the caller may manage', async () => {
    const me = (await call(w.plugin, {path: '/api/v1/me', userId: w.alice.Id})).json as Json;
    assert.deepEqual(me, {user_id: w.alice.Id, is_admin: false, can_manage_incoming: true, can_manage_outgoing: true, can_manage_others: false});
    const guest = w.mm.addUser({Username: 'guest', Roles: 'system_guest'});
    const g = (await call(w.plugin, {path: '/api/v1/me', userId: guest.Id})).json as Json;
    assert.deepEqual([g.can_manage_incoming, g.can_manage_outgoing], [false, false]);
    const inTeam = (await call(w.plugin, {path: `/api/v1/me?team_id=${w.otherTeam.Id}`, userId: w.alice.Id})).json as Json;
    assert.equal(inTeam.can_manage_outgoing, false);
    const admin = (await call(w.plugin, {path: '/api/v1/me', userId: w.admin.Id})).json as Json;
    assert.deepEqual([admin.is_admin, admin.can_manage_others], [true, true]);
  });

  it('unknown routes: 401 anonymous, 404 signed in; 501 when the kind is switched off', async () => {
    assert.equal((await call(w.plugin, {path: '/api/v1/nope'})).status, 401);
    assert.equal((await call(w.plugin, {path: '/api/v1/nope', userId: w.alice.Id})).status, 404);
    assert.equal((await call(w.plugin, {path: '/elsewhere'})).status, 404);
    w.mm.config = {...w.mm.config, EnableOutgoing: false};
    await w.plugin.onConfigurationChange();
    assert.equal((await call(w.plugin, {path: `/api/v1/hooks/outgoing?team_id=${w.team.Id}`, userId: w.admin.Id})).status, 501);
  });

  it('delivery log routes need the delivery queue (501); test events are sent', async () => {
    const hook = await createOutgoing(w, {trigger_words: ['go'], callback_urls: ['http://127.0.0.1:9/x']});
    const list = await call(w.plugin, {path: `/api/v1/hooks/outgoing/${String(hook.id)}/deliveries`, userId: w.admin.Id});
    assert.deepEqual([list.status, (list.json as Json).id], [501, 'hookbridge.deliveries.unavailable']);
    assert.equal((await call(w.plugin, {path: '/api/v1/deliveries/abc', userId: w.admin.Id})).status, 501);
    const test = await call(w.plugin, {method: 'POST', path: `/api/v1/hooks/outgoing/${String(hook.id)}/test`, userId: w.admin.Id});
    assert.equal(test.status, 200);
    assert.match(String((test.json as Json).delivery_id), /^[a-z0-9]{26}$/);
    await w.plugin.idle();
    assert.ok(w.mm.logs.some((l) => l.message.includes('Outgoing webhook POST failed') && l.fields.event === 'test'));
  });
});
