// The boundary between matching posts and sending callbacks. The domain builds
// one OutgoingJob per callback URL and hands it over; how it is sent (once, as
// Mattermost does, or durably with retries and a log) is the DeliveryService's
// business. The REST routes for the delivery log go through the same interface.

import type {Post} from '../mattermost/model.js';
import type {OutgoingHook} from './model.js';

export type DeliveryEvent = 'posted' | 'edited' | 'test';

/** What a callback answered. */
export interface DeliveryResult {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface OutgoingJob {
  hook: OutgoingHook;
  url: string;
  contentType: string;
  body: Uint8Array;
  /** Every request header: Content-Type, Accept, User-Agent and the hook's own. */
  headers: Record<string, string>;
  event: DeliveryEvent;
  /** The triggering post (a synthetic one for test events). */
  post: Post;
  /** Turns the callback's reply into posts; call once, with the reply of the attempt that counts. */
  onResponse(result: DeliveryResult): Promise<void>;
}

// The REST shapes of deliveries and stats are the delivery engine's own.
export type {Delivery, DeliveryStatus, HookStats, StatsBucket} from '../delivery/types.js';
import type {Delivery, HookStats} from '../delivery/types.js';

export interface DeliveryService {
  /** Takes the job and returns its delivery id; must not wait for the callback's answer. */
  deliver(job: OutgoingJob): Promise<string>;
  /** Newest first. */
  list(hookId: string, page: number, perPage: number): Promise<Delivery[]>;
  get(deliveryId: string): Promise<Delivery | null>;
  /** Sends a recorded delivery again as a new one; returns the new id. */
  replay(deliveryId: string): Promise<string>;
  stats(hookId: string): Promise<HookStats>;
  /** Starts background sending (on activation), if the service has any. */
  start?(): void;
  /** Stops it, letting sends in flight finish for up to graceMs. */
  stop?(graceMs?: number): Promise<void>;
  /** Drops what is kept about a deleted hook (log, statistics, failure streak). */
  forgetHook?(hookId: string): Promise<void>;
  /** Forgets a hook's failure streak, when it is switched back on. */
  resetFailures?(hookId: string): Promise<void>;
  /** The hook was changed (null: any hook may have): queued deliveries must see the change at once. */
  hookChanged?(hookId: string | null): void;
}

/** Thrown by services that keep no delivery log. */
export class DeliveryLogUnavailableError extends Error {
  override name = 'DeliveryLogUnavailableError';
  constructor() {
    super('Delivery history, replay and statistics need the delivery queue, which is not enabled on this server.');
  }
}
