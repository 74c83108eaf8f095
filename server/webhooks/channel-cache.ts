// A short-lived cache of channels, so looking at a post whose channel has no
// hooks costs no API call. Matches are always re-checked against a fresh read,
// so a stale entry can only delay a hook, never fire one it should not.

import type {PluginAPI} from '../mattermost/api.js';
import type {Channel} from '../mattermost/model.js';

export class ChannelCache {
  private readonly entries = new Map<string, {channel: Channel; at: number}>();

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

  async fresh(channelId: string): Promise<Channel> {
    const channel = await this.api.getChannel(channelId);
    this.entries.delete(channelId);
    this.entries.set(channelId, {channel, at: this.now()});
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return channel;
  }

  forget(channelId: string): void {
    this.entries.delete(channelId);
  }
}
