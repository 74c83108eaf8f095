// PluginAPI over the wire: net/rpc calls to the host's `Plugin` service on the
// APIMuxId stream. Each method is Plugin.<Name> with Z_<Name>Args{A,B,…} and
// Z_<Name>Returns{A,B,…} (server/public/plugin/client_rpc_generated.go), except
// the hand-written LoadPluginConfiguration and Log* shapes (client_rpc.go).

import {GobError, GoInterface, t, type GoType} from '../wire/gob/index.js';
import type {RpcClient} from '../wire/netrpc/index.js';
import {AppError, UNSENDABLE_ARGUMENTS, type ClusterEventSendOptions, type KVSetOptions, type LogFields, type Permission, type PluginAPI} from './api.js';
import {
  botType,
  clusterEventSendOptionsType,
  clusterEventType,
  kvSetOptionsType,
  openDialogRequestType,
  postType,
  websocketBroadcastType,
  type AppErrorFields,
  type Bot,
  type Channel,
  type OpenDialogRequest,
  type Post,
  type Team,
  type User,
  type WebsocketBroadcast,
} from './model.js';

const permissionType = t.struct('Permission', {Id: t.string, Name: t.string, Description: t.string, Scope: t.string});
const logArgs = (level: string): GoType => t.struct(`Z_Log${level}Args`, {A: t.string, B: t.slice(t.interface)});
const logTypes = {Debug: logArgs('Debug'), Info: logArgs('Info'), Warn: logArgs('Warn'), Error: logArgs('Error')};

function args(name: string, fields: Record<string, GoType>): GoType {
  return t.struct(`Z_${name}Args`, fields);
}

const A = {
  CreatePost: args('CreatePost', {A: postType}),
  UpdatePost: args('UpdatePost', {A: postType}),
  GetPost: args('GetPost', {A: t.string}),
  DeletePost: args('DeletePost', {A: t.string}),
  SendEphemeralPost: args('SendEphemeralPost', {A: t.string, B: postType}),
  GetChannel: args('GetChannel', {A: t.string}),
  GetChannelByName: args('GetChannelByName', {A: t.string, B: t.string, C: t.bool}),
  GetDirectChannel: args('GetDirectChannel', {A: t.string, B: t.string}),
  GetTeam: args('GetTeam', {A: t.string}),
  GetTeamByName: args('GetTeamByName', {A: t.string}),
  GetUser: args('GetUser', {A: t.string}),
  GetUserByUsername: args('GetUserByUsername', {A: t.string}),
  HasPermissionTo: args('HasPermissionTo', {A: t.string, B: permissionType}),
  HasPermissionToTeam: args('HasPermissionToTeam', {A: t.string, B: t.string, C: permissionType}),
  HasPermissionToChannel: args('HasPermissionToChannel', {A: t.string, B: t.string, C: permissionType}),
  KVGet: args('KVGet', {A: t.string}),
  KVSet: args('KVSet', {A: t.string, B: t.bytes}),
  KVDelete: args('KVDelete', {A: t.string}),
  KVList: args('KVList', {A: t.int, B: t.int}),
  KVSetWithOptions: args('KVSetWithOptions', {A: t.string, B: t.bytes, C: kvSetOptionsType}),
  LoadPluginConfiguration: t.struct('Z_LoadPluginConfigurationArgsArgs', {}),
  GetServerVersion: args('GetServerVersion', {}),
  GetConfig: args('GetConfig', {}),
  PublishWebSocketEvent: args('PublishWebSocketEvent', {A: t.string, B: t.map(t.string, t.interface), C: websocketBroadcastType}),
  PublishPluginClusterEvent: args('PublishPluginClusterEvent', {A: clusterEventType, B: clusterEventSendOptionsType}),
  OpenInteractiveDialog: args('OpenInteractiveDialog', {A: openDialogRequestType}),
  EnsureBotUser: args('EnsureBotUser', {A: botType}),
} as const;

interface Returns {
  A?: unknown;
  B?: unknown;
}

/** Converts an AppError (concrete struct) or `error` interface value from the host into a thrown error. */
export function hostError(value: unknown, where: string): AppError | null {
  if (value === null || value === undefined) return null;
  const fields = (value instanceof GoInterface ? value.value : value) as AppErrorFields & {Err?: string; Code?: number};
  if (typeof fields !== 'object' || fields === null) return new AppError({message: String(value), where});
  if (fields.Err !== undefined && fields.Id === undefined) return new AppError({id: 'plugin.error_string', message: fields.Err, where, statusCode: 500});
  return new AppError({
    id: fields.Id ?? '',
    message: fields.Message ?? '',
    detailedError: fields.DetailedError ?? '',
    statusCode: fields.StatusCode ?? 500,
    where: fields.Where ?? where,
    requestId: fields.RequestId ?? '',
  });
}

function stringifyFields(fields: LogFields | undefined): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(fields ?? {})) {
    if (v === undefined) continue;
    out.push(k, v === null ? '<nil>' : String(v));
  }
  return out;
}

export class RpcPluginAPI implements PluginAPI {
  private siteURL: string | null = null;

  constructor(
    private readonly client: RpcClient,
    /** Where log calls go when the API stream is gone (stderr). */
    private readonly fallbackLog: (level: string, message: string, fields?: LogFields) => void = () => {},
  ) {}

  private async call(method: keyof typeof A, value: unknown): Promise<Returns> {
    let returns: unknown;
    try {
      returns = await this.client.call(`Plugin.${method}`, value, A[method]);
    } catch (err) {
      // Arguments that cannot be sent (props nested beyond gob's bound, a value
      // of the wrong kind) come from what a caller gave: nothing reached the server.
      if (err instanceof GobError) throw new AppError({id: UNSENDABLE_ARGUMENTS, message: err.message, statusCode: 400, where: method});
      throw err;
    }
    return (returns ?? {}) as Returns;
  }

  /** A call whose Returns are {A: result, B: *AppError}. */
  private async result<T>(method: keyof typeof A, value: unknown): Promise<T> {
    const r = await this.call(method, value);
    const err = hostError(r.B, method);
    if (err) throw err;
    if (r.A === undefined || r.A === null) throw new AppError({id: 'plugin.api.empty', message: `${method} returned nothing`, statusCode: 404, where: method});
    return r.A as T;
  }

  /** A call whose Returns are {A: *AppError}. */
  private async errorOnly(method: keyof typeof A, value: unknown): Promise<void> {
    const r = await this.call(method, value);
    const err = hostError(r.A, method);
    if (err) throw err;
  }

  createPost(post: Post): Promise<Post> {
    return this.result('CreatePost', {A: post});
  }
  updatePost(post: Post): Promise<Post> {
    return this.result('UpdatePost', {A: post});
  }
  getPost(postId: string): Promise<Post> {
    return this.result('GetPost', {A: postId});
  }
  deletePost(postId: string): Promise<void> {
    return this.errorOnly('DeletePost', {A: postId});
  }
  async sendEphemeralPost(userId: string, post: Post): Promise<Post> {
    const r = await this.call('SendEphemeralPost', {A: userId, B: post});
    return (r.A ?? post) as Post;
  }
  getChannel(channelId: string): Promise<Channel> {
    return this.result('GetChannel', {A: channelId});
  }
  getChannelByName(teamId: string, name: string, includeDeleted = false): Promise<Channel> {
    return this.result('GetChannelByName', {A: teamId, B: name, C: includeDeleted});
  }
  getDirectChannel(userId1: string, userId2: string): Promise<Channel> {
    return this.result('GetDirectChannel', {A: userId1, B: userId2});
  }
  getTeam(teamId: string): Promise<Team> {
    return this.result('GetTeam', {A: teamId});
  }
  getTeamByName(name: string): Promise<Team> {
    return this.result('GetTeamByName', {A: name});
  }
  getUser(userId: string): Promise<User> {
    return this.result('GetUser', {A: userId});
  }
  getUserByUsername(username: string): Promise<User> {
    return this.result('GetUserByUsername', {A: username});
  }

  async hasPermissionTo(userId: string, permission: Permission): Promise<boolean> {
    return (await this.call('HasPermissionTo', {A: userId, B: {Id: permission}})).A === true;
  }
  async hasPermissionToTeam(userId: string, teamId: string, permission: Permission): Promise<boolean> {
    return (await this.call('HasPermissionToTeam', {A: userId, B: teamId, C: {Id: permission}})).A === true;
  }
  async hasPermissionToChannel(userId: string, channelId: string, permission: Permission): Promise<boolean> {
    return (await this.call('HasPermissionToChannel', {A: userId, B: channelId, C: {Id: permission}})).A === true;
  }

  async kvGet(key: string): Promise<Uint8Array | null> {
    const r = await this.call('KVGet', {A: key});
    const err = hostError(r.B, 'KVGet');
    if (err) throw err;
    return (r.A as Uint8Array | undefined) ?? null;
  }
  kvSet(key: string, value: Uint8Array): Promise<void> {
    return this.errorOnly('KVSet', {A: key, B: value});
  }
  kvDelete(key: string): Promise<void> {
    return this.errorOnly('KVDelete', {A: key});
  }
  async kvList(page: number, perPage: number): Promise<string[]> {
    const r = await this.call('KVList', {A: page, B: perPage});
    const err = hostError(r.B, 'KVList');
    if (err) throw err;
    return (r.A as string[] | undefined) ?? [];
  }
  async kvSetWithOptions(key: string, value: Uint8Array | null, options: KVSetOptions): Promise<boolean> {
    const r = await this.call('KVSetWithOptions', {
      A: key,
      B: value ?? new Uint8Array(0),
      C: {Atomic: options.atomic ?? false, OldValue: options.oldValue ?? null, ExpireInSeconds: options.expireInSeconds ?? 0},
    });
    const err = hostError(r.B, 'KVSetWithOptions');
    if (err) throw err;
    return r.A === true;
  }

  async loadPluginConfiguration(): Promise<Record<string, unknown>> {
    const r = await this.call('LoadPluginConfiguration', {});
    const bytes = r.A as Uint8Array | undefined;
    if (!bytes || bytes.length === 0) return {};
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }
  async getServerVersion(): Promise<string> {
    return String((await this.call('GetServerVersion', {})).A ?? '');
  }
  async getSiteURL(): Promise<string> {
    if (this.siteURL !== null) return this.siteURL;
    try {
      const config = (await this.call('GetConfig', {})).A as {ServiceSettings?: {SiteURL?: string}} | undefined;
      this.siteURL = (config?.ServiceSettings?.SiteURL ?? '').replace(/\/+$/, '');
    } catch {
      this.siteURL = '';
    }
    return this.siteURL;
  }

  private log(level: keyof typeof logTypes, message: string, fields?: LogFields): void {
    if (this.client.closed) {
      this.fallbackLog(level.toLowerCase(), message, fields);
      return;
    }
    this.client.call(`Plugin.Log${level}`, {A: message, B: stringifyFields(fields)}, logTypes[level]).catch(() => this.fallbackLog(level.toLowerCase(), message, fields));
  }
  logDebug(message: string, fields?: LogFields): void {
    this.log('Debug', message, fields);
  }
  logInfo(message: string, fields?: LogFields): void {
    this.log('Info', message, fields);
  }
  logWarn(message: string, fields?: LogFields): void {
    this.log('Warn', message, fields);
  }
  logError(message: string, fields?: LogFields): void {
    this.log('Error', message, fields);
  }

  async publishWebSocketEvent(event: string, payload: Record<string, unknown>, broadcast: WebsocketBroadcast): Promise<void> {
    await this.call('PublishWebSocketEvent', {A: event, B: payload, C: broadcast});
  }
  async publishPluginClusterEvent(id: string, data: Uint8Array, options: ClusterEventSendOptions = {}): Promise<void> {
    const r = await this.call('PublishPluginClusterEvent', {A: {Id: id, Data: data}, B: {SendType: options.sendType ?? 'reliable', TargetId: options.targetId ?? ''}});
    const err = hostError(r.A, 'PublishPluginClusterEvent');
    if (err) throw err;
  }
  openInteractiveDialog(request: OpenDialogRequest): Promise<void> {
    return this.errorOnly('OpenInteractiveDialog', {A: request});
  }
  async ensureBotUser(bot: Bot): Promise<string> {
    const r = await this.call('EnsureBotUser', {A: bot});
    const err = hostError(r.B, 'EnsureBotUser');
    if (err) throw err;
    return String(r.A ?? '');
  }
}

