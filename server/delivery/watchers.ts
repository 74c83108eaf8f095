// Who has a hook's delivery log open right now, so that live updates of its
// deliveries go to those users only: a delivery's URL, status and error are for
// the people allowed to manage the hook, not for everyone in its team, and
// nobody pays for updates nobody is looking at.
//
// A client watching a log renews its watch well within WATCH_TTL_MS and drops it
// when the log closes. Watches live in memory on every node: the node that takes
// the request tells the others with a cluster event ({hook_id, user_id, ttl_ms},
// ttl 0 to stop), so whichever node delivers for the hook publishes to its
// watchers. A node that starts later hears of a watch at its next renewal. The
// time to live travels rather than an expiry time, so node clocks need not agree.

export const WATCH_EVENT_ID = 'delivery_watch';
/** How long a watch lasts without renewal. */
export const WATCH_TTL_MS = 60_000;
/** Watches kept per node at most; past it the ones expiring first make room. */
const MAX_WATCHES = 10_000;
const MAX_ID_LENGTH = 64;

export interface WatchNotice {
  hook_id: string;
  user_id: string;
  /** 0 ends the watch. */
  ttl_ms: number;
}

/** What the delivery log asks when it publishes. */
export interface WatcherView {
  watching(hookId: string): boolean;
  usersOf(hookId: string): string[];
}

export interface WatchersOptions {
  now?: () => number;
  /** Tells the other nodes of a local change. */
  announce?: (data: Uint8Array) => Promise<void>;
  maxWatches?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class DeliveryWatchers implements WatcherView {
  /** hookId → userId → expiry (this node's clock). */
  private readonly byHook = new Map<string, Map<string, number>>();
  private count = 0;
  private readonly now: () => number;
  private readonly announce: ((data: Uint8Array) => Promise<void>) | null;
  private readonly maxWatches: number;

  constructor(options: WatchersOptions = {}) {
    this.now = options.now ?? Date.now;
    this.announce = options.announce ?? null;
    this.maxWatches = options.maxWatches ?? MAX_WATCHES;
  }

  /** Starts or renews a user's watch of a hook's log on every node; resolves to its time to live, ms. */
  async watch(hookId: string, userId: string): Promise<number> {
    this.apply({hook_id: hookId, user_id: userId, ttl_ms: WATCH_TTL_MS});
    await this.tell({hook_id: hookId, user_id: userId, ttl_ms: WATCH_TTL_MS});
    return WATCH_TTL_MS;
  }

  async unwatch(hookId: string, userId: string): Promise<void> {
    this.apply({hook_id: hookId, user_id: userId, ttl_ms: 0});
    await this.tell({hook_id: hookId, user_id: userId, ttl_ms: 0});
  }

  /** A notice from another node; anything malformed is ignored. */
  remote(data: Uint8Array | undefined): void {
    if (!data || data.length > 1024) return;
    let notice: unknown;
    try {
      notice = JSON.parse(decoder.decode(data));
    } catch {
      return;
    }
    if (!isNotice(notice)) return;
    this.apply({hook_id: notice.hook_id, user_id: notice.user_id, ttl_ms: Math.min(notice.ttl_ms, WATCH_TTL_MS)});
  }

  watching(hookId: string): boolean {
    // Called for every change of every delivery: most hooks have no entry at all.
    const users = this.byHook.get(hookId);
    if (!users) return false;
    const now = this.now();
    for (const until of users.values()) if (until > now) return true;
    return false;
  }

  usersOf(hookId: string): string[] {
    const users = this.byHook.get(hookId);
    if (!users) return [];
    const now = this.now();
    const out: string[] = [];
    for (const [user, until] of users) {
      if (until > now) out.push(user);
      else this.drop(hookId, users, user);
    }
    return out;
  }

  /** Forgets every watch of a deleted hook. */
  forgetHook(hookId: string): void {
    const users = this.byHook.get(hookId);
    if (!users) return;
    this.count -= users.size;
    this.byHook.delete(hookId);
  }

  private async tell(notice: WatchNotice): Promise<void> {
    if (this.announce) await this.announce(encoder.encode(JSON.stringify(notice)));
  }

  private apply(notice: WatchNotice): void {
    const {hook_id: hookId, user_id: userId, ttl_ms: ttl} = notice;
    let users = this.byHook.get(hookId);
    if (ttl <= 0) {
      if (users?.has(userId)) this.drop(hookId, users, userId);
      return;
    }
    if (!users) this.byHook.set(hookId, (users = new Map()));
    if (!users.has(userId)) this.count++;
    users.set(userId, this.now() + ttl);
    if (this.count > this.maxWatches) this.makeRoom();
  }

  private drop(hookId: string, users: Map<string, number>, userId: string): void {
    users.delete(userId);
    this.count--;
    if (users.size === 0) this.byHook.delete(hookId);
  }

  private makeRoom(): void {
    const now = this.now();
    const all: [hookId: string, userId: string, until: number][] = [];
    for (const [hookId, users] of this.byHook) for (const [userId, until] of users) all.push([hookId, userId, until]);
    all.sort((a, b) => a[2] - b[2]);
    for (const [hookId, userId, until] of all) {
      if (this.count <= this.maxWatches && until > now) break;
      const users = this.byHook.get(hookId);
      if (users) this.drop(hookId, users, userId);
    }
  }
}

function isNotice(value: unknown): value is WatchNotice {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const id = (x: unknown): boolean => typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_LENGTH;
  return id(v.hook_id) && id(v.user_id) && typeof v.ttl_ms === 'number' && Number.isFinite(v.ttl_ms);
}
