// Outgoing hooks: which posts are looked at, which hooks they trigger and the
// jobs handed to delivery. Mirrors handleWebhookEvents: webhook posts and system
// messages never trigger, replies do, only public channels unless a hook opts
// into more; beyond Mattermost, every hook gets its own trigger word (Mattermost
// gives all of them the last matched hook's) and hooks in private channels and
// direct or group messages only see channels their creator can read.

import type {PluginConfig} from '../config.js';
import type {PluginAPI} from '../mattermost/api.js';
import type {Channel, Post, Team, User} from '../mattermost/model.js';
import {USER_AGENT} from '../net/http-client.js';
import type {ChannelCache} from './channel-cache.js';
import type {DeliveryService, OutgoingJob} from './delivery.js';
import type {OutgoingEvent, OutgoingHook} from './model.js';
import {buildPayload, encodePayload} from './payload.js';
import {LookupCache} from './lookup-cache.js';
import {applyOutgoingResponse} from './responses.js';
import type {TriggerIndex, TriggerMatch} from './trigger-index.js';
import {HOOK_ID_PROP} from './webhook-post.js';

export interface DispatcherDeps {
  api: PluginAPI;
  config: () => PluginConfig;
  index: TriggerIndex;
  channels: ChannelCache;
  delivery: () => DeliveryService;
  /**
   * While the hooks are first being read after activation: settles once that
   * read is over, whether it loaded them or failed. Posts seen meanwhile wait
   * for it instead of meeting an empty index.
   */
  loading?: () => Promise<void> | null;
}

/** Posts Mattermost never evaluates: webhook posts (its own and ours) and system messages. */
export function isEvaluated(post: Post): boolean {
  const props = post.Props ?? {};
  if (props.from_webhook === 'true' || props.from_webhook === true) return false;
  if (props[HOOK_ID_PROP] !== undefined) return false;
  if ((post.Type ?? '').startsWith('system_')) return false;
  return !post.DeleteAt;
}

/** Request headers of a callback, as Mattermost sends them plus the hook's own. */
export function requestHeaders(hook: OutgoingHook, contentType: string): Record<string, string> {
  return {'Content-Type': contentType, Accept: 'application/json', 'User-Agent': USER_AGENT, ...hook.headers};
}

/**
 * How old a channel read may be when it decides what fires. A channel turned
 * private (or moved) stops public-only hooks within this time; Mattermost's own
 * channel cache answers the same question with the same kind of delay.
 */
const FRESH_CHANNEL_MS = 1000;

export class OutgoingDispatcher {
  private readonly users: LookupCache<User>;
  private readonly teams: LookupCache<Team>;

  constructor(private readonly deps: DispatcherDeps) {
    this.users = new LookupCache((id) => deps.api.getUser(id), 10_000);
    this.teams = new LookupCache((id) => deps.api.getTeam(id), 60_000);
  }

  /** Posts being matched and handed to delivery right now. */
  get active(): number {
    return this.running;
  }

  private running = 0;

  /** Finds the hooks a post triggers and hands their jobs to delivery; returns how many jobs. */
  async handle(post: Post, event: OutgoingEvent): Promise<number> {
    const {config, index} = this.deps;
    if (!config().enableOutgoing || !isEvaluated(post) || !post.ChannelId) return 0;
    const loading = this.deps.loading?.();
    if (loading) await loading;
    if (index.size === 0) return 0;
    this.running++;
    try {
      return await this.dispatch(post, post.ChannelId, event);
    } finally {
      this.running--;
    }
  }

  private async dispatch(post: Post, channelId: string, event: OutgoingEvent): Promise<number> {
    const {index, channels} = this.deps;
    const cached = await channels.get(channelId);
    const likely = index.match(context(post, cached, event));
    if (likely.length === 0) return 0;
    // The cache only decides whether a post is worth a look; what fires is decided on fresh data.
    // The author and the teams are fetched alongside, for the hooks the cached match found.
    const team = (id: string): Promise<Team | null> => this.teams.get(id).catch(() => null);
    for (const m of likely) void team(m.hook.team_id);
    // The index keeps only what matching needs; the whole hooks are read meanwhile too.
    index.prefetch(likely);
    const userPromise = this.users.get(post.UserId ?? '').catch(() => ({Id: post.UserId ?? '', Username: ''}));
    const channel = await channels.fresh(channelId, FRESH_CHANNEL_MS);
    const ctx = context(post, channel, event);
    const matches = await this.readable(index.match(ctx), channel);
    if (matches.length === 0) return 0;
    const [fired, user] = await Promise.all([index.resolve(matches, ctx), userPromise]);

    const jobs: OutgoingJob[] = [];
    for (const {hook, triggerWord} of fired) {
      const hookTeam = await team(hook.team_id);
      if (!hookTeam) continue;
      const payload = buildPayload({hook, team: hookTeam, channel, user, post, triggerWord, event});
      jobs.push(...this.jobs(hook, payload, post, event));
    }
    // All at once: the delivery queue stores jobs handed to it together in one write.
    const delivery = this.deps.delivery();
    await Promise.all(jobs.map((job) => delivery.deliver(job)));
    return jobs.length;
  }

  /** Outside public channels a hook only sees what its creator could read. */
  private async readable(matches: readonly TriggerMatch[], channel: Channel): Promise<readonly TriggerMatch[]> {
    if (channel.Type === 'O') return matches;
    const allowed = await Promise.all(matches.map((m) => this.creatorMayRead(m.hook.creator_id, channel)));
    return matches.filter((_, i) => allowed[i]);
  }

  private async creatorMayRead(creator: string, channel: Channel): Promise<boolean> {
    // System admins may read every conversation, so for direct and group messages read access
    // is not enough: the creator must take part. A direct channel is named after its two
    // members; a group channel's membership cannot be checked through the plugin API, so it
    // relies on read access, which only members have unless they are system admins.
    if (channel.Type === 'D' && !channel.Name.split('__').includes(creator)) return false;
    if (channel.Type === 'G' && (await this.isSystemAdmin(creator))) return false;
    return this.deps.api.hasPermissionToChannel(creator, channel.Id, 'read_channel').catch(() => false);
  }

  private async isSystemAdmin(userId: string): Promise<boolean> {
    try {
      return (await this.deps.api.getUser(userId)).Roles?.split(' ').includes('system_admin') ?? false;
    } catch {
      // Unknown creator: treat as the most privileged, i.e. not allowed.
      return true;
    }
  }

  private jobs(hook: OutgoingHook, payload: ReturnType<typeof buildPayload>, post: Post, event: OutgoingEvent | 'test'): OutgoingJob[] {
    const {contentType, body} = encodePayload(payload, hook.content_type);
    const headers = requestHeaders(hook, contentType);
    // What a reply needs of the triggering post; a job is stored (queue, log) with each
    // delivery, so it carries no more of the post than that.
    const replyTo: Post = {Id: post.Id, ChannelId: post.ChannelId, RootId: post.RootId, UserId: post.UserId};
    return hook.callback_urls.map((url) => ({
      hook,
      url,
      contentType,
      body,
      headers,
      event,
      post: replyTo,
      onResponse: async (result) => {
        if (event === 'test') return;
        await applyOutgoingResponse({api: this.deps.api, settings: this.deps.config(), hook, post: replyTo, channelId: replyTo.ChannelId ?? ''}, result.body);
      },
    }));
  }

  /**
   * A test event: the hook's payload for a made-up post by `actorId`, sent to
   * every callback URL. Replies are not posted anywhere. Returns the delivery ids.
   */
  async test(hook: OutgoingHook, actorId: string, now = Date.now()): Promise<string[]> {
    const {api} = this.deps;
    const team = await api.getTeam(hook.team_id);
    const channel: Pick<Channel, 'Id' | 'Name' | 'Type'> = hook.channel_id ? await api.getChannel(hook.channel_id) : {Id: '', Name: '', Type: 'O'};
    const user = await api.getUser(actorId);
    const triggerWord = hook.trigger_words[0] ?? '';
    const post: Post = {Id: '', ChannelId: channel.Id, UserId: actorId, Message: triggerWord ? `${triggerWord} test` : 'test', CreateAt: now, Props: {}};
    const payload = buildPayload({hook, team, channel, user, post, triggerWord, event: 'test'});
    const ids: string[] = [];
    for (const job of this.jobs(hook, payload, post, 'test')) ids.push(await this.deps.delivery().deliver(job));
    return ids;
  }
}

function context(post: Post, channel: Channel, event: OutgoingEvent) {
  return {text: post.Message ?? '', channelId: channel.Id, teamId: channel.TeamId ?? '', channelType: channel.Type, event};
}
