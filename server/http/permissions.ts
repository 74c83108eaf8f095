// Who may manage which hook, as Mattermost's api4/webhook.go decides it:
// manage_own_* on the hook's team for one's own hooks, manage_others_* on top
// for other people's, read access for hooks of non-public channels, and
// bypass_incoming_webhook_channel_lock to leave an incoming hook unlocked.

import type {Permission, PluginAPI} from '../mattermost/api.js';
import type {Channel} from '../mattermost/model.js';
import {HookError} from '../webhooks/errors.js';
import type {HookKind, IncomingHook, OutgoingHook} from '../webhooks/model.js';

export const OWN: Record<HookKind, Permission> = {incoming: 'manage_own_incoming_webhooks', outgoing: 'manage_own_outgoing_webhooks'};
export const OTHERS: Record<HookKind, Permission> = {incoming: 'manage_others_incoming_webhooks', outgoing: 'manage_others_outgoing_webhooks'};
export const BYPASS_LOCK: Permission = 'bypass_incoming_webhook_channel_lock';

export class Permissions {
  constructor(private readonly api: PluginAPI) {}

  system(userId: string, permission: Permission): Promise<boolean> {
    return this.api.hasPermissionTo(userId, permission);
  }

  team(userId: string, teamId: string, permission: Permission): Promise<boolean> {
    return this.api.hasPermissionToTeam(userId, teamId, permission);
  }

  channel(userId: string, channelId: string, permission: Permission): Promise<boolean> {
    return this.api.hasPermissionToChannel(userId, channelId, permission);
  }

  async requireTeam(userId: string, teamId: string, permission: Permission): Promise<void> {
    if (!(await this.team(userId, teamId, permission))) throw HookError.permission(userId, permission);
  }

  async requireSystem(userId: string, permission: Permission): Promise<void> {
    if (!(await this.system(userId, permission))) throw HookError.permission(userId, permission);
  }

  async requireChannelRead(userId: string, channel: Channel): Promise<void> {
    if (channel.Type !== 'O' && !(await this.channel(userId, channel.Id, 'read_channel'))) throw HookError.permission(userId, 'read_channel');
  }

  /** Reading, changing or deleting an outgoing hook. */
  async requireOutgoing(userId: string, hook: OutgoingHook): Promise<void> {
    await this.requireTeam(userId, hook.team_id, OWN.outgoing);
    if (hook.creator_id !== userId) await this.requireTeam(userId, hook.team_id, OTHERS.outgoing);
  }

  /** Reading, changing or deleting an incoming hook (whose id is a secret URL). */
  async requireIncoming(userId: string, hook: IncomingHook, channel: Channel | null): Promise<void> {
    await this.requireTeam(userId, hook.team_id, OWN.incoming);
    if (channel) await this.requireChannelRead(userId, channel);
    if (hook.user_id !== userId) await this.requireTeam(userId, hook.team_id, OTHERS.incoming);
  }
}
