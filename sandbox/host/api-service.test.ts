import assert from 'node:assert/strict';
import {afterEach, describe, it} from 'node:test';
import {socketPair} from '../../test/support/net.js';
import {AppError} from '../../server/mattermost/api.js';
import {MemoryMattermost} from '../../server/mattermost/memory.js';
import type {OpenDialogRequest, Post} from '../../server/mattermost/model.js';
import {RpcPluginAPI} from '../../server/mattermost/rpc-api.js';
import {t} from '../../server/wire/gob/index.js';
import {RpcClient, RpcServer} from '../../server/wire/netrpc/index.js';
import {YamuxSession} from '../../server/wire/yamux/index.js';
import {seed} from '../store/seed.js';
import {apiService, reportMissing, type ApiHost} from './api-service.js';
import {TriggerIds} from './triggers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

interface World {
  mm: MemoryMattermost;
  api: RpcPluginAPI;
  client: RpcClient;
  host: ApiHost;
  logs: string[];
  dialogs: {userId: string; request: OpenDialogRequest}[];
  created: Post[];
  missing: string[];
}

/** The plugin's real API client talking to the host's API service over yamux + net/rpc + gob. */
async function world(): Promise<World> {
  const mm = new MemoryMattermost();
  seed(mm);
  const logs: string[] = [];
  const dialogs: World['dialogs'] = [];
  const created: Post[] = [];
  const missing: string[] = [];
  mm.onPostCreated = (p) => created.push(p);
  const host: ApiHost = {
    mm,
    pluginId: 'hookbridge',
    serverVersion: '10.11.0',
    triggers: new TriggerIds(),
    siteURL: () => 'http://localhost:8065',
    bundlePath: () => '/plugins/hookbridge',
    pluginConfig: () => ({enableincoming: true, requesttimeoutseconds: 30}),
    changed: () => {},
    log: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields)}`),
    postDeleted: () => {},
    ephemeralDeleted: () => {},
    dialogOpened: (userId, request) => dialogs.push({userId, request}),
  };
  const {a, b, cleanup} = await socketPair();
  const hostSide = new YamuxSession(a, {role: 'server', keepAliveMs: 0});
  const pluginSide = new YamuxSession(b, {role: 'client', keepAliveMs: 0});
  hostSide.on('stream', (s) => new RpcServer().register('Plugin', reportMissing(apiService(host), (m) => missing.push(m))).serve(s));
  cleanups.push(() => {
    pluginSide.close();
    hostSide.close();
    cleanup();
  });
  const client = new RpcClient(pluginSide.open());
  return {mm, api: new RpcPluginAPI(client), client, host, logs, dialogs, created, missing};
}

const user = (mm: MemoryMattermost, name: string): string => [...mm.users.values()].find((u) => u.Username === name)!.Id;
const channel = (mm: MemoryMattermost, name: string): string => [...mm.channels.values()].find((c) => c.Name === name)!.Id;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function rejectsAppError(p: Promise<unknown>, fields: Partial<Pick<AppError, 'id' | 'statusCode' | 'where'>>): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError, `not an AppError: ${String(err)}`);
    for (const [k, v] of Object.entries(fields)) assert.equal((err as unknown as Record<string, unknown>)[k], v, k);
    return true;
  });
}

describe('API service: Mattermost shapes over the wire', () => {
  it('answers lookups, and misses as the server AppErrors', async () => {
    const {mm, api} = await world();
    const alice = await api.getUserByUsername('alice');
    assert.equal(alice.Id, user(mm, 'alice'));
    assert.equal((await api.getUser(alice.Id)).Username, 'alice');
    assert.equal((await api.getTeamByName('sandbox')).Name, 'sandbox');
    const ts = await api.getChannelByName((await api.getTeamByName('sandbox')).Id, 'town-square');
    assert.equal(ts.Type, 'O');
    await rejectsAppError(api.getUser('nosuchuser0000000000000000'), {id: 'app.user.missing_account.const', statusCode: 404, where: 'GetUser'});
    await rejectsAppError(api.getChannel('x'), {id: 'app.channel.get.existing.app_error', statusCode: 404, where: 'GetChannel'});
    await rejectsAppError(api.getTeam('x'), {id: 'app.team.get.find.app_error', statusCode: 404});
    await rejectsAppError(api.getPost('x'), {id: 'app.post.get.app_error', statusCode: 404, where: 'GetSinglePost'});
    await rejectsAppError(api.getDirectChannel(alice.Id, 'x'), {id: 'api.channel.create_direct_channel.invalid_user.app_error', statusCode: 400});
    const dm = await api.getDirectChannel(alice.Id, user(mm, 'admin'));
    assert.equal(dm.Type, 'D');
  });

  it('creates posts like the server: validation, ids for actions, bot marking, the created callback', async () => {
    const {mm, api, created} = await world();
    const ch = channel(mm, 'town-square');
    const botId = await api.ensureBotUser({Username: 'hookbot', DisplayName: 'Hook Bot'});
    assert.equal(await api.ensureBotUser({Username: 'hookbot'}), botId, 'EnsureBotUser is idempotent');
    const post = await api.createPost({
      ChannelId: ch,
      UserId: botId,
      Message: 'hello',
      Props: {attachments: [{text: 'a', actions: [{name: 'Go', integration: {url: '/plugins/hookbridge/x'}}]}], n: 3, nested: {list: [1, 'two', true]}},
    });
    assert.equal(post.Id?.length, 26);
    assert.equal(post.Props?.from_bot, 'true');
    assert.deepEqual(post.Props?.nested, {list: [1, 'two', true]});
    const action = ((post.Props?.attachments as {actions: {id: string}[]}[])[0]!.actions[0]!);
    assert.equal(action.id.length, 26, 'actions get ids');
    assert.equal(created.length, 1);
    await rejectsAppError(api.createPost({ChannelId: 'nochannel', UserId: botId, Message: 'x'}), {id: 'app.channel.get.existing.app_error', statusCode: 404});
    await rejectsAppError(api.createPost({Id: post.Id, ChannelId: ch, UserId: botId, Message: 'x'}), {id: 'store.sql_post.save.existing.app_error', statusCode: 400});
    await rejectsAppError(api.createPost({ChannelId: ch, Message: 'no user'}), {id: 'model.post.is_valid.user_id.app_error', statusCode: 400});
    await rejectsAppError(api.createPost({ChannelId: ch, UserId: botId, Type: 'weird'}), {id: 'model.post.is_valid.type.app_error'});
    const updated = await api.updatePost({...post, Message: 'edited'});
    assert.equal(updated.Message, 'edited');
    assert.ok((updated.EditAt ?? 0) > 0);
    await rejectsAppError(api.updatePost({Id: 'x', Message: 'y'}), {id: 'api.post.update_post.find.app_error', statusCode: 400});
    await api.deletePost(post.Id!);
    await rejectsAppError(api.getPost(post.Id!), {statusCode: 404});
  });

  it('keeps plugin KV semantics: missing is null, CAS, empty deletes, bad keys are AppErrors', async () => {
    const {api} = await world();
    assert.equal(await api.kvGet('missing'), null);
    await api.kvSet('k', enc('v1'));
    assert.deepEqual(Buffer.from((await api.kvGet('k'))!).toString(), 'v1');
    assert.equal(await api.kvSetWithOptions('k', enc('v2'), {atomic: true, oldValue: enc('nope')}), false);
    assert.equal(await api.kvSetWithOptions('k', enc('v2'), {atomic: true, oldValue: enc('v1')}), true);
    assert.equal(await api.kvSetWithOptions('new', enc('x'), {atomic: true, oldValue: null}), true, 'insert if absent');
    assert.equal(await api.kvSetWithOptions('new', enc('y'), {atomic: true, oldValue: null}), false);
    assert.deepEqual(await api.kvList(0, 10), ['k', 'new']);
    await api.kvSet('k', new Uint8Array(0));
    assert.equal(await api.kvGet('k'), null, 'an empty value deletes');
    await rejectsAppError(api.kvSet('', enc('x')), {id: 'model.plugin_key_value.is_valid.key.app_error', statusCode: 400});
    await rejectsAppError(api.kvSetWithOptions('k', enc('x'), {oldValue: enc('o')}), {id: 'model.plugin_kvset_options.is_valid.old_value.app_error'});
    await api.kvSetWithOptions('ttl', enc('x'), {expireInSeconds: -1});
    assert.equal(await api.kvGet('ttl'), null, 'already expired');
  });

  it('serves configuration, version, logs and site URL', async () => {
    const {api, logs} = await world();
    assert.deepEqual(await api.loadPluginConfiguration(), {enableincoming: true, requesttimeoutseconds: 30});
    assert.equal(await api.getServerVersion(), '10.11.0');
    assert.equal(await api.getSiteURL(), 'http://localhost:8065');
    api.logInfo('hello', {a: 1, b: 'two'});
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(logs, ['info hello {"a":"1","b":"two"}']);
  });

  it('opens dialogs only for trigger ids the server issued, for the user who clicked', async () => {
    const {mm, api, host, dialogs} = await world();
    const dialog = {TriggerId: '', URL: '/plugins/hookbridge/d', Dialog: {Title: 'T', Elements: [{DisplayName: 'N', Name: 'n', Type: 'text'}]}};
    await rejectsAppError(api.openInteractiveDialog(dialog), {id: 'interactive_message.decode_trigger_id.base64_decode_failed', statusCode: 400});
    await rejectsAppError(api.openInteractiveDialog({...dialog, TriggerId: 'forged'}), {id: 'interactive_message.decode_trigger_id.verify_signature_failed'});
    const trigger = host.triggers.issue(user(mm, 'alice'));
    await api.openInteractiveDialog({...dialog, TriggerId: trigger});
    assert.equal(dialogs.length, 1);
    assert.equal(dialogs[0]!.userId, user(mm, 'alice'));
    assert.equal(dialogs[0]!.request.Dialog.Elements?.[0]?.Name, 'n');
  });

  it("answers methods it lacks with net/rpc's own error, and plain errors as ErrorString", async () => {
    const {api, client, missing} = await world();
    await assert.rejects(client.call('Plugin.NoSuchMethod', {}, t.struct('Z_NoSuchMethodArgs', {})), /^RpcError: rpc: can't find method Plugin.NoSuchMethod$/);
    assert.deepEqual(missing, ['NoSuchMethod'], 'and the host hears about it');
    await rejectsAppError(api.ensureBotUser({Username: ''}), {id: 'plugin.error_string'});
  });

  it('returns raw Go shapes: AppError fields in B, nothing in A', async () => {
    const {host} = await world();
    const reply = (await apiService(host).GetUser!.handle({A: 'nobody'})) as {A?: unknown; B?: Record<string, unknown>};
    assert.equal(reply.A, undefined);
    assert.deepEqual(reply.B, {Id: 'app.user.missing_account.const', Message: 'Unable to find the user.', DetailedError: 'user_id=nobody', RequestId: '', StatusCode: 404, Where: 'GetUser'});
  });
});
