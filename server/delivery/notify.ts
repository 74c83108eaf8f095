// Auto-disabling failing hooks and telling their owners.
//
// dq_cf_<hookId> counts finished deliveries that failed in a row, cluster-wide
// (compare-and-set); a success deletes it. The update that reaches the threshold
// also resets the count, so exactly one node disables the hook and sends one
// direct message, and a re-enabled hook gets a fresh budget. A 410 Gone disables
// at once. The message comes from the plugin's bot in a DM with the hook's
// creator and says which hook, why, and how to turn it back on.

import type {PluginAPI} from '../mattermost/api.js';
import {CasBatcher} from './kv.js';
import type {DeliveryHook} from './types.js';

export const FAILURE_COUNT_PREFIX = 'dq_cf_';
export const BOT = {Username: 'hookbridge', DisplayName: 'Hookbridge', Description: 'Delivers Hookbridge webhooks and reports problems with them.'};

interface FailureCount {
  count: number;
  last_error: string;
  since: number;
}

const CLEAR_MEMORY_MS = 5000;

export type OnDisable = (hookId: string, reason: string) => void | Promise<void>;

export class FailureTracker {
  private readonly counts: CasBatcher<FailureCount>;
  private botId: Promise<string> | null = null;
  /** When this node last knew a hook had no failure streak. */
  private readonly clearSince = new Map<string, number>();

  constructor(
    private readonly api: PluginAPI,
    private readonly threshold: number,
    private readonly onDisable: OnDisable,
  ) {
    this.counts = new CasBatcher(api);
  }

  async succeeded(hookId: string): Promise<void> {
    // Most successes follow successes: no streak was seen lately, so no read at all. A
    // failure counted meanwhile on another node is reset by a success here within
    // CLEAR_MEMORY_MS at the latest, which can only bring a disable forward, never lose one.
    const seen = this.clearSince.get(hookId);
    const t = Date.now();
    if (seen !== undefined && t - seen < CLEAR_MEMORY_MS && t >= seen) return;
    const key = FAILURE_COUNT_PREFIX + hookId;
    if ((await this.api.kvGet(key)) !== null) await this.counts.update(key, () => null);
    this.clearSince.set(hookId, t);
    if (this.clearSince.size > 10_000) this.clearSince.delete(this.clearSince.keys().next().value!);
  }

  /** Counts a failed delivery; disables the hook when this one reaches the threshold. */
  async failed(hook: DeliveryHook, error: string, at: number): Promise<void> {
    this.clearSince.delete(hook.id);
    if (this.threshold <= 0) return;
    let reached = 0;
    await this.counts.update(FAILURE_COUNT_PREFIX + hook.id, (c) => {
      const count = (c?.count ?? 0) + 1;
      reached = count >= this.threshold ? count : 0;
      return reached ? null : {count, last_error: error, since: c?.since ?? at};
    });
    if (reached) await this.disable(hook, `its last ${reached} deliveries failed (last error: ${error})`);
  }

  async reset(hookId: string): Promise<void> {
    this.clearSince.delete(hookId);
    await this.api.kvDelete(FAILURE_COUNT_PREFIX + hookId);
  }

  async disable(hook: DeliveryHook, reason: string): Promise<void> {
    this.api.logWarn('Hookbridge disabled an outgoing webhook', {hook_id: hook.id, reason});
    try {
      await this.onDisable(hook.id, reason);
    } catch (err) {
      this.api.logError('Hookbridge: disabling the hook failed', {hook_id: hook.id, error: err instanceof Error ? err.message : String(err)});
    }
    await this.tellOwner(hook, reason);
  }

  private async tellOwner(hook: DeliveryHook, reason: string): Promise<void> {
    if (!hook.creator_id) return;
    try {
      this.botId ??= this.api.ensureBotUser(BOT);
      const botId = await this.botId.catch((err: unknown) => {
        this.botId = null;
        throw err;
      });
      const channel = await this.api.getDirectChannel(botId, hook.creator_id);
      await this.api.createPost({UserId: botId, ChannelId: channel.Id, Message: disabledMessage(hook, reason), Props: {hookbridge_hook_id: hook.id}});
    } catch (err) {
      this.api.logError('Hookbridge: could not notify the owner of a disabled hook', {hook_id: hook.id, error: err instanceof Error ? err.message : String(err)});
    }
  }
}

export function disabledMessage(hook: DeliveryHook, reason: string): string {
  const name = (hook.display_name || 'Untitled outgoing webhook').replace(/[*_`[\]]/g, '');
  return [
    `:warning: Hookbridge disabled your outgoing webhook **${name}** because ${reason}.`,
    '',
    `Hook id: \`${hook.id}\`. Messages no longer go to it and its queued deliveries were stopped.`,
    'To turn it back on, fix the receiving endpoint, then open **Hookbridge webhooks** from the main menu, find the hook under outgoing webhooks and switch it back on. Its delivery log shows the failed requests and the answers they got.',
  ].join('\n');
}
