// The plugin API as the host serves it: net/rpc service `Plugin` on the APIMuxId
// stream, one method per Mattermost API call with the server's Go shapes
// (Z_<Name>Args / Z_<Name>Returns, plus the hand-written LoadPluginConfiguration
// and Log*). Behaviour and error ids follow the server where a plugin can tell;
// data lives in the in-memory Mattermost. Methods not listed here get net/rpc's
// own "rpc: can't find method Plugin.<Name>", as from an older server.

import type {Method, Service} from '../../server/wire/netrpc/index.js';
import type {MemoryMattermost} from '../../server/mattermost/memory.js';
import type {Bot, Channel, OpenDialogRequest, Post, Team, User, WebsocketBroadcast} from '../../server/mattermost/model.js';
import {appError, errorString, toGoAppError, type GoAppError} from './app-error.js';
import {PluginKV, type KVOptions} from './kv.js';
import {generateActionIds, validatePost} from './posts.js';
import {apiReturns, type ApiMethod} from './shapes.js';
import type {TriggerIds} from './triggers.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the API needs from the rest of the host. */
export interface ApiHost {
  readonly mm: MemoryMattermost;
  readonly pluginId: string;
  readonly serverVersion: string;
  readonly triggers: TriggerIds;
  siteURL(): string;
  bundlePath(): string;
  /** The plugin's settings as LoadPluginConfiguration returns them (defaults applied, keys lower-cased). */
  pluginConfig(): Record<string, unknown>;
  /** Something the plugin can observe later changed (persist it). */
  changed(): void;
  log(level: LogLevel, message: string, fields: Record<string, string>): void;
  postDeleted(post: Post): void;
  ephemeralDeleted(userId: string, postId: string): void;
  dialogOpened(userId: string, request: OpenDialogRequest): void;
}

type Args = Record<string, unknown>;
type Handler = (a: Args) => unknown;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0);
const bytes = (v: unknown): Uint8Array | null => (v instanceof Uint8Array ? v : null);
const permissionId = (v: unknown): string => str((v as {Id?: unknown} | undefined)?.Id);

function copy<T>(v: T): T {
  return structuredClone(v);
}

export function apiService(host: ApiHost): Service {
  const {mm} = host;
  const kv = new PluginKV(mm);

  const userById = (id: string): User | undefined => mm.users.get(id);
  const userByName = (name: string): User | undefined => [...mm.users.values()].find((u) => u.Username === name);
  const livePost = (id: string): Post | undefined => {
    const p = mm.posts.get(id);
    return p && !p.DeleteAt ? p : undefined;
  };

  const createPost = async (input: Post | undefined): Promise<Args> => {
    if (!input) return {B: appError('CreatePost', 'api.context.invalid_body_param.app_error', 'Invalid or missing post in request body.', '', 400)};
    // The argument was just decoded for this call and nothing else holds it; the store copies what it keeps.
    const p = input;
    if (!p.ChannelId || !mm.channels.has(p.ChannelId)) {
      return {B: appError('GetChannel', 'app.channel.get.existing.app_error', 'Unable to find the existing channel.', `channel_id=${p.ChannelId ?? ''}`, 404)};
    }
    if (userById(p.UserId ?? '')?.IsBot) p.Props = {...(p.Props ?? {}), from_bot: 'true'};
    if (p.Id) return {B: appError('SqlPostStore.Save', 'store.sql_post.save.existing.app_error', 'You cannot update an existing Post.', `id=${p.Id}`, 400)};
    const invalid = validatePost(p, '');
    if (invalid) return {B: invalid};
    generateActionIds(p);
    const created = await mm.createPost(p);
    host.changed();
    return {A: created};
  };

  const updatePost = async (input: Post | undefined): Promise<Args> => {
    if (!input) return {B: appError('UpdatePost', 'api.context.invalid_body_param.app_error', 'Invalid or missing post in request body.', '', 400)};
    const old = livePost(input.Id ?? '');
    if (!old) return {B: appError('UpdatePost', 'api.post.update_post.find.app_error', "We couldn't find the existing post or comment to update.", `id=${input.Id ?? ''}`, 400)};
    // The server takes these fields from the update as given: absent means empty.
    const next: Post = {...copy(old), Message: input.Message ?? '', Props: input.Props ?? {}, FileIds: input.FileIds ?? [], IsPinned: input.IsPinned ?? false, HasReactions: input.HasReactions ?? false};
    const invalid = validatePost(next);
    if (invalid) return {B: invalid};
    generateActionIds(next);
    const updated = await mm.updatePost(next);
    host.changed();
    return {A: updated};
  };

  // Read replies are not copied (a Channel or a User is large): the reply is
  // encoded within the same turn of the event loop, synchronously, so it shows
  // the stored object as it is then, as if the call had been served a moment later.
  const notFound = <T>(value: T | undefined, error: () => GoAppError): Args => (value ? {A: value} : {B: error()});

  const handlers: Partial<Record<ApiMethod, Handler>> = {
    CreatePost: (a) => createPost(a.A as Post | undefined),
    UpdatePost: (a) => updatePost(a.A as Post | undefined),
    GetPost: (a) => notFound(livePost(str(a.A)), () => appError('GetSinglePost', 'app.post.get.app_error', 'Unable to get post.', `id=${str(a.A)}`, 404)),
    DeletePost: async (a) => {
      const p = livePost(str(a.A));
      if (!p) return {A: appError('DeletePost', 'app.post.get.app_error', 'Unable to get post.', `id=${str(a.A)}`, 404)};
      await mm.deletePost(p.Id!);
      p.UpdateAt = p.DeleteAt;
      host.changed();
      host.postDeleted(copy(p));
      return {};
    },
    SendEphemeralPost: async (a) => {
      const post: Post = {Props: {}, ...copy((a.B as Post | undefined) ?? {})};
      return {A: await mm.sendEphemeralPost(str(a.A), post)};
    },
    UpdateEphemeralPost: async (a) => {
      const post: Post = {Props: {}, ...copy((a.B as Post | undefined) ?? {})};
      const sent = await mm.sendEphemeralPost(str(a.A), post);
      return {A: {...sent, UpdateAt: Date.now()}};
    },
    DeleteEphemeralPost: (a) => {
      host.ephemeralDeleted(str(a.A), str(a.B));
      return {};
    },

    GetChannel: (a) => notFound(mm.channels.get(str(a.A)), () => appError('GetChannel', 'app.channel.get.existing.app_error', 'Unable to find the existing channel.', `channel_id=${str(a.A)}`, 404)),
    GetChannelByName: (a) => {
      const [teamId, name, includeDeleted] = [str(a.A), str(a.B), a.C === true];
      const found = [...mm.channels.values()].find((c: Channel) => c.TeamId === teamId && c.Name === name && (includeDeleted || !c.DeleteAt));
      return notFound(found, () => appError('GetChannelByName', 'app.channel.get_by_name.missing.app_error', 'Channel does not exist.', `teamId=${teamId}, name=${name}`, 404));
    },
    GetDirectChannel: async (a) => {
      for (const id of [str(a.A), str(a.B)]) {
        if (!userById(id)) return {B: appError('CreateDirectChannel', 'api.channel.create_direct_channel.invalid_user.app_error', 'Invalid user ID for direct channel creation.', `user_id=${id}`, 400)};
      }
      const channel = await mm.getDirectChannel(str(a.A), str(a.B));
      host.changed();
      return {A: channel};
    },
    GetTeam: (a) => notFound(mm.teams.get(str(a.A)), () => appError('GetTeam', 'app.team.get.find.app_error', 'Unable to find the existing team.', `id=${str(a.A)}`, 404)),
    GetTeamByName: (a) =>
      notFound(
        [...mm.teams.values()].find((t: Team) => t.Name === str(a.A)),
        () => appError('GetTeamByName', 'app.team.get_by_name.missing.app_error', 'Unable to find the existing team.', `name=${str(a.A)}`, 404),
      ),
    GetUser: (a) => notFound(userById(str(a.A)), () => appError('GetUser', 'app.user.missing_account.const', 'Unable to find the user.', `user_id=${str(a.A)}`, 404)),
    GetUserByUsername: (a) =>
      notFound(userByName(str(a.A)), () => appError('GetUserByUsername', 'app.user.get_by_username.app_error', 'Unable to find an existing account matching your username for this team.', `username=${str(a.A)}`, 404)),

    HasPermissionTo: async (a) => ({A: await mm.hasPermissionTo(str(a.A), permissionId(a.B))}),
    HasPermissionToTeam: async (a) => ({A: await mm.hasPermissionToTeam(str(a.A), str(a.B), permissionId(a.C))}),
    HasPermissionToChannel: async (a) => ({A: await mm.hasPermissionToChannel(str(a.A), str(a.B), permissionId(a.C))}),

    // A missing key is (nil, nil) on a server, not an error.
    KVGet: (a) => ({A: kv.get(str(a.A))}),
    KVSet: (a) => ({A: kvWrite(kv.setWithOptions(str(a.A), bytes(a.B), {})).error}),
    KVSetWithExpiry: (a) => ({A: kvWrite(kv.setWithOptions(str(a.A), bytes(a.B), {ExpireInSeconds: num(a.C)})).error}),
    KVSetWithOptions: (a) => {
      const r = kvWrite(kv.setWithOptions(str(a.A), bytes(a.B), (a.C ?? {}) as KVOptions));
      return {A: r.ok, B: r.error};
    },
    KVCompareAndSet: (a) => {
      const r = kvWrite(kv.setWithOptions(str(a.A), bytes(a.C), {Atomic: true, OldValue: bytes(a.B)}));
      return {A: r.ok, B: r.error};
    },
    KVCompareAndDelete: (a) => {
      const r = kvWrite(kv.compareAndDelete(str(a.A), bytes(a.B)));
      return {A: r.ok, B: r.error};
    },
    KVDelete: (a) => {
      kv.delete(str(a.A));
      host.changed();
      return {};
    },
    KVDeleteAll: () => {
      kv.deleteAll();
      host.changed();
      return {};
    },
    KVList: (a) => ({A: kv.list(num(a.A), num(a.B))}),

    LoadPluginConfiguration: () => ({A: Buffer.from(JSON.stringify(host.pluginConfig()))}),
    GetPluginConfig: () => ({A: host.pluginConfig()}),
    GetConfig: () => ({A: config(host)}),
    GetUnsanitizedConfig: () => ({A: config(host)}),
    GetServerVersion: () => ({A: host.serverVersion}),
    GetBundlePath: () => ({A: host.bundlePath()}),

    LogDebug: (a) => log(host, 'debug', a),
    LogInfo: (a) => log(host, 'info', a),
    LogWarn: (a) => log(host, 'warn', a),
    LogError: (a) => log(host, 'error', a),

    PublishWebSocketEvent: async (a) => {
      const payload = (a.B ?? {}) as Record<string, unknown>;
      await mm.publishWebSocketEvent(str(a.A), payload, (a.C ?? {}) as WebsocketBroadcast);
      return {};
    },
    // One node: there is no other node to deliver to.
    PublishPluginClusterEvent: () => ({}),
    OpenInteractiveDialog: async (a) => {
      const request = (a.A ?? {}) as OpenDialogRequest;
      const trigger = host.triggers.check(str(request.TriggerId));
      if (!trigger.ok) {
        const why = {
          missing: ['interactive_message.decode_trigger_id.base64_decode_failed', 'Failed to decode base64 for trigger ID for interactive dialog.'],
          unknown: ['interactive_message.decode_trigger_id.verify_signature_failed', 'Signature verification failed of trigger ID for interactive dialog.'],
          expired: ['interactive_message.decode_trigger_id.expired', 'Trigger ID for interactive dialog is expired.'],
        }[trigger.reason];
        return {A: appError('DecodeAndVerifyTriggerId', why[0]!, why[1]!, '', 400)};
      }
      if (!request.URL) return {A: appError('OpenInteractiveDialog', 'interactive_message.generate_trigger_id.signing_failed', 'URL is required.', '', 400)};
      await mm.openInteractiveDialog(request);
      host.dialogOpened(trigger.userId, copy(request));
      return {};
    },
    EnsureBotUser: (a) => ensureBotUser(host, kv, a.A as Bot | undefined),
  };

  function kvWrite<T extends {ok: boolean; error: GoAppError | null}>(r: T): T {
    if (r.ok) host.changed();
    return r;
  }

  const service: Record<string, Method> = {};
  for (const [name, handle] of Object.entries(handlers) as [ApiMethod, Handler][]) {
    const reply = apiReturns[name];
    service[name] = {
      reply,
      handle: async (raw: unknown) => {
        try {
          return await handle((raw ?? {}) as Args);
        } catch (err) {
          // An unexpected failure still answers in the method's own error field when it has one.
          const fields = 'fields' in reply ? reply.fields.map((f) => f.name) : [];
          const e = toGoAppError(err, name);
          if (fields.includes('B')) return {B: e};
          if (fields.length === 1 && fields[0] === 'A') return {A: e};
          throw err;
        } finally {
          trim(mm);
        }
      },
    };
  }
  return service;
}

function log(host: ApiHost, level: LogLevel, a: Args): object {
  const pairs = Array.isArray(a.B) ? a.B.map((v) => (typeof v === 'string' ? v : String(v))) : [];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[pairs[i]!] = pairs[i + 1]!;
  if (pairs.length % 2 === 1) fields['EXTRA_VALUE_AT_END'] = pairs[pairs.length - 1]!;
  host.log(level, str(a.A), fields);
  return {};
}

function config(host: ApiHost): object {
  return {
    ServiceSettings: {
      SiteURL: host.siteURL(),
      ListenAddress: new URL(host.siteURL()).port ? `:${new URL(host.siteURL()).port}` : ':8065',
      EnableIncomingWebhooks: true,
      EnableOutgoingWebhooks: true,
      EnablePostUsernameOverride: false,
      EnablePostIconOverride: false,
      EnableInsecureOutgoingConnections: false,
    },
    PluginSettings: {Enable: true, Directory: './plugins', ClientDirectory: './client/plugins', Plugins: {[host.pluginId]: host.pluginConfig()}},
  };
}

function validUsername(s: string): boolean {
  return /^[a-z][a-z0-9.\-_]{2,21}$/.test(s);
}

const BOT_KEY = 'mmi_botid';

/** App.EnsureBot, including its use of the plugin's own KV key "mmi_botid". Errors are plain errors. */
function ensureBotUser(host: ApiHost, kv: PluginKV, bot: Bot | undefined): Args {
  if (!bot) return {B: errorString('passed a nil bot')};
  if (!bot.Username) return {B: errorString('passed a bot with no username')};
  const {mm} = host;
  const username = bot.Username.toLowerCase();
  const known = kv.get(BOT_KEY);
  if (known) {
    const u = mm.users.get(Buffer.from(known).toString());
    if (u) {
      Object.assign(u, {Username: username, FirstName: bot.DisplayName ?? '', BotDescription: bot.Description ?? '', UpdateAt: Date.now()});
      host.changed();
      return {A: u.Id};
    }
  }
  const existing = [...mm.users.values()].find((u) => u.Username === username);
  if (existing) {
    if (existing.IsBot) kv.setWithOptions(BOT_KEY, Buffer.from(existing.Id), {});
    host.changed();
    return {A: existing.Id};
  }
  if (!validUsername(username)) return {B: errorString('model.bot.is_valid.username.app_error')};
  const user = mm.addUser({Username: username, Email: `${username}@localhost`, FirstName: bot.DisplayName ?? '', Roles: 'system_user', IsBot: true, BotDescription: bot.Description ?? '', Locale: 'en'});
  mm.bots.set(username, user.Id);
  // Bots post where the plugin sends them; team membership keeps the page's views simple.
  for (const teamId of mm.teams.keys()) mm.teamMembers.get(teamId)?.add(user.Id);
  kv.setWithOptions(BOT_KEY, Buffer.from(user.Id), {});
  host.changed();
  return {A: user.Id};
}

/**
 * The same service, telling `onMissing` about each method the plugin asked for
 * that is not served (the plugin only gets net/rpc's "can't find method"). The
 * RPC server looks methods up as own properties, which the proxy observes.
 */
export function reportMissing(service: Service, onMissing: (method: string) => void): Service {
  return new Proxy(service, {
    getOwnPropertyDescriptor(target, prop) {
      const found = Reflect.getOwnPropertyDescriptor(target, prop);
      if (!found && typeof prop === 'string') onMissing(prop);
      return found;
    },
  });
}

/** The in-memory store records every call for tests; a long-running host must not keep them all. */
export function trim(mm: MemoryMattermost, keep = 200): void {
  for (const list of [mm.calls, mm.logs, mm.events, mm.clusterEvents, mm.dialogs, mm.ephemeral] as unknown[][]) {
    if (list.length > keep) list.splice(0, list.length - keep);
  }
}
