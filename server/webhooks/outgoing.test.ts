import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, beforeEach, describe, it} from 'node:test';
import type {Post} from '../mattermost/model.js';
import {call, createOutgoing, makeWorld, type World} from '../http/test-kit.js';
import {durableDelivery} from '../plugin.js';
import type {HookService} from './service.js';
import type {OutgoingJob} from './delivery.js';
import {RecordingDelivery} from './test-fixtures.js';

const payloadOf = (job: OutgoingJob): Record<string, unknown> => JSON.parse(new TextDecoder().decode(job.body)) as Record<string, unknown>;

describe('outgoing dispatch', () => {
  let w: World;
  let rec: RecordingDelivery;

  beforeEach(async () => {
    rec = new RecordingDelivery();
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

  it('tells delivery while a post is being matched and handed over, and not once that is done', async () => {
    const seen: boolean[] = [];
    let dispatching: () => boolean = () => false;
    class Watching extends RecordingDelivery {
      override async deliver(job: OutgoingJob): Promise<string> {
        seen.push(dispatching());
        return super.deliver(job);
      }
    }
    const watching = new Watching();
    const world = await makeWorld({plugin: {delivery: (deps) => ((dispatching = deps.dispatching), watching)}});
    await createOutgoing(world, {trigger_words: ['go'], callback_urls: ['http://a.example/1', 'http://b.example/2']});
    assert.equal(dispatching(), false, 'nothing posted yet');
    const saved = await world.mm.createPost({UserId: world.alice.Id, ChannelId: world.town.Id, Message: 'go'});
    const handled = world.plugin.messageHasBeenPosted({}, saved);
    assert.equal(dispatching(), true, 'matching has started');
    await handled;
    await world.plugin.idle();
    assert.deepEqual(seen, [true, true], 'each job was handed over during the dispatch');
    assert.equal(dispatching(), false, 'done');
    // A post that fires nothing is over just the same.
    await world.plugin.messageHasBeenPosted({}, await world.mm.createPost({UserId: world.alice.Id, ChannelId: world.town.Id, Message: 'quiet'}));
    await world.plugin.idle();
    assert.equal(dispatching(), false);
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

  it("group messages: members' hooks fire; a system admin's hook does not (membership cannot be verified)", async () => {
    await createOutgoing(w, {display_name: 'alice gm', trigger_words: ['go'], channel_types: ['G']}, w.alice.Id);
    await createOutgoing(w, {display_name: 'bob gm', trigger_words: ['go'], channel_types: ['G'], callback_urls: ['http://127.0.0.1:9/bob']}, w.bob.Id);
    await createOutgoing(w, {display_name: 'admin gm', trigger_words: ['go'], channel_types: ['G'], callback_urls: ['http://127.0.0.1:9/admin']}, w.admin.Id);
    const gm = w.mm.addChannel({Name: 'gm-hash', TeamId: '', Type: 'G'});
    w.mm.join(w.alice.Id, gm.Id);
    await post({ChannelId: gm.Id, Message: 'go'});
    assert.deepEqual(
      rec.jobs.map((j) => j.hook.display_name),
      ['alice gm'],
    );
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

  it('the delivery engine can switch a hook off, with a reason its managers see', async () => {
    let service: HookService | null = null;
    const r = new RecordingDelivery();
    const world = await makeWorld({plugin: {delivery: (deps) => ((service = deps.service), r)}});
    const hook = await createOutgoing(world, {trigger_words: ['go']});
    await service!.setOutgoingEnabled(String(hook.id), false, 'The callback answered 410 Gone.');
    await world.plugin.messageHasBeenPosted({}, await world.mm.createPost({UserId: world.alice.Id, ChannelId: world.town.Id, Message: 'go'}));
    await world.plugin.idle();
    assert.equal(r.jobs.length, 0);
    const got = (await call(world.plugin, {path: `/api/v1/hooks/outgoing/${String(hook.id)}`, userId: world.admin.Id})).json as Record<string, unknown>;
    assert.deepEqual([got.enabled, got.disabled_reason], [false, 'The callback answered 410 Gone.']);
    const back = await call(world.plugin, {method: 'PUT', path: `/api/v1/hooks/outgoing/${String(hook.id)}`, userId: world.admin.Id, body: {...got, enabled: true}});
    assert.equal((back.json as Record<string, unknown>).disabled_reason, undefined);
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
  /** Answers of /slow requests, held until the test lets them go. */
  const held: (() => void)[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({headers: req.headers, body});
        const answer = (): void => {
          res.writeHead(reply.status, {'Content-Type': 'application/json'});
          res.end(reply.body);
        };
        if (req.url?.startsWith('/slow')) held.push(answer);
        else answer();
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

  it('never makes the post wait, and calls every URL at once', async () => {
    const w = await makeWorld();
    const slow = url.replace('/hook', '/slow');
    await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: [`${slow}/1`, `${slow}/2`, `${slow}/3`]});
    reply = {status: 200, body: ''};
    const trigger = await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'deploy'});
    // The receiver answers nothing until the test lets it: by the time all three requests
    // are in, the hook has returned, which it could not have done had it waited for one.
    let returned = false;
    const run = w.plugin.messageHasBeenPosted({}, trigger).then(() => void (returned = true));
    for (let i = 0; i < 500 && held.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    const inFlight = held.length;
    const returnedFirst = returned;
    for (const answer of held.splice(0)) answer();
    await run;
    await w.plugin.idle();
    assert.equal(inFlight, 3, 'the three callbacks were in flight at once');
    assert.ok(returnedFirst, 'the hook returned before any callback answered');
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

describe('outgoing webhooks through the delivery queue (the default engine)', () => {
  let server: http.Server;
  let base = '';
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/gone') {
          res.writeHead(410);
          res.end();
          return;
        }
        res.writeHead(200, {'Content-Type': 'application/json'});
        res.end(JSON.stringify({text: 'queued reply'}));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('replies become posts; the log, detail, replay and stats routes work', async () => {
    const w = await makeWorld({plugin: {delivery: durableDelivery}});
    try {
      const hook = await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: [`${base}/ok`], max_attempts: 1});
      await w.plugin.messageHasBeenPosted({}, await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'deploy'}));
      await until('the reply post', () => [...w.mm.posts.values()].find((p) => p.Message === 'queued reply'));
      const path = `/api/v1/hooks/outgoing/${String(hook.id)}`;
      const list = await until('a finished delivery', async () => {
        const l = (await call(w.plugin, {path: `${path}/deliveries`, userId: w.admin.Id})).json as {id: string; status: string}[];
        return l[0]?.status === 'succeeded' ? l : undefined;
      });
      const detail = await call(w.plugin, {path: `/api/v1/deliveries/${list[0]!.id}`, userId: w.admin.Id});
      assert.equal((detail.json as {hook_id: string}).hook_id, hook.id);
      assert.equal((await call(w.plugin, {path: `/api/v1/deliveries/${list[0]!.id}`, userId: w.bob.Id})).status, 403);
      const replay = await call(w.plugin, {method: 'POST', path: `/api/v1/deliveries/${list[0]!.id}/replay`, userId: w.admin.Id});
      assert.match(String((replay.json as {delivery_id: string}).delivery_id), /^[a-z0-9]{26}$/);
      const stats = await call(w.plugin, {path: `${path}/stats`, userId: w.admin.Id});
      assert.ok(Array.isArray((stats.json as {buckets: unknown[]}).buckets));
    } finally {
      await w.plugin.onDeactivate();
    }
  });

  it('live updates of deliveries go only to the users watching the hook, on whichever node delivers', async () => {
    const w = await makeWorld({plugin: {delivery: durableDelivery}});
    try {
      const hook = await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: [`${base}/ok`], max_attempts: 1});
      const watchPath = `/api/v1/hooks/outgoing/${String(hook.id)}/deliveries/watch`;
      assert.equal((await call(w.plugin, {method: 'POST', path: watchPath, userId: w.bob.Id})).status, 403, 'only who may manage the hook may watch it');
      assert.equal((await call(w.plugin, {method: 'POST', path: watchPath, userId: ''})).status, 401);
      const watched = await call(w.plugin, {method: 'POST', path: watchPath, userId: w.admin.Id});
      assert.deepEqual([watched.status, watched.json], [200, {watch_seconds: 60}]);
      const notice = w.mm.clusterEvents.find((e) => e.id === 'delivery_watch');
      assert.deepEqual(JSON.parse(Buffer.from(notice!.data).toString()), {hook_id: hook.id, user_id: w.admin.Id, ttl_ms: 60_000}, 'the other nodes are told');

      const deliver = async (): Promise<void> => {
        await w.plugin.messageHasBeenPosted({}, await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'deploy'}));
        await until('a finished delivery', async () => {
          const l = (await call(w.plugin, {path: `/api/v1/hooks/outgoing/${String(hook.id)}/deliveries`, userId: w.admin.Id})).json as {status: string}[];
          return l.length > 0 && l.every((d) => d.status === 'succeeded') ? true : undefined;
        });
        // Live updates go out every 250 ms.
        await new Promise((r) => setTimeout(r, 400));
      };
      const updates = () => w.mm.events.filter((e) => e.event === 'delivery');
      await deliver();
      assert.ok(updates().length > 0);
      for (const e of updates()) assert.deepEqual(e.broadcast, {UserId: w.admin.Id}, 'never to the whole team');
      assert.ok(updates().some((e) => (JSON.parse(e.payload.deliveries as string) as {status: string; hook_id: string}[]).some((d) => d.hook_id === hook.id && d.status === 'succeeded')));

      assert.equal((await call(w.plugin, {method: 'DELETE', path: watchPath, userId: w.admin.Id})).status, 200);
      const seen = updates().length;
      await deliver();
      assert.equal(updates().length, seen, 'nobody watches: nothing is published');

      // The watch as another node announces it.
      await w.plugin.onPluginClusterEvent({}, {Id: 'delivery_watch', Data: notice!.data});
      await deliver();
      assert.ok(updates().length > seen);
    } finally {
      await w.plugin.onDeactivate();
    }
  });

  it('an endpoint answering 410 Gone switches its hook off, everywhere at once', async () => {
    const w = await makeWorld({plugin: {delivery: durableDelivery}});
    try {
      const hook = await createOutgoing(w, {trigger_words: ['deploy'], callback_urls: [`${base}/gone`], max_attempts: 1});
      await w.plugin.messageHasBeenPosted({}, await w.mm.createPost({UserId: w.alice.Id, ChannelId: w.town.Id, Message: 'deploy'}));
      const got = await until('the hook to be switched off', async () => {
        const h = (await call(w.plugin, {path: `/api/v1/hooks/outgoing/${String(hook.id)}`, userId: w.admin.Id})).json as {enabled: boolean; disabled_reason?: string};
        return h.enabled ? undefined : h;
      });
      assert.match(String(got.disabled_reason), /410/);
      assert.equal(w.plugin.index.get(String(hook.id))?.enabled, false);
    } finally {
      await w.plugin.onDeactivate();
    }
  });
});
