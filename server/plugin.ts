// The Hookbridge plugin: wires settings, the hook store, the trigger index and
// its cluster sync, outgoing dispatch and delivery, the incoming endpoint and
// the REST API to Mattermost's hooks.

import {SlotSet, trackUntilSettled} from './collections/slot-set.js';
import {ConfigHolder, parseConfig, type PluginConfig} from './config.js';
import {createDurableDeliveryService} from './delivery/index.js';
import {DeliveryWatchers, WATCH_EVENT_ID} from './delivery/watchers.js';
import {HttpApi, type IndexStatus} from './http/api.js';
import {checkIncoming} from './incoming-guards/index.js';
import {createInteractive} from './interactive/index.js';
import type {PluginAPI} from './mattermost/api.js';
import type {PluginHooks} from './mattermost/hooks.js';
import type {PluginRequest, PluginResponse} from './mattermost/http.js';
import type {Context, PluginClusterEvent, Post} from './mattermost/model.js';
import {HttpClient, type Transport} from './net/http-client.js';
import {AllowList, SsrfGuard, type Resolver} from './net/ssrf.js';
import {ChannelCache} from './webhooks/channel-cache.js';
import type {RecentLookups} from './webhooks/incoming.js';
import {LookupCache} from './webhooks/lookup-cache.js';
import type {DeliveryService} from './webhooks/delivery.js';
import {DirectDelivery} from './webhooks/direct-delivery.js';
import {errorMessage} from './webhooks/errors.js';
import {newId} from './webhooks/ids.js';
import type {IncomingGuard} from './webhooks/incoming-guard.js';
import {CLUSTER_EVENT_ID, IndexSync, type SyncOptions} from './webhooks/index-sync.js';
import type {OutgoingHook} from './webhooks/model.js';
import {OutgoingDispatcher} from './webhooks/outgoing.js';
import {applyOutgoingResponse, describeResponseFailure} from './webhooks/responses.js';
import type {PostSettings} from './webhooks/webhook-post.js';
import {RegexRunner} from './webhooks/safe-regex.js';
import {HookService} from './webhooks/service.js';
import {HookStore} from './webhooks/store.js';
import {TriggerIndex} from './webhooks/trigger-index.js';

export const PLUGIN_ID = 'hookbridge';
/** How old an incoming hook's channel and owner may be when a request uses them. */
const INCOMING_LOOKUP_MS = 1000;
/** The longest wait between attempts to read the outgoing hooks after activation. */
const LOAD_RETRY_MAX_MS = 60_000;

export interface DeliveryDeps {
  api: PluginAPI;
  client: HttpClient;
  config: () => PluginConfig;
  /** Hooks as stored; replies are applied with applyOutgoingResponse (webhooks/responses.ts). */
  store: HookStore;
  /** For changes to hooks (e.g. switching one off) that every node and webapp must hear of. */
  service: HookService;
  /** Hand every background send to this so deactivation can wait for it. */
  track: (work: Promise<unknown>) => void;
  /** Who has which hook's delivery log open (for live updates). */
  watchers: DeliveryWatchers;
  /** Whether posts are being matched now; work that can wait lets them go first. */
  dispatching: () => boolean;
}

/** One POST per callback URL, no retry, no log: exactly Mattermost's delivery. */
export function directDelivery(deps: DeliveryDeps): DeliveryService {
  return new DirectDelivery({client: deps.client, timeoutMs: () => deps.config().requestTimeoutSeconds * 1000, log: deps.api, track: deps.track});
}

/**
 * The durable queue (server/delivery): deliveries survive restarts and node
 * failures, are retried up to the hook's max_attempts, signed and logged, and
 * hooks whose endpoints are gone get switched off. Replies of 2xx answers become
 * posts on whichever node finished the delivery.
 */
export function durableDelivery(deps: DeliveryDeps): DeliveryService {
  const {api, client, config, store, service} = deps;
  return createDurableDeliveryService<OutgoingHook, Post>({
    api,
    nodeId: newId(),
    send: async (req) => {
      const started = Date.now();
      const res = await client.request(req.url, {method: req.method, headers: req.headers, body: req.body, timeoutMs: req.timeoutMs});
      return {status: res.status, headers: res.headers, body: res.body, latencyMs: Date.now() - started};
    },
    onResponse: async (job, result) => {
      try {
        await applyOutgoingResponse({api, settings: config(), hook: job.hook, post: job.post, channelId: job.post.ChannelId ?? ''}, result.body);
      } catch (err) {
        api.logError('Failed to create the response post of an outgoing webhook', {hook_id: job.hook.id, url: job.url, error: describeResponseFailure(err)});
      }
    },
    onDisable: async (hookId, reason) => {
      await service.setOutgoingEnabled(hookId, false, reason);
    },
    getHook: (hookId) => store.getOutgoing(hookId),
    options: {timeoutMs: () => config().requestTimeoutSeconds * 1000, log: {watchers: deps.watchers}, busy: deps.dispatching},
  });
}

export interface HookbridgeOptions {
  /** The delivery engine; the durable queue unless told otherwise (directDelivery is Mattermost's). */
  delivery?: (deps: DeliveryDeps) => DeliveryService;
  /** The incoming pre-check (signatures, IP allow-list, rate limit). */
  checkIncoming?: IncomingGuard;
  resolver?: Resolver;
  /** How callbacks reach their servers (tests watch connections with it). */
  transport?: Transport;
  ownAddresses?: () => readonly string[];
  sync?: SyncOptions;
  /** Starts the periodic index checks on activation (off in most tests). */
  backgroundSync?: boolean;
}

export class HookbridgePlugin implements PluginHooks {
  private api!: PluginAPI;
  private readonly config = new ConfigHolder();
  private readonly inflight = new SlotSet<Promise<unknown>>();
  private guardFor: {config: PluginConfig; guard: SsrfGuard} | null = null;
  /** The first read of every outgoing hook after activation, until it settles. */
  private loading: Promise<void> | null = null;
  private loadRetry: NodeJS.Timeout | null = null;
  private active = false;
  private parts: {
    store: HookStore;
    index: TriggerIndex;
    sync: IndexSync;
    dispatcher: OutgoingDispatcher;
    http: HttpApi;
    delivery: DeliveryService;
    watchers: DeliveryWatchers;
  } | null = null;

  constructor(private readonly options: HookbridgeOptions = {}) {}

  setAPI(api: PluginAPI): void {
    this.api = api;
    this.parts = null;
  }

  /** The wired components; built on first use so every hook works right after setAPI. */
  private get wired() {
    if (this.parts) return this.parts;
    const api = this.api;
    const store = new HookStore(api);
    // Webhook posts get their attachments checked and their buttons routed through Hookbridge.
    let settings: {base: PluginConfig; full: PluginConfig & PostSettings} | null = null;
    const config = (): PluginConfig & PostSettings => {
      const base = this.config.get();
      if (settings?.base !== base) settings = {base, full: {...base, prepareAttachments: (a, hookId) => interactive.prepareAttachments(a, hookId), offerDialog: (offer) => interactive.offerDialog(offer)}};
      return settings.full;
    };
    const runner = new RegexRunner({onTimeout: (id) => api.logWarn('A regex trigger ran out of time and was skipped for this post', {hook_id: id})});
    const index = new TriggerIndex(runner, {load: (id) => store.getOutgoing(id)});
    // Deliveries keep copies of hooks: a change from any node reaches them at once.
    let delivery: DeliveryService | null = null;
    const sync = new IndexSync(api, store, index, {...this.options.sync, onOutgoingChange: (id) => delivery?.hookChanged?.(id)});
    const client = new HttpClient({guard: () => this.ssrfGuard(), ...(this.options.transport ? {transport: this.options.transport} : {})});
    const interactive = createInteractive({api, store, client, timeoutMs: () => this.config.get().requestTimeoutSeconds * 1000});
    const track = (work: Promise<unknown>): void => this.track(work);
    const watchers = new DeliveryWatchers({announce: (data) => api.publishPluginClusterEvent(WATCH_EVENT_ID, data, {sendType: 'reliable'})});
    // The delivery engine keeps per-hook state (log, failure streak) that follows the hook's life;
    // its copy of a changed hook went already, when the change reached the index (onOutgoingChange).
    const onOutgoingChanged = async (before: OutgoingHook | null, after: OutgoingHook | null): Promise<void> => {
      if (!after && before) {
        watchers.forgetHook(before.id);
        await delivery?.forgetHook?.(before.id);
      } else if (after?.enabled && before && !before.enabled) await delivery?.resetFailures?.(after.id);
    };
    const service = new HookService({api, store, index, sync, config, onOutgoingChanged, loading: () => this.loading});
    let dispatcher: OutgoingDispatcher | null = null;
    const dispatching = (): boolean => (dispatcher?.active ?? 0) > 0;
    delivery = (this.options.delivery ?? durableDelivery)({api, client, config, store, service, track, watchers, dispatching});
    const channels = new ChannelCache(api);
    dispatcher = new OutgoingDispatcher({api, config, index, channels, delivery: () => delivery!, loading: () => this.loading});
    // An incoming hook's channel and owner: read at most once a second per hook, however busy it is.
    const users = new LookupCache((id) => api.getUser(id), INCOMING_LOOKUP_MS);
    const recent: RecentLookups = {channel: (id) => channels.fresh(id, INCOMING_LOOKUP_MS), user: (id) => users.get(id)};
    const guard: IncomingGuard = this.options.checkIncoming ?? ((hook, req, body) => checkIncoming(hook, req, body, api));
    const indexStatus = (): IndexStatus => ({loaded: sync.rebuilds > 0, hooks: index.size});
    const http = new HttpApi({api, service, store, config, dispatcher, delivery: () => delivery!, watchers, guard, recent, indexStatus, pluginId: PLUGIN_ID, siteURL: () => api.getSiteURL().catch(() => ''), registerInteractive: (router) => interactive.register(router)});
    this.parts = {store, index, sync, dispatcher, http, delivery: delivery!, watchers};
    return this.parts;
  }

  /** The SSRF guard for the current settings (rebuilt when they change). */
  private ssrfGuard(): SsrfGuard {
    const config = this.config.get();
    if (this.guardFor?.config !== config) {
      const guard = new SsrfGuard({
        allowList: new AllowList(config.allowedInternalHosts),
        ...(this.options.resolver ? {resolver: this.options.resolver} : {}),
        ...(this.options.ownAddresses ? {ownAddresses: this.options.ownAddresses} : {}),
      });
      this.guardFor = {config, guard};
    }
    return this.guardFor.guard;
  }

  private track(work: Promise<unknown>): void {
    trackUntilSettled(
      this.inflight,
      work.catch((err: unknown) => this.api.logError('Background webhook work failed', {error: errorMessage(err)})),
    );
  }

  /** Resolves once no background work (matching, sends, replies) is left. */
  async idle(): Promise<void> {
    if (this.loading) await this.loading;
    while (this.inflight.size > 0) await Promise.allSettled(this.inflight.toArray());
    await this.wired.sync.settled();
  }

  get index(): TriggerIndex {
    return this.wired.index;
  }

  async onConfigurationChange(): Promise<void> {
    this.config.set(parseConfig(await this.api.loadPluginConfiguration()));
  }

  async onActivate(): Promise<void> {
    await this.onConfigurationChange();
    const {sync, delivery} = this.wired;
    this.active = true;
    // Activation does not wait for every outgoing hook to be read (with many
    // hooks on a busy database that takes seconds): the server routes no
    // request and no post to the plugin until OnActivate returns. Incoming
    // webhooks and the REST API need none of the hooks, and posts seen
    // meanwhile wait for the read (OutgoingDispatcher), so none is matched
    // against an empty index.
    const first = this.loadIndex(1);
    this.loading = first;
    void first.then(() => {
      if (this.loading === first) this.loading = null;
      // Started after the read, which it would otherwise slow down: on start the
      // queue lists every key of the plugin, looking for groups left unindexed.
      // Posts that waited for the read are dispatched after this.
      if (this.active) delivery.start?.();
    });
    if (this.options.backgroundSync !== false) sync.start();
  }

  /** Reads every outgoing hook into the index; never rejects: a failed read is logged and tried again later. */
  private async loadIndex(attempt: number): Promise<void> {
    const {sync, index} = this.wired;
    const started = Date.now();
    try {
      await sync.rebuild();
      this.api.logInfo('Hookbridge: outgoing webhooks loaded', {hooks: index.size, ms: Date.now() - started});
    } catch (err) {
      // A periodic full rebuild may have succeeded meanwhile, or the plugin is stopping.
      if (!this.active || sync.rebuilds > 0) return;
      const delayMs = Math.min(LOAD_RETRY_MAX_MS, 1000 * 2 ** (attempt - 1));
      this.api.logError('Hookbridge: could not read the outgoing webhooks; posts trigger none until they are read', {error: errorMessage(err), retry_in_seconds: delayMs / 1000});
      this.loadRetry = setTimeout(() => {
        this.loadRetry = null;
        if (this.active && sync.rebuilds === 0) void this.loadIndex(attempt + 1);
      }, delayMs);
      this.loadRetry.unref();
    }
  }

  async onDeactivate(): Promise<void> {
    this.active = false;
    if (this.loadRetry) clearTimeout(this.loadRetry);
    this.loadRetry = null;
    this.parts?.sync.stop();
    // Sends in flight get a moment to finish; the server kills the process soon after anyway.
    await Promise.all([this.parts?.delivery.stop?.(4000), Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5000).unref())])]);
  }

  async messageHasBeenPosted(_ctx: Context, post: Post): Promise<void> {
    // Never make the server wait: matching and sending happen in the background.
    this.track(this.wired.dispatcher.handle(post, 'posted'));
  }

  async messageHasBeenUpdated(_ctx: Context, newPost: Post, oldPost: Post): Promise<void> {
    // Pins, reactions and prop changes also update posts; only a changed message is an edit.
    if ((newPost.Message ?? '') === (oldPost.Message ?? '')) return;
    this.track(this.wired.dispatcher.handle(newPost, 'edited'));
  }

  async onPluginClusterEvent(_ctx: Context, event: PluginClusterEvent): Promise<void> {
    if (event.Id === CLUSTER_EVENT_ID) await this.wired.sync.remoteChange(event.Data);
    else if (event.Id === WATCH_EVENT_ID) this.wired.watchers.remote(event.Data);
  }

  async serveHTTP(ctx: Context, req: PluginRequest, res: PluginResponse): Promise<void> {
    await this.wired.http.serve(ctx, req, res);
  }
}
