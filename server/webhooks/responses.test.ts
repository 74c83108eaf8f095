import assert from 'node:assert/strict';
import {beforeEach, describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import type {Channel, Post, User} from '../mattermost/model.js';
import {HookError} from './errors.js';
import {applyOutgoingResponse, ResponseError} from './responses.js';
import {makeHook} from './test-fixtures.js';
import {HOOK_ID_PROP} from './webhook-post.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('outgoing webhook responses', () => {
  let mm: MemoryMattermost;
  let channel: Channel;
  let creator: User;
  let trigger: Post;
  const settingsOff = {enablePostUsernameOverride: false, enablePostIconOverride: false};
  const settingsOn = {enablePostUsernameOverride: true, enablePostIconOverride: true};

  beforeEach(async () => {
    mm = new MemoryMattermost();
    const team = mm.addTeam({Name: 'core'});
    channel = mm.addChannel({Name: 'town', TeamId: team.Id});
    creator = mm.addUser({Username: 'hookowner'});
    mm.addUser({Id: 'slackuser00000000000000001', Username: 'mentioned'});
    trigger = await mm.createPost({ChannelId: channel.Id, UserId: creator.Id, Message: 'deploy'});
  });

  const hook = (over = {}) => makeHook({creator_id: creator.Id, display_name: 'Deployer', username: 'hook-name', icon_url: 'https://x/hook.png', ...over});
  const apply = (body: unknown, opts: {settings?: typeof settingsOn; post?: Post; hookOver?: object} = {}) =>
    applyOutgoingResponse({api: mm, settings: opts.settings ?? settingsOff, hook: hook(opts.hookOver), post: opts.post ?? trigger, channelId: channel.Id}, enc(body));

  it('posts the text as the hook, marked as a webhook post', async () => {
    const [p] = await apply({text: 'done'});
    assert.equal(p!.Message, 'done');
    assert.equal(p!.UserId, creator.Id);
    assert.equal(p!.RootId ?? '', '');
    assert.deepEqual(p!.Props, {from_webhook: 'true', webhook_display_name: 'Deployer', [HOOK_ID_PROP]: p!.Props![HOOK_ID_PROP]});
  });

  it('posts nothing for an empty body, null, {} or attachments: []', async () => {
    for (const body of ['', '   ', 'null', {}, {attachments: []}, {username: 'x'}]) assert.deepEqual(await apply(body), [], JSON.stringify(body));
  });

  it('"text": "" still counts as text', async () => {
    const posts = await apply({text: ''});
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.Message, '');
  });

  it('refuses bodies that are not a response', async () => {
    await assert.rejects(apply('<html>'), ResponseError);
    await assert.rejects(apply({text: 5}), ResponseError);
    await assert.rejects(apply([1]), ResponseError);
  });

  it('comment replies into the thread of the trigger', async () => {
    const [p] = await apply({text: 'c', response_type: 'comment'});
    assert.equal(p!.RootId, trigger.Id);
  });

  it('comment on a reply goes to the thread root (Mattermost fails silently here)', async () => {
    const reply = await mm.createPost({ChannelId: channel.Id, UserId: creator.Id, RootId: trigger.Id, Message: 'deploy again'});
    const [p] = await apply({text: 'c', response_type: 'comment'}, {post: reply});
    assert.equal(p!.RootId, trigger.Id);
  });

  it('any other response_type makes a new post', async () => {
    const [p] = await apply({text: 'c', response_type: 'in_channel'});
    assert.equal(p!.RootId ?? '', '');
  });

  const overrideCases: [string, object, typeof settingsOn, Record<string, unknown>][] = [
    ['settings off: no overrides at all', {text: 'x', username: 'resp', icon_url: 'https://r/i.png'}, settingsOff, {}],
    ['settings on: the response wins', {text: 'x', username: 'resp', icon_url: 'https://r/i.png'}, settingsOn, {override_username: 'resp', override_icon_url: 'https://r/i.png'}],
    ['settings on: the hook is the fallback', {text: 'x'}, settingsOn, {override_username: 'hook-name', override_icon_url: 'https://x/hook.png'}],
    ['username on, icon off', {text: 'x', icon_url: 'https://r/i.png'}, {enablePostUsernameOverride: true, enablePostIconOverride: false}, {override_username: 'hook-name'}],
  ];
  for (const [name, body, settings, want] of overrideCases) {
    it(`overrides: ${name}`, async () => {
      const [p] = await apply(body, {settings});
      const got = Object.fromEntries(Object.entries(p!.Props!).filter(([k]) => k.startsWith('override_')));
      assert.deepEqual(got, want);
    });
  }

  it('"webhook" is the username when overrides are on and nobody chose one', async () => {
    const [p] = await apply({text: 'x'}, {settings: settingsOn, hookOver: {username: ''}});
    assert.equal(p!.Props!.override_username, 'webhook');
  });

  it('callers cannot forge identity props', async () => {
    const [p] = await apply({text: 'x', props: {from_webhook: 'false', override_username: 'admin', override_icon_emoji: 'skull', from_bot: 'true', webhook_display_name: 'fake', [HOOK_ID_PROP]: 'x', color: 'red'}});
    assert.equal(p!.Props!.from_webhook, 'true');
    assert.equal(p!.Props!.webhook_display_name, 'Deployer');
    assert.equal(p!.Props!.color, 'red');
    for (const k of ['override_username', 'override_icon_emoji', 'from_bot']) assert.equal(p!.Props![k], undefined, k);
  });

  it('types: custom_ kept (also with attachments), none becomes slack_attachment with attachments', async () => {
    assert.equal((await apply({text: 'x', type: 'custom_x'}))[0]!.Type, 'custom_x');
    assert.equal((await apply({attachments: [{text: 'a'}], type: 'custom_y'}))[0]!.Type, 'custom_y');
    const [p] = await apply({attachments: [{text: '<!here>'}]});
    assert.equal(p!.Type, 'slack_attachment');
    assert.deepEqual(p!.Props!.attachments, [{text: '@here'}]);
  });

  it('types: system_ and unknown types are refused', async () => {
    await assert.rejects(apply({text: 'x', type: 'system_join_channel'}), (err: unknown) => err instanceof HookError && err.status === 400);
    await assert.rejects(apply({text: 'x', type: 'slack_attachment'}), HookError);
    await assert.rejects(apply({text: 'x', type: 'weird'}), HookError);
  });

  it('priority goes into the post metadata; a priority without priority.priority is refused', async () => {
    const [p] = await apply({text: 'x', priority: {priority: 'urgent', requested_ack: true}});
    assert.deepEqual(p!.Metadata?.Priority, {Priority: 'urgent', RequestedAck: true, PersistentNotifications: false});
    await assert.rejects(apply({text: 'x', priority: {requested_ack: true}}), /priority.priority is required/);
  });

  it('translates Slack markup in the text', async () => {
    const [p] = await apply({text: '<!channel> <@slackuser00000000000000001> see <https://x.y|docs>'});
    assert.equal(p!.Message, '@channel @mentioned see [docs](https://x.y)');
  });

  it('splits long text into several posts, attachments on the last', async () => {
    const posts = await apply({text: 'a'.repeat(16383 * 2 + 10), attachments: [{text: 'att'}]});
    assert.deepEqual(
      posts.map((p) => [p.Message!.length, Boolean(p.Props!.attachments)]),
      [
        [16383, false],
        [16383, false],
        [10, true],
      ],
    );
    assert.ok(posts.every((p) => p.Props!.from_webhook === 'true'));
  });
});
