// An in-memory Mattermost behind the PluginAPI interface: the strict fake for
// domain tests (like Go's plugintest.API, but with behaviour instead of
// expectations) and the store behind the sandbox host.
//
// It follows the server where the domain can tell: unknown ids are 404 AppErrors,
// KV compare-and-set and expiry work like the plugin KV store, CreatePost assigns
// 26-character ids and timestamps, permissions come from roles and memberships.

import {randomFillSync} from 'node:crypto';
import {AppError, type ClusterEventSendOptions, type KVSetOptions, type LogFields, type Permission, type PluginAPI} from './api.js';
import type {Bot, Channel, OpenDialogRequest, Post, Team, User, WebsocketBroadcast} from './model.js';

const ID_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';
// Random bytes are drawn 64 ids at a time: a crypto call per id (per post) showed in profiles.
const idPool = Buffer.alloc(26 * 64);
let idOffset = idPool.length;

/** A Mattermost-style id: 26 lowercase base32 characters. */
export function newId(): string {
  if (idOffset + 26 > idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  let out = '';
  for (let i = idOffset; i < idOffset + 26; i++) out += ID_ALPHABET[idPool[i]! & 31];
  idOffset += 26;
  return out;
}

const MAX_COPY_DEPTH = 64;

/**
 * A deep copy, as structuredClone makes it, of the plain data the store keeps
 * (objects, arrays, strings, numbers): the store hands out and keeps copies so
 * that no caller shares its state, and structuredClone's serialisation cost
 * more than the rest of CreatePost. Anything else (typed arrays, Maps, dates,
 * class instances, very deep nesting) goes to structuredClone.
 */
export function copyOf<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_COPY_DEPTH) return structuredClone(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const src = value as unknown[];
    const out = new Array<unknown>(src.length);
    for (let i = 0; i < src.length; i++) out[i] = copyOf(src[i], depth + 1);
    return out as T;
  }
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) out[key] = copyOf(src[key], depth + 1);
  return out as T;
}

export interface Call {
  method: string;
  args: unknown[];
}

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

export interface PublishedEvent {
  event: string;
  payload: Record<string, unknown>;
  broadcast: WebsocketBroadcast;
}

interface KVEntry {
  value: Uint8Array;
  expiresAt: number | null;
}

/** model.PostMessageMaxRunesV2, the usual MaxPostSize. */
const MAX_POST_RUNES = 16383;

const ADMIN_ONLY = new Set<string>(['manage_system', 'manage_others_incoming_webhooks', 'manage_others_outgoing_webhooks', 'bypass_incoming_webhook_channel_lock']);

export interface MemoryOptions {
  now?: () => number;
  serverVersion?: string;
  siteURL?: string;
  config?: Record<string, unknown>;
  /** Keep every API call in `calls` (tests read them; a long-running host has no use for them). Default true. */
  recordCalls?: boolean;
}

export class MemoryMattermost implements PluginAPI {
  readonly users = new Map<string, User>();
  readonly teams = new Map<string, Team>();
  readonly channels = new Map<string, Channel>();
  readonly posts = new Map<string, Post>();
  readonly ephemeral: {userId: string; post: Post}[] = [];
  /** channelId → member user ids. */
  readonly channelMembers = new Map<string, Set<string>>();
  /** teamId → member user ids. */
  readonly teamMembers = new Map<string, Set<string>>();
  /** Extra permissions granted per user (system scope). */
  readonly grants = new Map<string, Set<string>>();
  /** Permissions taken away per user, over what their roles give. */
  readonly revoked = new Map<string, Set<string>>();
  readonly kv = new Map<string, KVEntry>();
  readonly calls: Call[] = [];
  readonly logs: LoggedLine[] = [];
  readonly events: PublishedEvent[] = [];
  readonly clusterEvents: {id: string; data: Uint8Array}[] = [];
  readonly dialogs: OpenDialogRequest[] = [];
  readonly bots = new Map<string, string>();
  config: Record<string, unknown>;
  /** Called after a post is stored (the sandbox fires MessageHasBeenPosted from here). */
  onPostCreated: ((post: Post) => void) | null = null;
  onPostUpdated: ((post: Post, old: Post) => void) | null = null;
  onEvent: ((event: PublishedEvent) => void) | null = null;
  onEphemeral: ((userId: string, post: Post) => void) | null = null;
  onDialog: ((request: OpenDialogRequest) => void) | null = null;
  private readonly now: () => number;
  private readonly serverVersion: string;
  private readonly siteURL: string;

  constructor(options: MemoryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.serverVersion = options.serverVersion ?? '10.11.0';
    this.siteURL = options.siteURL ?? 'http://localhost:8065';
    this.config = options.config ?? {};
    this.recordCalls = options.recordCalls ?? true;
  }

  // --- seeding ---

  addTeam(team: Partial<Team> & {Name: string}): Team {
    const t: Team = {Id: newId(), DisplayName: team.Name, Type: 'O', CreateAt: this.now(), ...team};
    this.teams.set(t.Id, t);
    this.teamMembers.set(t.Id, this.teamMembers.get(t.Id) ?? new Set());
    return t;
  }

  addUser(user: Partial<User> & {Username: string}): User {
    const u: User = {Id: newId(), Roles: 'system_user', Email: `${user.Username}@example.com`, CreateAt: this.now(), ...user};
    this.users.set(u.Id, u);
    return u;
  }

  addChannel(channel: Partial<Channel> & {Name: string; TeamId: string}): Channel {
    const c: Channel = {Id: newId(), Type: 'O', DisplayName: channel.Name, CreateAt: this.now(), ...channel};
    this.channels.set(c.Id, c);
    this.channelMembers.set(c.Id, this.channelMembers.get(c.Id) ?? new Set());
    return c;
  }

  join(userId: string, teamOrChannelId: string): void {
    if (this.teams.has(teamOrChannelId)) this.teamMembers.get(teamOrChannelId)!.add(userId);
    else if (this.channels.has(teamOrChannelId)) {
      this.channelMembers.get(teamOrChannelId)!.add(userId);
      const teamId = this.channels.get(teamOrChannelId)!.TeamId;
      if (teamId) this.teamMembers.get(teamId)?.add(userId);
    } else throw new Error(`no team or channel ${teamOrChannelId}`);
  }

  grant(userId: string, ...permissions: Permission[]): void {
    const set = this.grants.get(userId) ?? new Set();
    for (const p of permissions) set.add(p);
    this.grants.set(userId, set);
  }

  revoke(userId: string, ...permissions: Permission[]): void {
    const set = this.revoked.get(userId) ?? new Set();
    for (const p of permissions) set.add(p);
    this.revoked.set(userId, set);
  }

  private readonly recordCalls: boolean;

  private record(method: string, ...args: unknown[]): void {
    if (!this.recordCalls) return;
    this.calls.push({method, args});
  }

  callsTo(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  // --- posts ---

  async createPost(post: Post): Promise<Post> {
    this.record('CreatePost', post);
    if (!post.ChannelId || !this.channels.has(post.ChannelId)) throw new AppError({id: 'api.post.create_post.channel.app_error', message: 'Invalid channel', statusCode: 400, where: 'CreatePost'});
    if (post.UserId && !this.users.has(post.UserId)) throw new AppError({id: 'api.post.create_post.user.app_error', message: 'Invalid user', statusCode: 400, where: 'CreatePost'});
    // Post.IsValid: the message fits MaxPostSize (in runes) and the type is one a client may create.
    // A message has at most as many runes as UTF-16 units: only a long one needs counting.
    const message = post.Message ?? '';
    if (message.length > MAX_POST_RUNES && [...message].length > MAX_POST_RUNES) throw new AppError({id: 'model.post.is_valid.message_length.app_error', message: 'Invalid message length', statusCode: 400, where: 'Post.IsValid'});
    const type = post.Type ?? '';
    if (type !== '' && type !== 'slack_attachment' && !type.startsWith('custom_') && !type.startsWith('system_')) throw new AppError({id: 'model.post.is_valid.type.app_error', message: 'Invalid type', statusCode: 400, where: 'Post.IsValid'});
    if (post.RootId) {
      const root = this.posts.get(post.RootId);
      if (!root || root.ChannelId !== post.ChannelId) throw new AppError({id: 'api.post.create_post.root_id.app_error', message: 'Invalid RootId parameter', statusCode: 400, where: 'CreatePost'});
      if (root.RootId) throw new AppError({id: 'api.post.create_post.root_id.app_error', message: 'Invalid RootId parameter', statusCode: 400, where: 'CreatePost'});
    }
    const at = this.now();
    // Fields set on the copy, not spread into a literal: {...post, Id, …} gives V8 new maps for every post.
    const stored: Post = copyOf(post);
    stored.Id = newId();
    stored.CreateAt = at;
    stored.UpdateAt = at;
    stored.Props ??= {};
    this.posts.set(stored.Id!, stored);
    const ch = this.channels.get(stored.ChannelId!)!;
    ch.LastPostAt = at;
    ch.TotalMsgCount = (ch.TotalMsgCount ?? 0) + 1;
    this.onPostCreated?.(copyOf(stored));
    return copyOf(stored);
  }

  async updatePost(post: Post): Promise<Post> {
    this.record('UpdatePost', post);
    const old = post.Id ? this.posts.get(post.Id) : undefined;
    if (!old || old.DeleteAt) throw AppError.notFound('UpdatePost', 'post');
    const at = this.now();
    const updated: Post = copyOf({...old, Message: post.Message ?? old.Message, Props: post.Props ?? old.Props, FileIds: post.FileIds ?? old.FileIds, IsPinned: post.IsPinned ?? old.IsPinned, UpdateAt: at, EditAt: post.Message !== undefined && post.Message !== old.Message ? at : old.EditAt});
    this.posts.set(updated.Id!, updated);
    this.onPostUpdated?.(copyOf(updated), copyOf(old));
    return copyOf(updated);
  }

  async getPost(postId: string): Promise<Post> {
    this.record('GetPost', postId);
    const p = this.posts.get(postId);
    if (!p || p.DeleteAt) throw AppError.notFound('GetPost', 'post');
    return copyOf(p);
  }

  async deletePost(postId: string): Promise<void> {
    this.record('DeletePost', postId);
    const p = this.posts.get(postId);
    if (!p || p.DeleteAt) throw AppError.notFound('DeletePost', 'post');
    p.DeleteAt = this.now();
  }

  async sendEphemeralPost(userId: string, post: Post): Promise<Post> {
    this.record('SendEphemeralPost', userId, post);
    const stored: Post = {...copyOf(post), Id: post.Id || newId(), CreateAt: this.now(), Type: 'system_ephemeral'};
    this.ephemeral.push({userId, post: stored});
    this.onEphemeral?.(userId, copyOf(stored));
    return stored;
  }

  // --- channels, teams, users ---

  async getChannel(channelId: string): Promise<Channel> {
    this.record('GetChannel', channelId);
    const c = this.channels.get(channelId);
    if (!c) throw AppError.notFound('GetChannel', 'channel');
    return copyOf(c);
  }

  async getChannelByName(teamId: string, name: string, includeDeleted = false): Promise<Channel> {
    this.record('GetChannelByName', teamId, name, includeDeleted);
    for (const c of this.channels.values()) {
      if (c.TeamId === teamId && c.Name === name && (includeDeleted || !c.DeleteAt)) return copyOf(c);
    }
    throw AppError.notFound('GetChannelByName', 'channel');
  }

  async getDirectChannel(userId1: string, userId2: string): Promise<Channel> {
    this.record('GetDirectChannel', userId1, userId2);
    if (!this.users.has(userId1) || !this.users.has(userId2)) throw AppError.notFound('GetDirectChannel', 'user');
    const name = [userId1, userId2].sort().join('__');
    for (const c of this.channels.values()) if (c.Type === 'D' && c.Name === name) return copyOf(c);
    const c = this.addChannel({Name: name, TeamId: '', Type: 'D', DisplayName: ''});
    this.channelMembers.get(c.Id)!.add(userId1).add(userId2);
    return copyOf(c);
  }

  async getTeam(teamId: string): Promise<Team> {
    this.record('GetTeam', teamId);
    const t = this.teams.get(teamId);
    if (!t) throw AppError.notFound('GetTeam', 'team');
    return copyOf(t);
  }

  async getTeamByName(name: string): Promise<Team> {
    this.record('GetTeamByName', name);
    for (const t of this.teams.values()) if (t.Name === name) return copyOf(t);
    throw AppError.notFound('GetTeamByName', 'team');
  }

  async getUser(userId: string): Promise<User> {
    this.record('GetUser', userId);
    const u = this.users.get(userId);
    if (!u) throw AppError.notFound('GetUser', 'user');
    return copyOf(u);
  }

  async getUserByUsername(username: string): Promise<User> {
    this.record('GetUserByUsername', username);
    for (const u of this.users.values()) if (u.Username === username) return copyOf(u);
    throw AppError.notFound('GetUserByUsername', 'user');
  }

  // --- permissions: system admins can do everything; members get the own-webhook permissions ---

  private isAdmin(userId: string): boolean {
    return (this.users.get(userId)?.Roles ?? '').split(' ').includes('system_admin');
  }

  private allowed(userId: string, permission: string, member: boolean): boolean {
    if (!this.users.has(userId)) return false;
    if (this.revoked.get(userId)?.has(permission)) return false;
    if (this.isAdmin(userId) || this.grants.get(userId)?.has(permission)) return true;
    return member && !ADMIN_ONLY.has(permission);
  }

  async hasPermissionTo(userId: string, permission: Permission): Promise<boolean> {
    this.record('HasPermissionTo', userId, permission);
    return this.allowed(userId, permission, false);
  }

  async hasPermissionToTeam(userId: string, teamId: string, permission: Permission): Promise<boolean> {
    this.record('HasPermissionToTeam', userId, teamId, permission);
    return this.allowed(userId, permission, this.teamMembers.get(teamId)?.has(userId) ?? false);
  }

  async hasPermissionToChannel(userId: string, channelId: string, permission: Permission): Promise<boolean> {
    this.record('HasPermissionToChannel', userId, channelId, permission);
    const c = this.channels.get(channelId);
    if (!c) return false;
    // Public channels are readable by every team member, like Mattermost's channel roles.
    const member = (this.channelMembers.get(channelId)?.has(userId) ?? false) || (c.Type === 'O' && (this.teamMembers.get(c.TeamId ?? '')?.has(userId) ?? false));
    return this.allowed(userId, permission, member);
  }

  // --- KV ---

  private live(key: string): KVEntry | undefined {
    const e = this.kv.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= this.now()) {
      this.kv.delete(key);
      return undefined;
    }
    return e;
  }

  async kvGet(key: string): Promise<Uint8Array | null> {
    this.record('KVGet', key);
    const e = this.live(key);
    return e ? Uint8Array.from(e.value) : null;
  }

  async kvSet(key: string, value: Uint8Array): Promise<void> {
    this.record('KVSet', key, value);
    this.checkKey(key);
    // Like the server: an empty value deletes the key.
    if (value.length === 0) this.kv.delete(key);
    else this.kv.set(key, {value: Uint8Array.from(value), expiresAt: null});
  }

  async kvDelete(key: string): Promise<void> {
    this.record('KVDelete', key);
    this.kv.delete(key);
  }

  async kvList(page: number, perPage: number): Promise<string[]> {
    this.record('KVList', page, perPage);
    const keys = [...this.kv.keys()].filter((k) => this.live(k)).sort();
    return keys.slice(page * perPage, (page + 1) * perPage);
  }

  async kvSetWithOptions(key: string, value: Uint8Array | null, options: KVSetOptions): Promise<boolean> {
    this.record('KVSetWithOptions', key, value, options);
    this.checkKey(key);
    if (options.expireInSeconds !== undefined && options.expireInSeconds < 0) throw new AppError({id: 'app.plugin_store.set_with_options.invalid', message: 'Negative expiry', statusCode: 400, where: 'KVSetWithOptions'});
    const current = this.live(key);
    if (options.atomic) {
      const old = options.oldValue ?? null;
      const matches = old === null || old.length === 0 ? current === undefined : current !== undefined && Buffer.from(current.value).equals(Buffer.from(old));
      if (!matches) return false;
    }
    if (value === null || value.length === 0) {
      this.kv.delete(key);
      return true;
    }
    const ttl = options.expireInSeconds ?? 0;
    this.kv.set(key, {value: Uint8Array.from(value), expiresAt: ttl > 0 ? this.now() + ttl * 1000 : null});
    return true;
  }

  private checkKey(key: string): void {
    if (key.length === 0 || key.length > 150) throw new AppError({id: 'app.plugin_store.invalid_key', message: 'Invalid key', statusCode: 400, where: 'KVSet'});
  }

  // --- config, logging, events ---

  async loadPluginConfiguration(): Promise<Record<string, unknown>> {
    this.record('LoadPluginConfiguration');
    return copyOf(this.config);
  }

  async getServerVersion(): Promise<string> {
    return this.serverVersion;
  }

  async getSiteURL(): Promise<string> {
    return this.siteURL;
  }

  private logLine(level: LoggedLine['level'], message: string, fields: LogFields = {}): void {
    this.logs.push({level, message, fields});
  }
  logDebug(message: string, fields?: LogFields): void {
    this.logLine('debug', message, fields);
  }
  logInfo(message: string, fields?: LogFields): void {
    this.logLine('info', message, fields);
  }
  logWarn(message: string, fields?: LogFields): void {
    this.logLine('warn', message, fields);
  }
  logError(message: string, fields?: LogFields): void {
    this.logLine('error', message, fields);
  }

  async publishWebSocketEvent(event: string, payload: Record<string, unknown>, broadcast: WebsocketBroadcast): Promise<void> {
    this.record('PublishWebSocketEvent', event, payload, broadcast);
    const e = {event, payload: copyOf(payload), broadcast};
    this.events.push(e);
    this.onEvent?.(e);
  }

  async publishPluginClusterEvent(id: string, data: Uint8Array, options?: ClusterEventSendOptions): Promise<void> {
    this.record('PublishPluginClusterEvent', id, data, options);
    this.clusterEvents.push({id, data});
  }

  async openInteractiveDialog(request: OpenDialogRequest): Promise<void> {
    this.record('OpenInteractiveDialog', request);
    if (!request.TriggerId) throw new AppError({id: 'interactive_message.decode_trigger_id.app_error', message: 'Missing trigger id', statusCode: 400, where: 'OpenInteractiveDialog'});
    this.dialogs.push(copyOf(request));
    this.onDialog?.(copyOf(request));
  }

  async ensureBotUser(bot: Bot): Promise<string> {
    this.record('EnsureBotUser', bot);
    const existing = this.bots.get(bot.Username);
    if (existing) return existing;
    const u = this.addUser({Username: bot.Username, IsBot: true, Nickname: bot.DisplayName ?? '', BotDescription: bot.Description ?? '', Roles: 'system_user'});
    this.bots.set(bot.Username, u.Id);
    return u.Id;
  }

  /** Snapshot for persistence (sandbox). */
  toJSON(): object {
    const b64 = (v: Uint8Array): string => Buffer.from(v).toString('base64');
    return {
      users: [...this.users.values()],
      teams: [...this.teams.values()],
      channels: [...this.channels.values()],
      posts: [...this.posts.values()],
      channelMembers: [...this.channelMembers].map(([k, v]) => [k, [...v]]),
      teamMembers: [...this.teamMembers].map(([k, v]) => [k, [...v]]),
      kv: [...this.kv].map(([k, e]) => [k, b64(e.value), e.expiresAt]),
      bots: [...this.bots],
      config: this.config,
    };
  }

  load(snapshot: ReturnType<MemoryMattermost['toJSON']>): void {
    const s = snapshot as {
      users: User[];
      teams: Team[];
      channels: Channel[];
      posts: Post[];
      channelMembers: [string, string[]][];
      teamMembers: [string, string[]][];
      kv: [string, string, number | null][];
      bots: [string, string][];
      config: Record<string, unknown>;
    };
    for (const u of s.users) this.users.set(u.Id, u);
    for (const t of s.teams) this.teams.set(t.Id, t);
    for (const c of s.channels) this.channels.set(c.Id, c);
    for (const p of s.posts) this.posts.set(p.Id!, p);
    for (const [k, v] of s.channelMembers) this.channelMembers.set(k, new Set(v));
    for (const [k, v] of s.teamMembers) this.teamMembers.set(k, new Set(v));
    for (const [k, v, exp] of s.kv) this.kv.set(k, {value: Buffer.from(v, 'base64'), expiresAt: exp});
    for (const [k, v] of s.bots) this.bots.set(k, v);
    this.config = s.config ?? {};
  }
}
