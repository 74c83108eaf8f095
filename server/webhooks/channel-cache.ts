// A short-lived cache of channels, so looking at a post whose channel has no
// hooks costs no API call. Matches are re-checked against a recent read (at
// most a second old for outgoing hooks), so a stale entry can only delay a
// hook; a change to the channel applies to what fires within that second.

import type {PluginAPI} from '../mattermost/api.js';
import type {Channel} from '../mattermost/model.js';

export class ChannelCache {
  private readonly entries = new Map<string, {channel: Channel; at: number}>();
  private readonly reading = new Map<string, Promise<Channel>>();

  constructor(
    private readonly api: PluginAPI,
    private readonly ttlMs = 60_000,
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(channelId: string): Promise<Channel> {
    const hit = this.entries.get(channelId);
    if (hit && this.now() - hit.at < this.ttlMs) {
      // Re-insert so the map's order is least recently used first.
      this.entries.delete(channelId);
      this.entries.set(channelId, hit);
      return hit.channel;
    }
    return this.fresh(channelId);
  }

  /**
   * The channel as read at most `maxAgeMs` ago (default: now). Reads for one
   * channel in flight at the same time are shared, so a busy channel costs one
   * read per maxAgeMs, not one per post.
   */
  fresh(channelId: string, maxAgeMs = 0): Promise<Channel> {
    const hit = this.entries.get(channelId);
    const t = this.now();
    if (hit && maxAgeMs > 0 && t - hit.at <= maxAgeMs && t >= hit.at) return Promise.resolve(hit.channel);
    const pending = this.reading.get(channelId);
    if (pending) return pending;
    const read = this.read(channelId).finally(() => this.reading.delete(channelId));
    this.reading.set(channelId, read);
    return read;
  }

  private async read(channelId: string): Promise<Channel> {
    const channel = await this.api.getChannel(channelId);
    this.entries.delete(channelId);
    this.entries.set(channelId, {channel, at: this.now()});
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return channel;
  }

  forget(channelId: string): void {
    this.entries.delete(channelId);
    this.reading.delete(channelId);
  }
}
