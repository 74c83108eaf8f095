// End to end through the real wire protocol: the bundled plugin executable runs
// under the Go host that plays Mattermost (go-plugin, yamux, net/rpc, gob,
// ServeHTTP over a real HTTP server). Outgoing hooks call a receiver started
// here; incoming hooks are called through the host's HTTP front.

import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {bundleExecutable} from '../support/bundle.js';
import {failures, repoRoot, run} from '../conformance/support.js';

const HOST = `${repoRoot}.cache/conformance/bin/host`;
const TEAM = 'harnessteam000000000000001';
const TOWN = 'harnesschannel000000000001';
const ADMIN = 'harnessadmin00000000000001';
const ALICE = 'harnessuser000000000000001';
const POST = 'e2epost'.padEnd(25, '0') + '1';
const EDITED = 'e2eedit'.padEnd(25, '0') + '1';
const OTHER_NODE_HOOK = 'othernode'.padEnd(25, '0') + '1';
const CREATED_AT = 1_700_000_000_123;

interface Received {
  path: string;
  contentType: string;
  userAgent: string;
  body: string;
}

const replies: Record<string, object> = {
  '/json': {text: 'json reply', response_type: 'comment'},
  '/form': {text: 'form reply', username: 'ignored-without-override'},
  '/other': {text: 'other node reply'},
  '/edit': {attachments: [{text: 'edit seen <!here>'}]},
};

describe('webhooks through the Go Mattermost host', {skip: existsSync(HOST) ? false : 'the Go host is not built: run sh test/conformance/build.sh'}, () => {
  let exe = '';
  let server: http.Server;
  let base = '';
  const received: Received[] = [];
  let dir = '';

  before(async () => {
    exe = await bundleExecutable('server/main.ts', 'hookbridge');
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({path: req.url ?? '', contentType: req.headers['content-type'] ?? '', userAgent: req.headers['user-agent'] ?? '', body});
        res.writeHead(200, {'Content-Type': 'application/json'});
        res.end(JSON.stringify(replies[req.url ?? ''] ?? {}));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'hb-e2e-'));
  });

  after(() => {
    server?.close();
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  function script(): object {
    const createOutgoing = (name: string, body: object, capture: Record<string, string>) => ({
      name,
      call: 'ServeHTTP',
      method: 'POST',
      path: '/plugins/hookbridge/api/v1/hooks/outgoing',
      userId: ADMIN,
      bodyJson: {team_id: TEAM, ...body},
      capture,
      expect: {status: 201, bodyJson: {token: {$len: 26}, creator_id: ADMIN, team_id: TEAM}},
      expectCalls: [
        {method: 'PublishWebSocketEvent', match: {kind: 'outgoing', action: 'created'}, count: 1},
        {method: 'PublishPluginClusterEvent', count: 1},
      ],
    });
    const webhookPost = (message: string, extra: object = {}) => ({method: 'CreatePost', match: {Message: message, UserId: ADMIN, ChannelId: TOWN, Props: {from_webhook: 'true', ...extra}}, count: 1});
    return {
      pluginId: 'hookbridge',
      config: {AllowedInternalHosts: '127.0.0.1', RequestTimeoutSeconds: 10},
      expectImplemented: ['OnActivate', 'OnDeactivate', 'OnConfigurationChange', 'MessageHasBeenPosted', 'MessageHasBeenUpdated', 'ServeHTTP', 'OnPluginClusterEvent'],
      activate: {expectCalls: [{method: 'LoadPluginConfiguration'}, {method: 'KVGet', args: {A: 'hb_version'}}]},
      steps: [
        {name: 'the REST API wants a session', call: 'ServeHTTP', path: '/plugins/hookbridge/api/v1/me', expect: {status: 401, bodyJson: {status_code: 401}}},
        createOutgoing('create a JSON outgoing hook as admin', {display_name: 'JSON hook', trigger_words: ['deploy'], callback_urls: [`${base}/json`], content_type: 'application/json'}, {jsonHook: 'id', jsonToken: 'token'}),
        {name: 'the hook is in the KV store', call: 'ExpectKV', key: 'hb_out_${jsonHook}', value: {$json: {display_name: 'JSON hook', token: '${jsonToken}'}}},
        createOutgoing('create a form-encoded outgoing hook', {display_name: 'Form hook', trigger_words: ['dep'], trigger_when: 1, callback_urls: [`${base}/form`]}, {formToken: 'token'}),
        createOutgoing('create an edit-watching hook', {display_name: 'Edit hook', trigger_words: ['fixup'], events: ['edited'], callback_urls: [`${base}/edit`], content_type: 'application/json'}, {}),
        {
          name: 'a trigger word fires both hooks, and their replies become posts',
          call: 'MessageHasBeenPosted',
          post: {Id: POST, Message: 'deploy the release', UserId: ALICE, ChannelId: TOWN, CreateAt: CREATED_AT},
          waitMs: 8000,
          expectCalls: [webhookPost('json reply', {webhook_display_name: 'JSON hook'}), webhookPost('form reply', {webhook_display_name: 'Form hook', override_username: {$exists: false}})],
        },
        {name: 'the comment went into the thread', call: 'ExpectCalls', expectCalls: [{method: 'CreatePost', match: {Message: 'json reply', RootId: POST}, count: 1}]},
        {
          name: 'an edit fires only the edit-watching hook',
          call: 'MessageHasBeenUpdated',
          post: {Id: EDITED, Message: 'fixup typo', UserId: ALICE, ChannelId: TOWN, CreateAt: CREATED_AT, EditAt: CREATED_AT + 5000},
          oldPost: {Id: EDITED, Message: 'fxup typo', UserId: ALICE, ChannelId: TOWN, CreateAt: CREATED_AT},
          waitMs: 8000,
          expectCalls: [{method: 'CreatePost', match: {Type: 'slack_attachment', Props: {attachments: [{text: 'edit seen @here'}], webhook_display_name: 'Edit hook'}}, count: 1}],
        },
        {
          name: 'another node stores a hook and says so',
          call: 'SetKV',
          key: `hb_out_${OTHER_NODE_HOOK}`,
          value: {
            $json: {id: OTHER_NODE_HOOK, token: 'othertoken0000000000000001', create_at: 1, update_at: 1, delete_at: 0, creator_id: ADMIN, channel_id: TOWN, team_id: TEAM, trigger_words: ['ship'], trigger_when: 0, callback_urls: [`${base}/other`], display_name: 'Other node', description: '', content_type: 'application/json', username: '', icon_url: '', enabled: true, match: {mode: 'first_word', case_insensitive: false}, events: ['posted'], channel_types: ['O'], headers: {}, max_attempts: 1},
          },
        },
        {call: 'OnPluginClusterEvent', event: {Id: 'hook_changed', Data: {$json: {kind: 'outgoing', id: OTHER_NODE_HOOK, version: 99}}}},
        {name: "the other node's hook fires here", call: 'MessageHasBeenPosted', post: {Message: 'ship it', UserId: ALICE, ChannelId: TOWN}, waitMs: 8000, expectCalls: [webhookPost('other node reply', {webhook_display_name: 'Other node'})]},
        {
          name: 'create an incoming hook',
          call: 'ServeHTTP',
          method: 'POST',
          path: '/plugins/hookbridge/api/v1/hooks/incoming',
          userId: ADMIN,
          bodyJson: {channel_id: TOWN, display_name: 'CI'},
          capture: {inHook: 'id'},
          expect: {status: 201, bodyJson: {channel_id: TOWN, team_id: TEAM, user_id: ADMIN, channel_locked: false, url: {$contains: '/plugins/hookbridge/hooks/'}}},
        },
        {
          name: 'a JSON request becomes a post',
          call: 'ServeHTTP',
          method: 'POST',
          path: '/plugins/hookbridge/hooks/${inHook}',
          headers: {'Content-Type': 'application/json'},
          body: '{"text": "build passed <!channel>"}',
          expect: {status: 200, body: 'ok', headers: {'Content-Type': 'text/plain'}},
          expectCalls: [webhookPost('build passed @channel', {webhook_display_name: 'CI'})],
        },
        {
          name: 'a payload= form request becomes a post',
          call: 'ServeHTTP',
          method: 'POST',
          path: '/plugins/hookbridge/hooks/${inHook}',
          headers: {'Content-Type': 'application/x-www-form-urlencoded'},
          body: `payload=${encodeURIComponent(JSON.stringify({text: 'deployed', channel: 'town-square'}))}`,
          expect: {status: 200, body: 'ok'},
          expectCalls: [webhookPost('deployed', {webhook_display_name: 'CI'})],
        },
        {
          name: 'JSON with a raw newline is repaired',
          call: 'ServeHTTP',
          method: 'POST',
          path: '/plugins/hookbridge/hooks/${inHook}',
          body: '{"text": "line one\nline two"}',
          expect: {status: 200},
          expectCalls: [webhookPost('line one\nline two')],
        },
        {
          name: 'an unknown hook is a 400 that says so',
          call: 'ServeHTTP',
          method: 'POST',
          path: '/plugins/hookbridge/hooks/abcdefghijklmnopqrstuvwxyz',
          bodyJson: {text: 'hi'},
          expect: {status: 400, bodyJson: {id: 'web.incoming_webhook.invalid.app_error', message: {$contains: 'Invalid webhook'}}},
          expectCalls: [{method: 'CreatePost', count: 0}],
        },
        {name: 'webhook posts never fired hooks (no loop)', call: 'ExpectCalls', since: 'all', expectCalls: [{method: 'CreatePost', count: 7}]},
      ],
    };
  }

  it('outgoing hooks (both encodings, edits, a peer node) and incoming hooks (JSON, payload=)', async (t) => {
    const path = join(dir, 'webhooks.json');
    writeFileSync(path, JSON.stringify(script(), null, 2));
    const res = await run(HOST, ['--plugin', exe, '--scenario', 'mattermost', '--script', path, '--timeout', '120s'], {timeoutMs: 150_000});
    assert.deepEqual(failures(res.stdout), [], res.stdout + res.stderr.slice(-6000));
    assert.match(res.stdout, /^\d+ passed, 0 failed$/m);
    for (const line of res.stdout.split('\n')) if (/^(PASS step|NOTE)/.test(line)) t.diagnostic(line);

    const byPath = (p: string) => received.filter((r) => r.path === p);
    assert.equal(byPath('/json').length, 1);
    assert.equal(byPath('/form').length, 1);
    const json = byPath('/json')[0]!;
    assert.equal(json.contentType, 'application/json');
    assert.equal(json.userAgent, 'Mattermost-Bot/1.1');
    const payload = JSON.parse(json.body) as Record<string, unknown>;
    assert.deepEqual(
      {...payload, token: String(payload.token).length},
      {token: 26, team_id: TEAM, team_domain: 'harness', channel_id: TOWN, channel_name: 'town-square', timestamp: CREATED_AT, user_id: ALICE, user_name: 'alice', post_id: POST, text: 'deploy the release', trigger_word: 'deploy', file_ids: ''},
    );
    const form = byPath('/form')[0]!;
    assert.equal(form.contentType, 'application/x-www-form-urlencoded');
    const fields = Object.fromEntries(new URLSearchParams(form.body));
    assert.equal(fields.timestamp, String(Math.trunc(CREATED_AT / 1000)));
    assert.deepEqual([fields.trigger_word, fields.team_domain, fields.text, fields.user_name], ['dep', 'harness', 'deploy the release', 'alice']);
    assert.equal(Object.keys(fields).sort().join(), 'channel_id,channel_name,file_ids,post_id,team_domain,team_id,text,timestamp,token,trigger_word,user_id,user_name');

    const edit = JSON.parse(byPath('/edit')[0]!.body) as Record<string, unknown>;
    assert.deepEqual([edit.edited, edit.timestamp, edit.channel_type, edit.root_id, edit.trigger_word], [true, CREATED_AT + 5000, 'O', '', 'fixup']);
    assert.equal(byPath('/other').length, 1);
  });
});
