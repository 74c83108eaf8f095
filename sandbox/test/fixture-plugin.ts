// A small plugin for trying the sandbox and testing it without the real one:
// it uses every hook and API path the sandbox serves.
//
//   post "echo <text>"   → the bot replies "echo: <text>"
//   post "buttons"       → the bot posts an attachment with a button and a menu
//   post "event <text>"  → a custom_hookbridge_ping WebSocket event to the channel
//   GET  /whoami         → the identity headers the plugin received
//   POST /digest         → sha256 and length of the request body
//   GET  /stream?mb=N    → N MiB streamed in 64 KiB writes
//   GET/PUT /kv/<key>    → the plugin KV store
//   POST /action, /dialog → interactive action and dialog callbacks

import {createHash} from 'node:crypto';
import {
  AppError,
  readBody,
  runPlugin,
  sendJSON,
  type Context,
  type PluginAPI,
  type PluginHooks,
  type PluginRequest,
  type PluginResponse,
  type Post,
} from '../../server/mattermost/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const SELF = '/plugins/hookbridge';

class FixturePlugin implements PluginHooks {
  private api!: PluginAPI;
  private botId = '';

  setAPI(api: PluginAPI): void {
    this.api = api;
  }

  private async bump(key: string): Promise<number> {
    const n = Number(dec.decode((await this.api.kvGet(key)) ?? enc.encode('0'))) + 1;
    await this.api.kvSet(key, enc.encode(String(n)));
    return n;
  }

  async onConfigurationChange(): Promise<void> {
    const config = await this.api.loadPluginConfiguration();
    await this.api.kvSet('config', enc.encode(JSON.stringify(config)));
  }

  async onActivate(): Promise<void> {
    this.botId = await this.api.ensureBotUser({Username: 'fixturebot', DisplayName: 'Fixture Bot', Description: 'Replies for the sandbox fixture plugin'});
    const n = await this.bump('activations');
    this.api.logInfo('fixture plugin activated', {activations: n, pid: process.pid});
  }

  async onDeactivate(): Promise<void> {
    await this.api.kvSet('deactivated_pid', enc.encode(String(process.pid)));
  }

  async messageHasBeenPosted(_ctx: Context, post: Post): Promise<void> {
    // The host calls this for our own posts too; answering them would loop.
    if (post.UserId === this.botId || post.Props?.from_plugin) return;
    await this.bump('posted_count');
    const text = post.Message ?? '';
    const reply = (extra: Post): Promise<Post> => this.api.createPost({ChannelId: post.ChannelId, UserId: this.botId, RootId: post.RootId || '', Props: {from_plugin: true}, ...extra});
    if (text.startsWith('echo ')) {
      await reply({Message: `echo: ${text.slice(5)}`});
    } else if (text === 'buttons') {
      await reply({
        Message: 'Pick one',
        Type: 'custom_hookbridge',
        Props: {
          from_plugin: true,
          attachments: [
            {
              title: 'Fixture actions',
              text: 'Buttons and menus go through the server to the plugin.',
              actions: [
                {id: 'approve', name: 'Approve', type: 'button', style: 'primary', integration: {url: `${SELF}/action`, context: {choice: 'approve'}}},
                {id: 'dialog', name: 'Open dialog', type: 'button', integration: {url: `${SELF}/action`, context: {choice: 'dialog'}}},
                {
                  id: 'flavour',
                  name: 'Flavour',
                  type: 'select',
                  options: [
                    {text: 'Vanilla', value: 'vanilla'},
                    {text: 'Chocolate', value: 'chocolate'},
                  ],
                  integration: {url: `${SELF}/action`, context: {choice: 'flavour'}},
                },
              ],
            },
          ],
        },
      });
    } else if (text.startsWith('event ')) {
      await this.api.publishWebSocketEvent('ping', {message: text.slice(6)}, {ChannelId: post.ChannelId ?? ''});
    }
  }

  async messageHasBeenUpdated(_ctx: Context, post: Post): Promise<void> {
    await this.api.kvSet('last_edit', enc.encode(post.Message ?? ''));
  }

  async serveHTTP(_ctx: Context, req: PluginRequest, res: PluginResponse): Promise<void> {
    const kvKey = /^\/kv\/([^/]+)$/.exec(req.path)?.[1];
    if (req.path === '/whoami') {
      await sendJSON(res, 200, {
        user_id: req.header('Mattermost-User-Id') ?? '',
        plugin_id: req.header('Mattermost-Plugin-ID') ?? '',
        authorization: req.header('Authorization') ?? '',
        path: req.path,
        url: req.url,
        method: req.method,
      });
    } else if (req.path === '/api/v1/me') {
      // What Hookbridge's webapp asks first; the fixture lets everyone manage hooks.
      if (!req.userId) throw new AppError({id: 'fixture.unauthorized', message: 'Not authorized', statusCode: 401});
      const isAdmin = await this.api.hasPermissionTo(req.userId, 'manage_system');
      await sendJSON(res, 200, {user_id: req.userId, is_admin: isAdmin, can_manage_incoming: true, can_manage_outgoing: true, can_manage_others: isAdmin});
    } else if (req.path.startsWith('/api/v1/hooks/')) {
      await sendJSON(res, 200, []);
    } else if (req.path === '/pid') {
      await sendJSON(res, 200, {pid: process.pid});
    } else if (req.path === '/digest' && req.method === 'POST') {
      const hash = createHash('sha256');
      let length = 0;
      for await (const chunk of req.body) {
        hash.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      await sendJSON(res, 200, {length, sha256: hash.digest('hex'), user_id: req.userId});
    } else if (req.path === '/stream') {
      const mib = Number(req.query.get('mb') ?? '1');
      res.setHeader('Content-Type', 'application/octet-stream');
      for (let i = 0; i < mib * 16; i++) await res.write(Buffer.alloc(64 * 1024, 97 + (i % 26)));
      await res.end();
    } else if (kvKey && req.method === 'GET') {
      const value = await this.api.kvGet(kvKey);
      await sendJSON(res, value ? 200 : 404, {key: kvKey, value: value ? dec.decode(value) : null});
    } else if (kvKey && req.method === 'PUT') {
      await this.api.kvSet(kvKey, await readBody(req, 1 << 20));
      await sendJSON(res, 200, {key: kvKey});
    } else if (req.path === '/action' && req.method === 'POST') {
      await this.action(req, res);
    } else if (req.path === '/dialog' && req.method === 'POST') {
      await this.dialog(req, res);
    } else if (req.path === '/teapot') {
      res.statusCode = 418;
      await res.end('short and stout');
    } else {
      throw new AppError({id: 'fixture.not_found', message: `no route ${req.method} ${req.path}`, statusCode: 404});
    }
  }

  private async action(req: PluginRequest, res: PluginResponse): Promise<void> {
    const body = JSON.parse(dec.decode(await readBody(req, 1 << 20))) as {user_name?: string; trigger_id?: string; context?: {choice?: string; selected_option?: string}};
    await this.api.kvSet('last_action', enc.encode(JSON.stringify(body)));
    const choice = body.context?.choice;
    if (choice === 'dialog') {
      await this.api.openInteractiveDialog({
        TriggerId: body.trigger_id ?? '',
        URL: `${SELF}/dialog`,
        Dialog: {CallbackId: 'fixture', Title: 'Fixture dialog', SubmitLabel: 'Send', Elements: [{DisplayName: 'Name', Name: 'name', Type: 'text'}]},
      });
      await sendJSON(res, 200, {});
      return;
    }
    const what = choice === 'flavour' ? `chose ${body.context?.selected_option ?? '?'}` : 'approved';
    await sendJSON(res, 200, {update: {message: `${body.user_name ?? 'someone'} ${what}`}, ephemeral_text: `You ${what}.`});
  }

  private async dialog(req: PluginRequest, res: PluginResponse): Promise<void> {
    const body = JSON.parse(dec.decode(await readBody(req, 1 << 20))) as {channel_id?: string; user_id?: string; cancelled?: boolean; submission?: {name?: string}};
    if (body.cancelled) {
      await sendJSON(res, 200, {});
      return;
    }
    const name = body.submission?.name ?? '';
    if (!name) {
      await sendJSON(res, 200, {errors: {name: 'A name is required.'}});
      return;
    }
    await this.api.createPost({ChannelId: body.channel_id ?? '', UserId: this.botId, Message: `dialog from ${body.user_id ?? '?'}: ${name}`, Props: {from_plugin: true}});
    await sendJSON(res, 200, {});
  }
}

runPlugin(new FixturePlugin());
