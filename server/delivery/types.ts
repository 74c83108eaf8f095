// Shapes shared by the durable delivery modules and the webhooks domain.
// Field names follow the REST contract the webapp reads (Delivery, StatsBucket),
// so records go to clients as they are.

/** The outgoing-hook fields delivery needs (a subset of the domain's hook). */
export interface DeliveryHook {
  id: string;
  creator_id: string;
  team_id: string;
  display_name: string;
  /** Attempts per delivery; missing, 0 or invalid means the default (3). 1 is native behaviour. */
  max_attempts: number;
  signing_secret?: string;
  previous_secret?: string;
  /** Milliseconds. */
  previous_secret_expires_at?: number;
  /** Custom request headers configured on the hook. */
  headers: Record<string, string>;
  /** False stops further attempts of queued deliveries. */
  enabled?: boolean;
  /** Used by test deliveries only. */
  callback_urls?: string[];
  content_type?: string;
  token?: string;
  channel_id?: string;
}

export type DeliveryEventName = 'posted' | 'edited' | 'test';

/** The triggering post; stored as given (JSON) and handed back to onResponse. */
export interface DeliveryPost {
  Id?: string;
  ChannelId?: string;
  RootId?: string;
}

/**
 * One request to send. H and P let the domain pass its own hook and post types
 * and get them back (JSON round-tripped) in onResponse and getHook.
 */
export interface OutgoingJob<H extends DeliveryHook = DeliveryHook, P extends DeliveryPost = DeliveryPost> {
  hook: H;
  url: string;
  contentType: string;
  body: Uint8Array;
  /** Request headers built by the domain (Content-Type, Accept, User-Agent…). */
  headers: Record<string, string>;
  event: DeliveryEventName;
  post: P;
}

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';

export interface DeliveryAttempt {
  attempt: number;
  at: number;
  latency_ms?: number;
  response_status?: number;
  error?: string;
}

/** One delivery as the webapp shows it; extra fields are optional. */
export interface Delivery {
  id: string;
  hook_id: string;
  post_id: string;
  event: string;
  attempt: number;
  status: DeliveryStatus;
  created_at: number;
  completed_at?: number;
  latency_ms?: number;
  response_status?: number;
  error?: string;
  request?: {url: string; headers: Record<string, string>; body: string};
  response?: {headers: Record<string, string>; body: string};
  /** When the next attempt is due, while status is retrying. */
  next_attempt_at?: number;
  /** Every attempt so far, oldest first. */
  attempts?: DeliveryAttempt[];
  /** The delivery this one replays. */
  replay_of?: string;
}

export interface StatsBucket {
  /** Start of the hour, in milliseconds. */
  start: number;
  total: number;
  ok: number;
  failed: number;
  p50_ms: number;
  p95_ms: number;
}

export interface HookStats {
  buckets: StatsBucket[];
}

export interface SendRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
}

export interface SendResult {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  latencyMs: number;
}

/**
 * Sends one HTTP request. Throws on timeouts and connection errors; an error
 * with `retryable: false` (e.g. refused by the SSRF guard) is not retried.
 */
export type Send = (req: SendRequest) => Promise<SendResult>;

export interface DeliveryService<H extends DeliveryHook = DeliveryHook, P extends DeliveryPost = DeliveryPost> {
  /** Persists the job and returns its delivery id; the send happens in the background. */
  deliver(job: OutgoingJob<H, P>): Promise<string>;
  /** Newest first, without request and response bodies. */
  list(hookId: string, page: number, perPage: number): Promise<Delivery[]>;
  get(deliveryId: string): Promise<Delivery | null>;
  /** Queues the stored request again as a new delivery; returns its id. */
  replay(deliveryId: string): Promise<string>;
  stats(hookId: string): Promise<HookStats>;
}
