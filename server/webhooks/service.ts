// Creating, changing and deleting hooks with Mattermost's app-level rules
// (app/webhook.go): the channel must exist, belong to the hook's team and, for
// outgoing hooks, be public unless the hook opts into private channels; the
// duplicate-trigger guard; fields the server owns (ids, token, creator, times)
// never come from the client. Every change reaches this node's trigger index at
// once, the other nodes through a cluster event, and the webapps through a
// WebSocket event. Who may do what is decided by the caller (server/http).

import type {PluginConfig} from '../config.js';
import type {PluginAPI} from '../mattermost/api.js';
import {AppError} from '../mattermost/api.js';
import type {Channel} from '../mattermost/model.js';
import {HookError} from './errors.js';
import {newId, newSecret} from './ids.js';
import type {IndexSync} from './index-sync.js';
import type {HookKind, IncomingHook, OutgoingHook} from './model.js';
import type {Change, HookStore, ListFilter} from './store.js';
import type {TriggerIndex} from './trigger-index.js';
import {validateIncoming, validateOutgoing, type IncomingEditable, type OutgoingEditable} from './validation.js';

/** How long receivers keep accepting the previous signing secret after a rotation. */
export const SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/** Event the webapp listens to (the server prefixes custom_<plugin id>_). */
export const HOOK_CHANGED_EVENT = 'hook_changed';

export interface ServiceDeps {
  api: PluginAPI;
  store: HookStore;
  index: TriggerIndex;
  sync: IndexSync;
  config: () => PluginConfig;
  now?: () => number;
  /** Told about every outgoing hook change (the delivery engine keeps per-hook state). */
  onOutgoingChanged?: (before: OutgoingHook | null, after: OutgoingHook | null) => Promise<void>;
  /** While the hooks are first being read after activation (see DispatcherDeps.loading). */
  loading?: () => Promise<void> | null;
}

type Action = 'created' | 'updated' | 'deleted';

function intersects(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.includes(x));
}

export class HookService {
  private readonly now: () => number;

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  private requireOutgoing(): void {
    if (!this.deps.config().enableOutgoing) throw HookError.disabled('outgoing');
  }

  private requireIncoming(): void {
    if (!this.deps.config().enableIncoming) throw HookError.disabled('incoming');
  }

  private async channel(id: string): Promise<Channel> {
    try {
      return await this.deps.api.getChannel(id);
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 404) throw new HookError(404, 'app.channel.get.existing.app_error', 'The channel does not exist.', 'channel_id');
      throw err;
    }
  }

  private async changed(kind: HookKind, change: Change<OutgoingHook> | Change<IncomingHook>, action: Action, actorId: string): Promise<void> {
    const hook = (change.after ?? change.before)!;
    await this.deps.sync.localChange({kind, id: hook.id, version: change.version});
    if (kind === 'outgoing' && this.deps.onOutgoingChanged) {
      try {
        await this.deps.onOutgoingChanged(change.before as OutgoingHook | null, change.after as OutgoingHook | null);
      } catch (err) {
        this.deps.api.logWarn('Could not update delivery state after a hook change', {hook_id: hook.id, error: err instanceof Error ? err.message : String(err)});
      }
    }
    const payload = {kind, id: hook.id, action};
    try {
      if (kind === 'outgoing') {
        await this.deps.api.publishWebSocketEvent(HOOK_CHANGED_EVENT, payload, {TeamId: hook.team_id});
      } else {
        // An incoming hook's id is its secret URL: only its owner and whoever changed it hear of it.
        const owner = (hook as IncomingHook).user_id;
        for (const userId of new Set([owner, actorId])) await this.deps.api.publishWebSocketEvent(HOOK_CHANGED_EVENT, payload, {UserId: userId});
      }
    } catch (err) {
      this.deps.api.logWarn('Could not publish a hook change to clients', {hook_id: hook.id, error: err instanceof Error ? err.message : String(err)});
    }
  }

  // --- outgoing ---

  async getOutgoing(id: string): Promise<OutgoingHook> {
    this.requireOutgoing();
    const hook = await this.deps.store.getOutgoing(id);
    if (!hook || hook.delete_at) throw HookError.notFound('app.webhooks.get_outgoing.app_error', 'The outgoing webhook does not exist.');
    return hook;
  }

  async listOutgoing(filter: ListFilter, page: number, perPage: number): Promise<OutgoingHook[]> {
    this.requireOutgoing();
    return this.deps.store.listOutgoing(filter, page, perPage);
  }

  /** The channel rules of app.CreateOutgoingWebhook, widened for hooks that opt into private channels. */
  private async checkOutgoing(input: OutgoingEditable, creatorId: string, selfId: string): Promise<void> {
    validateOutgoing(input);
    try {
      await this.deps.api.getTeam(input.team_id);
    } catch (err) {
      if (err instanceof AppError && err.statusCode === 404) throw new HookError(404, 'app.team.get.find.app_error', 'The team does not exist.', 'team_id');
      throw err;
    }
    if (input.channel_id) {
      const channel = await this.channel(input.channel_id);
      if (channel.TeamId !== input.team_id) throw HookError.forbidden('api.webhook.create_outgoing.permissions.app_error', 'The channel is not in the hook\'s team.', 'channel_id');
      if (channel.Type === 'P' && input.channel_types.includes('P')) {
        if (!(await this.deps.api.hasPermissionToChannel(creatorId, channel.Id, 'read_channel'))) {
          throw HookError.forbidden('api.webhook.create_outgoing.permissions.app_error', "The hook's creator cannot read that private channel.", 'channel_id');
        }
      } else if (channel.Type !== 'O') {
        throw HookError.forbidden('api.webhook.create_outgoing.not_open.app_error', 'Outgoing webhooks can only watch public channels, unless the hook includes private channels.', 'channel_id');
      }
    }
    // The duplicate guard looks through the index, which is empty until the first read is done.
    const loading = this.deps.loading?.();
    if (loading) await loading;
    for (const indexed of this.deps.index.teamHooks(input.team_id)) {
      if (indexed.id === selfId || indexed.channel_id !== input.channel_id || !intersects(indexed.trigger_words, input.trigger_words)) continue;
      // The index keeps no callback URLs: the few hooks sharing a trigger word are read whole.
      const other = await this.deps.store.getOutgoing(indexed.id);
      if (other && other.channel_id === input.channel_id && intersects(other.callback_urls, input.callback_urls) && intersects(other.trigger_words, input.trigger_words)) {
        throw HookError.badRequest('api.webhook.create_outgoing.intersect.app_error', `Another outgoing webhook (${other.display_name || other.id}) of this team already sends a trigger word of this hook to one of its callback URLs.`, 'trigger_words');
      }
    }
  }

  async createOutgoing(input: OutgoingEditable, creatorId: string, actorId: string): Promise<OutgoingHook> {
    this.requireOutgoing();
    await this.checkOutgoing(input, creatorId, '');
    const now = this.now();
    const hook: OutgoingHook = {...input, id: newId(), token: newId(), create_at: now, update_at: now, delete_at: 0, creator_id: creatorId, signing_secret: newSecret()};
    const change = await this.deps.store.createOutgoing(hook);
    await this.changed('outgoing', change, 'created', actorId);
    return hook;
  }

  async updateOutgoing(old: OutgoingHook, input: OutgoingEditable, actorId: string): Promise<OutgoingHook> {
    this.requireOutgoing();
    if (input.team_id !== old.team_id) throw HookError.badRequest('api.webhook.team_mismatch.app_error', 'A hook cannot move to another team.', 'team_id');
    await this.checkOutgoing(input, old.creator_id, old.id);
    const change = await this.deps.store.updateOutgoing(old.id, (current) => {
      const next: OutgoingHook = {...current, ...input, update_at: this.now()};
      // Switching a hook back on clears why it was switched off.
      if (input.enabled && !current.enabled) delete next.disabled_reason;
      return next;
    });
    await this.changed('outgoing', change, 'updated', actorId);
    return change.after!;
  }

  /**
   * Switches a hook on or off without a client, e.g. when deliveries keep
   * failing; `reason` is shown to the hook's managers until it is switched on.
   */
  async setOutgoingEnabled(id: string, enabled: boolean, reason = ''): Promise<OutgoingHook> {
    const change = await this.deps.store.updateOutgoing(id, (h) => {
      const next: OutgoingHook = {...h, enabled, update_at: this.now()};
      if (!enabled && reason) next.disabled_reason = reason;
      else delete next.disabled_reason;
      return next;
    });
    await this.changed('outgoing', change, 'updated', change.after!.creator_id);
    return change.after!;
  }

  async deleteOutgoing(id: string, actorId: string): Promise<void> {
    this.requireOutgoing();
    const change = await this.deps.store.deleteOutgoing(id);
    await this.changed('outgoing', change, 'deleted', actorId);
  }

  async regenOutgoingToken(id: string, actorId: string): Promise<OutgoingHook> {
    this.requireOutgoing();
    const change = await this.deps.store.updateOutgoing(id, (h) => ({...h, token: newId(), update_at: this.now()}));
    await this.changed('outgoing', change, 'updated', actorId);
    return change.after!;
  }

  /** A new signing secret; the old one stays valid for SECRET_GRACE_MS so receivers can switch over. */
  async rotateOutgoingSecret(id: string, actorId: string): Promise<OutgoingHook> {
    this.requireOutgoing();
    const now = this.now();
    const change = await this.deps.store.updateOutgoing(id, (h) => {
      const next: OutgoingHook = {...h, signing_secret: newSecret(), update_at: now};
      if (h.signing_secret) {
        next.previous_secret = h.signing_secret;
        next.previous_secret_expires_at = now + SECRET_GRACE_MS;
      }
      return next;
    });
    await this.changed('outgoing', change, 'updated', actorId);
    return change.after!;
  }

  // --- incoming ---

  async getIncoming(id: string): Promise<IncomingHook> {
    this.requireIncoming();
    const hook = await this.deps.store.getIncoming(id);
    if (!hook || hook.delete_at) throw HookError.notFound('app.webhooks.get_incoming.app_error', 'The incoming webhook does not exist.');
    return hook;
  }

  async listIncoming(filter: ListFilter, page: number, perPage: number): Promise<IncomingHook[]> {
    this.requireIncoming();
    return this.deps.store.listIncoming(filter, page, perPage);
  }

  /** The channel an incoming hook may post to by default: one of a team's channels. */
  async incomingChannel(channelId: string): Promise<Channel> {
    const channel = await this.channel(channelId);
    if (!channel.TeamId) throw HookError.badRequest('model.incoming_hook.channel_id.app_error', 'Choose a team channel; a request can still reach a direct message with "channel": "@username".', 'channel_id');
    return channel;
  }

  private withSecret(input: IncomingEditable): IncomingEditable {
    // GitHub-style hooks get a generated secret when none was given, so they are never left open.
    if (input.signature.mode === 'github' && !input.signature.secret) return {...input, signature: {mode: 'github', secret: newSecret()}};
    return input;
  }

  async createIncoming(input: IncomingEditable, ownerId: string, channel: Channel, actorId: string): Promise<IncomingHook> {
    this.requireIncoming();
    validateIncoming(input);
    const config = this.deps.config();
    const now = this.now();
    const hook: IncomingHook = {
      ...this.withSecret(input),
      // Without the override settings the defaults could never be used: Mattermost drops them.
      username: config.enablePostUsernameOverride ? input.username : '',
      icon_url: config.enablePostIconOverride ? input.icon_url : '',
      id: newId(),
      create_at: now,
      update_at: now,
      delete_at: 0,
      user_id: ownerId,
      team_id: channel.TeamId!,
    };
    const change = await this.deps.store.createIncoming(hook);
    await this.changed('incoming', change, 'created', actorId);
    return hook;
  }

  async updateIncoming(old: IncomingHook, input: IncomingEditable, channel: Channel, actorId: string): Promise<IncomingHook> {
    this.requireIncoming();
    if (channel.TeamId !== old.team_id) throw HookError.badRequest('api.webhook.team_mismatch.app_error', "The channel is not in the hook's team.", 'channel_id');
    validateIncoming(input);
    const config = this.deps.config();
    const change = await this.deps.store.updateIncoming(old.id, (current) => ({
      ...current,
      ...this.withSecret(input),
      // Mattermost keeps the stored values when an override setting is off.
      username: config.enablePostUsernameOverride ? input.username : current.username,
      icon_url: config.enablePostIconOverride ? input.icon_url : current.icon_url,
      update_at: this.now(),
    }));
    await this.changed('incoming', change, 'updated', actorId);
    return change.after!;
  }

  async deleteIncoming(id: string, actorId: string): Promise<void> {
    this.requireIncoming();
    const change = await this.deps.store.deleteIncoming(id);
    await this.changed('incoming', change, 'deleted', actorId);
  }

  /** A new signing secret for a hook that verifies signatures. */
  async regenIncomingSecret(id: string, actorId: string): Promise<IncomingHook> {
    this.requireIncoming();
    const change = await this.deps.store.updateIncoming(id, (h) => {
      if (h.signature.mode === 'none') throw HookError.badRequest('hookbridge.incoming.no_signature', 'This webhook does not verify signatures, so it has no secret to regenerate.', 'signature.mode');
      if (h.signature.mode === 'slack') throw HookError.badRequest('hookbridge.incoming.slack_secret', "Slack signing secrets come from the Slack app: paste the app's new secret instead.", 'signature.secret');
      return {...h, signature: {mode: h.signature.mode, secret: newSecret()}, update_at: this.now()};
    });
    await this.changed('incoming', change, 'updated', actorId);
    return change.after!;
  }
}
