import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, beforeEach, describe, it} from 'node:test';
import type {Post} from '../mattermost/model.js';
import {createOutgoing, makeWorld, type World} from '../http/test-kit.js';
import type {DeliveryService, OutgoingJob} from './delivery.js';

/** A delivery service that only records jobs. */
class Recorder implements DeliveryService {
  readonly jobs: OutgoingJob[] = [];
  async deliver(job: OutgoingJob): Promise<string> {
    this.jobs.push(job);
    return `d${this.jobs.length}`;
  }
  async list(): Promise<never[]> {
    return [];
  }
  async get(): Promise<null> {
    return null;
  }
  async replay(): Promise<string> {
    return '';
  }
  async stats(): Promise<{buckets: never[]}> {
    return {buckets: []};
  }
}

const payloadOf = (job: OutgoingJob): Record<string, unknown> => JSON.parse(new TextDecoder().decode(job.body)) as Record<string, unknown>;

describe('outgoing dispatch', () => {
  let w: World;
  let rec: Recorder;

  beforeEach(async () => {
    rec = new Recorder();
    w = await makeWorld({plugin: {delivery: () => rec}});
  });

  async function post(p: Partial<Post> & {ChannelId: string}, asUser = w.alice.Id): Promise<Post> {
    const saved = await w.mm.createPost({UserId: asUser, Message: '', ...p});
    await w.plugin.messageHasBeenPosted({}, saved);
    await w.plugin.idle();
    return saved;
  }

  it('sends the native payload with native headers, one job per callback URL', async () => {
    const hook = await createOutgoing(w, {trigger_words: ['deploy'], content_type: 'application/json', callback_urls: ['http://a.example/1', 'http://b.example/2']});
    const p = await post({ChannelId: w.town.Id, Message: 'deploy now', FileIds: ['f1']});
    assert.deepEqual(
      rec.jobs.map((j) => j.url),
      ['http://a.example/1', 'http://b.example/2'],
    );
    const job = rec.jobs[0]!;
    assert.deepEqual(job.headers, {'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'Mattermost-Bot/1.1'});
    assert.deepEqual(payloadOf(job), {
      token: hook.token,
      team_id: w.team.Id,
      team_domain: 'core',
      channel_id: w.town.Id,
      channel_name: 'town-square',
      timestamp: p.CreateAt,
      user_id: w.alice.Id,
      user_name: 'alice',
      post_id: p.Id,
      text: 'deploy now',
      trigger_word: 'deploy',
      file_ids: 'f1',
    });
    assert.equal(job.event, 'posted');
  });

  it('adds the hook headers and keeps form encoding as the default', async () => {
    await createOutgoing(w, {trigger_words: ['go'], headers: {Authorization: 'Bearer t'}});
    await post({ChannelId: w.town.Id, Message: 'go'});
    assert.equal(rec.jobs[0]!.headers.Authorization, 'Bearer t');
    assert.equal(rec.jobs[0]!.contentType, 'application/x-www-form-urlencoded');
  });

  it('skips webhook posts, its own posts and system messages; includes replies', async () => {
    await createOutgoing(w, {trigger_words: ['go']});
    await post({ChannelId: w.town.Id, Message: 'go', Props: {from_webhook: 'true'}});
    await post({ChannelId: w.town.Id, Message: 'go', Props: {hookbridge_hook_id: 'x'}});
    await post({ChannelId: w.town.Id, Message: 'go', Type: 'system_join_channel'});
    assert.equal(rec.jobs.length, 0);
    const root = await post({ChannelId: w.town.Id, Message: 'hello'});
    await post({ChannelId: w.town.Id, Message: 'go', RootId: root.Id!});
    assert.equal(rec.jobs.length, 1);
  });

  it('private channels: only hooks that opt in, and only if their creator can read the channel', async () => {
    await createOutgoing(w, {display_name: 'public only', trigger_words: ['go']}, w.admin.Id);
    await createOutgoing(w, {display_name: 'alice private', trigger_words: ['go'], channel_types: ['O', 'P'], callback_urls: ['http://127.0.0.1:9/alice']}, w.alice.Id);
    await createOutgoing(w, {display_name: 'bob private', trigger_words: ['go'], channel_types: ['P'], callback_urls: ['http://127.0.0.1:9/bob']}, w.bob.Id);
    await post({ChannelId: w.secret.Id, Message: 'go'});
    assert.deepEqual(
      rec.jobs.map((j) => j.hook.display_name),
      ['alice private'],
    );
    assert.equal(new URLSearchParams(new TextDecoder().decode(rec.jobs[0]!.body)).get('channel_type'), 'P');
  });

  it("direct messages: only hooks whose creator is in the conversation, even for an admin's hook", async () => {
    await createOutgoing(w, {display_name: 'alice dm', trigger_words: ['go'], channel_types: ['D'], content_type: 'application/json'}, w.alice.Id);
    await createOutgoing(w, {display_name: 'admin dm', trigger_words: ['go'], channel_types: ['D'], callback_urls: ['http://127.0.0.1:9/admin']}, w.admin.Id);
    const dm = await w.mm.getDirectChannel(w.alice.Id, w.bob.Id);
    await post({ChannelId: dm.Id, Message: 'go'}, w.bob.Id);
    assert.deepEqual(
      rec.jobs.map((j) => j.hook.display_name),
      ['alice dm'],
    );
    const payload = payloadOf(rec.jobs[0]!);
    assert.deepEqual([payload.channel_type, payload.team_domain, payload.root_id, payload.edited], ['D', 'core', '', false]);
  });

  it('edits: only hooks that ask for them, and only when the message changed', async () => {
    await createOutgoing(w, {display_name: 'posts', trigger_words: ['go']});
    await createOutgoing(w, {display_name: 'edits', trigger_words: ['go'], events: ['edited'], content_type: 'application/json', callback_urls: ['http://127.0.0.1:9/e']});
    const p = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'hello'});
    const edited = {...p, Message: 'go now', EditAt: (p.CreateAt ?? 0) + 5};
    await w.plugin.messageHasBeenUpdated({}, {...edited, Message: 'hello'}, p);
    await w.plugin.messageHasBeenUpdated({}, edited, p);
    await w.plugin.idle();
    assert.deepEqual(
      rec.jobs.map((j) => [j.hook.display_name, j.event]),
      [['edits', 'edited']],
    );
    assert.deepEqual([payloadOf(rec.jobs[0]!).edited, payloadOf(rec.jobs[0]!).timestamp], [true, edited.EditAt]);
  });

  it('does nothing when outgoing webhooks are switched off', async () => {
    await createOutgoing(w, {trigger_words: ['go']});
    w.mm.config = {...w.mm.config, EnableOutgoing: false};
    await w.plugin.onConfigurationChange();
    await post({ChannelId: w.town.Id, Message: 'go'});
    assert.equal(rec.jobs.length, 0);
  });

  it('disabled hooks stay silent until switched back on', async () => {
    const hook = await createOutgoing(w, {trigger_words: ['go'], enabled: false});
    await post({ChannelId: w.town.Id, Message: 'go'});
    assert.equal(rec.jobs.length, 0);
    assert.equal(hook.enabled, false);
  });
});

describe('outgoing webhooks end to end (direct delivery to a local receiver)', () => {
  let server: http.Server;
  let url = '';
  const received: {headers: http.IncomingHttpHeaders; body: string}[] = [];
  let reply: {status: number; body: string} = {status: 200, body: ''};

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({headers: req.headers, body});
        res.writeHead(reply.status, {'Content-Type': 'application/json'});
        res.end(reply.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => server.close());

  it('ignores the status: a 500 with a JSON body still posts, as a comment in the thread root', async () => {
    const w = await makeWorld();
    await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: [url], content_type: 'application/json'});
    reply = {status: 500, body: JSON.stringify({text: 'deploying', response_type: 'comment'})};
    const root = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'release thread'});
    const trigger = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, RootId: root.Id!, Message: 'deploy it'});
    await w.plugin.messageHasBeenPosted({}, trigger);
    await w.plugin.idle();
    assert.equal(JSON.parse(received[received.length - 1]!.body).text, 'deploy it');
    const posted = [...w.mm.posts.values()].filter((p) => p.Props?.from_webhook === 'true');
    assert.deepEqual(
      posted.map((p) => [p.Message, p.RootId]),
      [['deploying', root.Id]],
    );
  });

  it('refuses loopback callbacks unless the allow-list names them, and logs why', async () => {
    const w = await makeWorld({config: {AllowedInternalHosts: ''}});
    await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: [url]});
    const before = received.length;
    await w.plugin.messageHasBeenPosted({}, await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'deploy'}));
    await w.plugin.idle();
    assert.equal(received.length, before);
    assert.ok(w.mm.logs.some((l) => l.level === 'error' && String(l.fields.error).includes('address forbidden')));
  });
});
