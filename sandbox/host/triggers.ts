// Trigger ids, as the server hands them out with interactive actions: each names
// the user who clicked and is valid for a short time only. Mattermost signs them
// with the server's key; here they are random ids remembered in memory.

import {newId} from '../../server/mattermost/memory.js';

/** Current servers accept a trigger id for OutgoingIntegrationRequestsTimeout (default 30 s; it was a fixed 3 s before). */
export const TRIGGER_TIMEOUT_MS = 30_000;

export type TriggerCheck = {ok: true; userId: string} | {ok: false; reason: 'missing' | 'unknown' | 'expired'};

export class TriggerIds {
  private readonly issued = new Map<string, {userId: string; at: number}>();

  constructor(
    private readonly timeoutMs = TRIGGER_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(userId: string): string {
    this.sweep();
    const id = newId();
    this.issued.set(id, {userId, at: this.now()});
    return id;
  }

  check(triggerId: string): TriggerCheck {
    if (!triggerId) return {ok: false, reason: 'missing'};
    const entry = this.issued.get(triggerId);
    if (!entry) return {ok: false, reason: 'unknown'};
    if (this.now() - entry.at > this.timeoutMs) return {ok: false, reason: 'expired'};
    return {ok: true, userId: entry.userId};
  }

  private sweep(): void {
    const cutoff = this.now() - this.timeoutMs;
    for (const [id, e] of this.issued) if (e.at < cutoff) this.issued.delete(id);
  }
}
