import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {beforeEach, describe, it} from 'node:test';
import {AppError, CapturedResponse, fakeRequest, MemoryMattermost} from '../mattermost/index.js';
import {CLICK_PATH, dialogButton, handleClick, handleLookup, handleOpenDialog, handleSubmit, LOOKUP_PATH, OPEN_DIALOG_PATH, SUBMIT_PATH, wrapActions, type AttachmentJSON, type InteractiveDeps, type ServiceRequest} from './actions.js';
import {DialogValidationError, validateDialog} from './dialogs.js';
import {EnvelopeKey, open, seal} from './envelope.js';

const SECRET = 'hook-secret';
const sign = (body: Uint8Array): Record<string, string> => ({'X-Test-Signature': createHmac('sha256', SECRET).update(body).digest('hex')});

function setup(replies: {status?: number; body?: unknown}[] = []) {
  const mm = new MemoryMattermost();
  const team = mm.addTeam({Name: 'eng'});
  const channel = mm.addChannel({Name: 'town-square', TeamId: team.Id});
  const alice = mm.addUser({Username: 'alice'});
  mm.join(alice.Id, channel.Id);
  const sent: ServiceRequest[] = [];
  const hooks = new Map([['hook1', {id: 'hook1', enabled: true, sign}], ['off', {id: 'off', enabled: false, sign}]]);
  const deps: InteractiveDeps = {
    api: mm,
    key: new EnvelopeKey(mm),
    hook: async (id) => hooks.get(id) ?? null,
    send: async (req) => {
      sent.push(req);
      const r = replies.shift() ?? {};
      return {status: r.status ?? 200, body: Buffer.from(r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body))};
    },
    timeoutMs: () => 5000,
  };
  return {mm, team, channel, alice, deps, sent};
}

const attachments: AttachmentJSON[] = [
  {
    text: 'Alert',
    actions: [
      {id: 'ack_1-a', name: 'Acknowledge', type: 'button', integration: {url: 'https://svc.example/ack', context: {alert: 42}}},
      {id: 'other', name: 'Plugin', type: 'button', integration: {url: '/plugins/other/x', context: {}}},
    ],
  },
];

async function click(deps: InteractiveDeps, userId: string, postId: string, action = 0, extra: object = {}) {
  const wrapped = await wrapActions(attachments, 'hook1', deps.key);
  const a = wrapped[0]!.actions![action]!;
  const res = new CapturedResponse();
  await handleClick(deps, fakeRequest({method: 'POST', url: CLICK_PATH, userId, body: {user_id: userId, post_id: postId, trigger_id: 'trig1', channel_id: 'c', type: 'button', context: a.integration!.context, ...extra}}), res);
  return res;
}

describe('interactive messages', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });

  it('wraps external actions, keeps plugin ones, and signs the target', async () => {
    const wrapped = await wrapActions(attachments, 'hook1', env.deps.key);
    const [ext, plugin] = wrapped[0]!.actions!;
    assert.equal(ext!.integration!.url, '/plugins/hookbridge' + CLICK_PATH);
    assert.equal(ext!.integration!.context!.alert, 42);
    assert.deepEqual(open(await env.deps.key.get(), ext!.integration!.context!.hookbridge), {url: 'https://svc.example/ack', hook_id: 'hook1'});
    assert.deepEqual(plugin, attachments[0]!.actions![1]);
    assert.equal(attachments[0]!.actions![0]!.integration!.url, 'https://svc.example/ack', 'input not mutated');
  });

  it('uses one key per cluster even when two nodes race to create it', async () => {
    const a = new EnvelopeKey(env.mm);
    const b = new EnvelopeKey(env.mm);
    const [ka, kb] = await Promise.all([a.get(), b.get()]);
    assert.ok(ka.equals(kb));
    assert.equal(open(ka, seal(kb, {x: 1}))?.constructor, Object);
  });

  it('forwards a click with the native fields, signed, and returns the reply', async () => {
    const replies = [{body: {ephemeral_text: 'Acked!', goto_location: 'https://x.example'}}];
    const s = setup(replies);
    const p = await s.mm.createPost({ChannelId: s.channel.Id, UserId: s.alice.Id, Message: 'Alert fired', Props: {from_webhook: 'true'}});
    const res = await click(s.deps, s.alice.Id, p.Id!);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {ephemeral_text: 'Acked!', goto_location: 'https://x.example'});
    assert.equal(s.sent.length, 1);
    const req = s.sent[0]!;
    assert.equal(req.url, 'https://svc.example/ack');
    const body = JSON.parse(Buffer.from(req.body).toString()) as Record<string, unknown>;
    assert.deepEqual(body.context, {alert: 42}, 'routing data removed');
    assert.equal(body.user_id, s.alice.Id);
    assert.equal(body.post_id, p.Id);
    assert.equal(body.trigger_id, 'trig1');
    assert.equal(req.headers['X-Test-Signature'], createHmac('sha256', SECRET).update(req.body).digest('hex'));
  });

  it('keeps the message and webhook identity when an update omits them', async () => {
    const s = setup([{body: {update: {props: {attachments: [{text: 'Acked by alice', actions: [{id: 'undo', name: 'Undo', integration: {url: 'https://svc.example/undo'}}]}], from_webhook: 'false', extra: 1}}}}]);
    const p = await s.mm.createPost({ChannelId: s.channel.Id, UserId: s.alice.Id, Message: 'Alert fired', Props: {from_webhook: 'true', override_username: 'pager'}});
    const res = await click(s.deps, s.alice.Id, p.Id!);
    const {update} = res.json<{update: {message: string; props: Record<string, unknown>}}>();
    assert.equal(update.message, 'Alert fired');
    assert.equal(update.props.from_webhook, 'true');
    assert.equal(update.props.override_username, 'pager');
    assert.equal(update.props.extra, 1);
    const undo = (update.props.attachments as AttachmentJSON[])[0]!.actions![0]!;
    assert.equal(undo.integration!.url, '/plugins/hookbridge' + CLICK_PATH, 'new actions are wrapped too');
  });

  it('refuses forged, unsigned or disabled targets without calling anything', async () => {
    const k = await env.deps.key.get();
    for (const [context, want] of [
      [{hookbridge: 'garbage.sig'}, 403],
      [{hookbridge: seal(Buffer.alloc(32, 1), {url: 'http://169.254.169.254/', hook_id: 'hook1'})}, 403],
      [{}, 403],
      [{hookbridge: seal(k, {url: 'https://svc.example', hook_id: 'off'})}, 403],
      [{hookbridge: seal(k, {url: 'https://svc.example', hook_id: 'gone'})}, 404],
    ] as const) {
      await assert.rejects(handleClick(env.deps, fakeRequest({method: 'POST', url: CLICK_PATH, userId: env.alice.Id, body: {context}}), new CapturedResponse()), (e: Error) => e instanceof AppError && e.statusCode === want);
    }
    await assert.rejects(handleClick(env.deps, fakeRequest({method: 'POST', url: CLICK_PATH, body: {}}), new CapturedResponse()), (e: Error) => e instanceof AppError && e.statusCode === 401);
    assert.equal(env.sent.length, 0);
  });

  it('holds integrations to the native reply rules', async () => {
    for (const [reply, pattern] of [
      [{status: 201, body: {}}, /status 201/],
      [{status: 500, body: 'oops'}, /status 500/],
      [{body: 'not json'}, /not a JSON object/],
      [{body: [1, 2]}, /not a JSON object/],
    ] as const) {
      const s = setup([reply]);
      await assert.rejects(click(s.deps, s.alice.Id, 'p'), pattern);
    }
    const s = setup([{body: ''}]);
    assert.deepEqual((await click(s.deps, s.alice.Id, 'p')).json(), {});
  });

  it('opens a dialog from a click reply, and routes its submission and lookups through Hookbridge', async () => {
    const dialog = {
      title: 'File a bug',
      callback_id: 'bug',
      state: 's1',
      elements: [
        {display_name: 'Title', name: 'title', type: 'text'},
        {display_name: 'Component', name: 'component', type: 'select', data_source: 'dynamic', data_source_url: 'https://svc.example/components'},
      ],
    };
    const s = setup([{body: {dialog, dialog_url: 'https://svc.example/bugs'}}, {body: {errors: {title: 'Too short'}}}, {body: {}}, {body: {items: [{text: 'API', value: 'api'}, {bad: true}]}}]);
    await click(s.deps, s.alice.Id, 'p');
    assert.equal(s.mm.dialogs.length, 1);
    const opened = s.mm.dialogs[0]!;
    assert.equal(opened.TriggerId, 'trig1');
    assert.equal(opened.Dialog.Title, 'File a bug');
    assert.ok(opened.URL.startsWith('/plugins/hookbridge' + SUBMIT_PATH + '?t='));
    const lookupURL = opened.Dialog.Elements![1]!.DataSourceURL!;
    assert.ok(lookupURL.startsWith('/plugins/hookbridge' + LOOKUP_PATH + '?t='), lookupURL);

    const submitURL = opened.URL.slice('/plugins/hookbridge'.length);
    const first = new CapturedResponse();
    await handleSubmit(s.deps, fakeRequest({method: 'POST', url: submitURL, userId: s.alice.Id, body: {url: 'https://evil.example', callback_id: 'bug', state: 's1', submission: {title: 'x'}}}), first);
    assert.deepEqual(first.json(), {errors: {title: 'Too short'}});
    assert.equal(s.sent[1]!.url, 'https://svc.example/bugs', 'the client-supplied url is ignored');
    const submitted = JSON.parse(Buffer.from(s.sent[1]!.body).toString()) as Record<string, unknown>;
    assert.equal(submitted.type, 'dialog_submission');
    assert.equal(submitted.state, 's1');
    assert.equal(submitted.user_id, s.alice.Id);

    const second = new CapturedResponse();
    await handleSubmit(s.deps, fakeRequest({method: 'POST', url: submitURL, userId: s.alice.Id, body: {cancelled: true, state: 's1'}}), second);
    assert.deepEqual(second.json(), {});

    const lookup = new CapturedResponse();
    await handleLookup(s.deps, fakeRequest({method: 'POST', url: lookupURL.slice('/plugins/hookbridge'.length), userId: s.alice.Id, body: {submission: {query: 'a', selected_field: 'component'}}}), lookup);
    assert.deepEqual(lookup.json(), {items: [{text: 'API', value: 'api'}]});
    assert.equal(s.sent[3]!.url, 'https://svc.example/components');
  });

  it('offers a button that opens a dialog for outgoing-webhook replies', async () => {
    const s = setup();
    const attachment = await dialogButton({title: 'Triage', elements: [{display_name: 'Severity', name: 'sev', type: 'radio', options: [{text: 'High', value: 'high'}]}]}, {url: 'https://svc.example/triage', hook_id: 'hook1'}, s.deps.key);
    const action = attachment.actions![0]!;
    assert.equal(action.integration!.url, '/plugins/hookbridge' + OPEN_DIALOG_PATH);
    const res = new CapturedResponse();
    await handleOpenDialog(s.deps, fakeRequest({method: 'POST', url: OPEN_DIALOG_PATH, userId: s.alice.Id, body: {trigger_id: 't9', context: action.integration!.context}}), res);
    assert.equal(s.mm.dialogs[0]!.TriggerId, 't9');
    assert.equal(s.mm.dialogs[0]!.Dialog.Elements![0]!.Type, 'radio');
  });
});

describe('dialog validation', () => {
  const ok = {title: 'Ok', elements: [{display_name: 'A', name: 'a', type: 'text'}]};
  it('accepts every element type Mattermost supports', () => {
    assert.doesNotThrow(() =>
      validateDialog({
        title: 'All',
        elements: [
          {display_name: 'T', name: 't', type: 'text', subtype: 'email', max_length: 150},
          {display_name: 'TA', name: 'ta', type: 'textarea', max_length: 3000},
          {display_name: 'S', name: 's', type: 'select', options: [{text: 'a', value: 'a'}, {text: 'b', value: 'b'}], default: 'a,b', multiselect: true},
          {display_name: 'U', name: 'u', type: 'select', data_source: 'users'},
          {display_name: 'B', name: 'b', type: 'bool', default: 'true'},
          {display_name: 'R', name: 'r', type: 'radio', options: [{text: 'x', value: 'x'}], default: 'x'},
          {display_name: 'D', name: 'd', type: 'date', default: 'today', min_date: '2026-01-01'},
          {display_name: 'DT', name: 'dt', type: 'datetime', default: '+2h', time_interval: 30},
        ],
      }),
    );
  });
  const bad: [string, object, string][] = [
    ['title required', {title: ''}, 'title'],
    ['title length', {title: 'x'.repeat(25)}, 'title'],
    ['duplicate names', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'text'}, {display_name: 'B', name: 'a', type: 'text'}]}, 'elements[1].name'],
    ['unknown type', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'file'}]}, 'elements[0].type'],
    ['text subtype', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'text', subtype: 'color'}]}, 'elements[0].subtype'],
    ['options and source', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'select', data_source: 'users', options: [{text: 'a', value: 'a'}]}]}, 'elements[0].options'],
    ['dynamic url', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'select', data_source: 'dynamic', data_source_url: 'http://insecure'}]}, 'elements[0].data_source_url'],
    ['default not an option', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'select', options: [{text: 'a', value: 'a'}], default: 'z'}]}, 'elements[0].default'],
    ['bool default', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'bool', default: 'yes'}]}, 'elements[0].default'],
    ['date default', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'date', default: 'next week'}]}, 'elements[0].default'],
    ['time interval', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'datetime', time_interval: 7}]}, 'elements[0].time_interval'],
    ['min over max', {title: 'x', elements: [{display_name: 'A', name: 'a', type: 'text', min_length: 5, max_length: 2}]}, 'elements[0].min_length'],
  ];
  for (const [name, dialog, field] of bad) {
    it(`rejects ${name} naming ${field}`, () => {
      assert.throws(() => validateDialog(dialog), (e: Error) => e instanceof DialogValidationError && e.field === field);
    });
  }
  it('accepts the minimal dialog', () => assert.doesNotThrow(() => validateDialog(ok)));
});
