// The part of Mattermost's plugin API (server/public/plugin/api.go) that Hookbridge
// uses, as a typed interface. The domain talks only to this interface; RpcPluginAPI
// implements it over the wire and MemoryMattermost in memory (tests, sandbox).

import type {Bot, Channel, OpenDialogRequest, Post, Team, User, WebsocketBroadcast} from './model.js';

export type Permission =
  | 'manage_system'
  | 'manage_incoming_webhooks'
  | 'manage_outgoing_webhooks'
  | 'manage_own_incoming_webhooks'
  | 'manage_others_incoming_webhooks'
  | 'manage_own_outgoing_webhooks'
  | 'manage_others_outgoing_webhooks'
  | 'bypass_incoming_webhook_channel_lock'
  | 'read_channel'
  | 'read_channel_content'
  | 'create_post'
  | 'view_team'
  | (string & {});

export interface KVSetOptions {
  /** Set only if the current value equals oldValue (null/empty: only if absent). */
  atomic?: boolean;
  oldValue?: Uint8Array | null;
  expireInSeconds?: number;
}

export interface ClusterEventSendOptions {
  sendType?: 'reliable' | 'best_effort';
  targetId?: string;
}

export type LogFields = Readonly<Record<string, string | number | boolean | bigint | null | undefined>>;

/** AppError id of a call whose arguments could not be sent to the server at all (status 400): nothing reached it. */
export const UNSENDABLE_ARGUMENTS = 'plugin.api.arguments.app_error';

/** A Mattermost error (model.AppError) with the HTTP status it stands for. */
export class AppError extends Error {
  override name = 'AppError';
  readonly id: string;
  readonly detailedError: string;
  readonly statusCode: number;
  readonly where: string;
  readonly requestId: string;

  constructor(fields: {id?: string; message?: string; detailedError?: string; statusCode?: number; where?: string; requestId?: string}) {
    super(fields.message || fields.id || 'unknown error');
    this.id = fields.id ?? '';
    this.detailedError = fields.detailedError ?? '';
    this.statusCode = fields.statusCode ?? 500;
    this.where = fields.where ?? '';
    this.requestId = fields.requestId ?? '';
  }

  /** Go's AppError.Error() text: "Where: Message, DetailedError". */
  override toString(): string {
    let s = this.where ? `${this.where}: ${this.message}` : this.message;
    if (this.detailedError) s += `, ${this.detailedError}`;
    return s;
  }

  static notFound(where: string, what: string): AppError {
    return new AppError({id: 'app.not_found', message: `${what} not found`, statusCode: 404, where});
  }
}

export interface PluginAPI {
  // Posts
  createPost(post: Post): Promise<Post>;
  updatePost(post: Post): Promise<Post>;
  getPost(postId: string): Promise<Post>;
  deletePost(postId: string): Promise<void>;
  sendEphemeralPost(userId: string, post: Post): Promise<Post>;

  // Channels, teams, users
  getChannel(channelId: string): Promise<Channel>;
  getChannelByName(teamId: string, name: string, includeDeleted?: boolean): Promise<Channel>;
  getDirectChannel(userId1: string, userId2: string): Promise<Channel>;
  getTeam(teamId: string): Promise<Team>;
  getTeamByName(name: string): Promise<Team>;
  getUser(userId: string): Promise<User>;
  getUserByUsername(username: string): Promise<User>;

  // Permissions
  hasPermissionTo(userId: string, permission: Permission): Promise<boolean>;
  hasPermissionToTeam(userId: string, teamId: string, permission: Permission): Promise<boolean>;
  hasPermissionToChannel(userId: string, channelId: string, permission: Permission): Promise<boolean>;

  // Plugin KV store (shared by every node of a cluster)
  kvGet(key: string): Promise<Uint8Array | null>;
  kvSet(key: string, value: Uint8Array): Promise<void>;
  kvDelete(key: string): Promise<void>;
  kvList(page: number, perPage: number): Promise<string[]>;
  /** False when an atomic set lost the race. */
  kvSetWithOptions(key: string, value: Uint8Array | null, options: KVSetOptions): Promise<boolean>;

  // Configuration and server
  loadPluginConfiguration(): Promise<Record<string, unknown>>;
  getServerVersion(): Promise<string>;
  getSiteURL(): Promise<string>;

  // Logging (goes to the server log with the plugin id)
  logDebug(message: string, fields?: LogFields): void;
  logInfo(message: string, fields?: LogFields): void;
  logWarn(message: string, fields?: LogFields): void;
  logError(message: string, fields?: LogFields): void;

  // Events, dialogs, bots
  publishWebSocketEvent(event: string, payload: Record<string, unknown>, broadcast: WebsocketBroadcast): Promise<void>;
  publishPluginClusterEvent(id: string, data: Uint8Array, options?: ClusterEventSendOptions): Promise<void>;
  openInteractiveDialog(request: OpenDialogRequest): Promise<void>;
  ensureBotUser(bot: Bot): Promise<string>;
}
