// The sandbox host: an in-memory Mattermost persisted to a data folder, the
// plugin process under a supervisor speaking the real plugin protocol, and an
// HTTP server with the REST paths, the plugin route and the page.

import {existsSync, readFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {MemoryMattermost} from '../server/mattermost/memory.js';
import type {Post, WebsocketBroadcast} from '../server/mattermost/model.js';
import type {Service} from '../server/wire/netrpc/index.js';
import {apiService, reportMissing, type ApiHost, type LogLevel} from './host/api-service.js';
import {Supervisor, type PluginLog} from './host/supervisor.js';
import {TriggerIds} from './host/triggers.js';
import {apiRouter} from './http/api-v4.js';
import {CSRF_COOKIE, Sessions} from './http/auth.js';
import {EventHub, type Broadcast} from './http/events.js';
import {proxyToPlugin, type PluginGateway} from './http/plugin-proxy.js';
import {restDialog, restPost} from './http/rest.js';
import {sendFile} from './http/static.js';
import {HttpError, sendError} from './http/util.js';
import {seed} from './store/seed.js';
import {displayConfig, effectiveConfig, validateUpdate, type Manifest} from './store/settings.js';
import {Snapshots} from './store/snapshot.js';

export const SERVER_VERSION = '10.11.0';

export interface SandboxOptions {
  port: number;
  /** Interface to listen on; loopback only. */
  host?: string;
  dataDir: string;
  /** The plugin executable (what server.executables names in a bundle). */
  executable: string;
  manifest: Manifest;
  /** Directory the plugin sees as its bundle (GetBundlePath). */
  bundleDir: string;
  webappBundle: string | null;
  pageDir: string;
  healthCheckMs?: number;
  log?: (line: string) => void;
  /**
   * Write the store to `dataDir` (default true). Each write serialises the whole
   * store, so a host under sustained load (benchmarks) keeps it in memory only.
   */
  persist?: boolean;
  /** Wraps the plugin API served to each activation (to observe the plugin's calls). */
  wrapApi?: (api: Service) => Service;
}

const PAGE_BUNDLE_URL = '/static/sandbox/page.js';

function snakeBroadcast(b: WebsocketBroadcast | undefined): Broadcast {
  return {omit_users: b?.OmitUsers ?? null, user_id: b?.UserId ?? '', channel_id: b?.ChannelId ?? '', team_id: b?.TeamId ?? ''};
}

export class Sandbox {
  readonly mm = new MemoryMattermost({serverVersion: SERVER_VERSION, recordCalls: false});
  readonly snapshots: Snapshots;
  readonly sessions: Sessions;
  readonly events: EventHub;
  readonly triggers = new TriggerIds();
  readonly supervisor: Supervisor;
  private server: Server | null = null;
  private siteURL = '';
  private readonly log: (line: string) => void;
  private readonly pluginId: string;
  private readonly webappBundleURL: string | null;
  /**
   * MessageHasBeenPosted runs not yet answered, by post id. A dictionary object,
   * not a Map: it reuses the slots of deleted keys, where a Map with this much
   * turnover keeps rebuilding its table and the tables left in the old generation
   * keep finished runs (and their posts) alive through young collections.
   */
  private readonly postedRuns: Record<string, Promise<void>> = Object.create(null) as Record<string, Promise<void>>;

  constructor(private readonly options: SandboxOptions) {
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.pluginId = options.manifest.id;
    this.webappBundleURL = options.webappBundle ? `/static/plugins/${this.pluginId}/${this.pluginId}_bundle.js` : null;
    this.snapshots = new Snapshots(options.dataDir, this.mm, 250, (err) => this.note('error', 'store', `saving the snapshot failed: ${String(err)}`), options.persist ?? true);
    this.sessions = new Sessions(this.mm);
    this.events = new EventHub(this.mm);
    this.supervisor = new Supervisor({
      executable: options.executable,
      api: () => {
        const api = reportMissing(apiService(this.apiHost()), (method) => this.note('warn', 'api', `the plugin called Plugin.${method}, which the sandbox does not serve (it got "rpc: can't find method", as from an older server)`));
        return options.wrapApi ? options.wrapApi(api) : api;
      },
      ...(options.healthCheckMs !== undefined ? {healthCheckMs: options.healthCheckMs} : {}),
      onLog: (entry) => this.pluginLog(entry),
      onProblem: (message) => this.note('warn', 'supervisor', message),
    });
    this.supervisor.on('state', (state) => this.events.publish({event: 'plugin_statuses_changed', data: {plugin_id: this.pluginId, state, error: this.supervisor.lastError}, broadcast: {}}));
    this.wireStore();
  }

  private note(level: LogLevel, source: string, message: string, fields: Record<string, unknown> = {}): void {
    const time = new Date().toISOString().slice(11, 23);
    const extra = Object.entries(fields)
      .map(([k, v]) => ` ${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
      .join('');
    this.log(`${time} ${level.toUpperCase().padEnd(5)} [${source}] ${message}${extra}`);
  }

  private pluginLog(entry: PluginLog): void {
    const level: LogLevel = entry.level === 'error' ? 'error' : entry.level === 'warn' ? 'warn' : entry.level === 'info' ? 'info' : 'debug';
    this.note(level, `plugin ${this.pluginId}`, entry.message, entry.fields);
  }

  /** Resolves once the plugin has run MessageHasBeenPosted for the post (at once if it is not running it). */
  postedHookDone(postId: string): Promise<void> {
    return this.postedRuns[postId] ?? Promise.resolve();
  }

  private wireStore(): void {
    const {mm} = this;
    mm.onPostCreated = (post) => {
      const run = this.supervisor.hooks?.messageHasBeenPosted(post);
      if (run && post.Id) {
        const id = post.Id;
        this.postedRuns[id] = run;
        const forget = (): void => {
          delete this.postedRuns[id];
        };
        run.then(forget, forget);
      }
      this.publishPost('posted', post);
    };
    mm.onPostUpdated = (post, old) => {
      this.supervisor.hooks?.messageHasBeenUpdated(post, old);
      this.publishPost('post_edited', post);
    };
    mm.onEphemeral = (userId, post) => {
      this.events.publish({event: 'ephemeral_message', data: {post: JSON.stringify(restPost(post))}, broadcast: {user_id: userId, channel_id: ''}});
    };
    mm.onEvent = (e) => {
      this.events.publish({event: `custom_${this.pluginId}_${e.event}`, data: e.payload, broadcast: snakeBroadcast(e.broadcast)});
    };
  }

  private publishPost(event: 'posted' | 'post_edited' | 'post_deleted', post: Post): void {
    // Building the message serialises the post: skip it while no page is listening.
    if (this.events.size === 0) return;
    const channel = this.mm.channels.get(post.ChannelId ?? '');
    const sender = this.mm.users.get(post.UserId ?? '');
    const data: Record<string, unknown> = {post: JSON.stringify(restPost(post))};
    if (event === 'posted') {
      Object.assign(data, {channel_display_name: channel?.DisplayName ?? '', channel_name: channel?.Name ?? '', channel_type: channel?.Type ?? '', sender_name: sender ? `@${sender.Username}` : '', team_id: channel?.TeamId ?? '', set_online: true});
    }
    this.events.publish({event, data, broadcast: {channel_id: post.ChannelId ?? ''}});
  }

  private apiHost(): ApiHost {
    return {
      mm: this.mm,
      pluginId: this.pluginId,
      serverVersion: SERVER_VERSION,
      triggers: this.triggers,
      siteURL: () => this.siteURL,
      bundlePath: () => this.options.bundleDir,
      pluginConfig: () => effectiveConfig(this.options.manifest, this.mm.config),
      changed: () => this.snapshots.schedule(),
      log: (level, message, fields) => this.note(level, `plugin ${this.pluginId}`, message, fields),
      postDeleted: (post) => {
        this.supervisor.hooks?.messageHasBeenDeleted(post);
        this.publishPost('post_deleted', post);
      },
      ephemeralDeleted: (userId, postId) => this.events.publish({event: 'post_deleted', data: {post: JSON.stringify({id: postId})}, broadcast: {user_id: userId}}),
      dialogOpened: (userId, request) =>
        this.events.publish({event: `custom_${this.pluginId}_open_dialog`, data: {url: request.URL, dialog: restDialog(request.Dialog), trigger_id: request.TriggerId}, broadcast: {user_id: userId}}),
    };
  }

  private gatewayObject: PluginGateway | null = null;

  private gateway(): PluginGateway {
    return (this.gatewayObject ??= {
      pluginId: this.pluginId,
      ready: () => this.supervisor.ready(15_000),
      notRunningReason: () => this.supervisor.lastError,
    });
  }

  private async updateSettings(update: Record<string, unknown>): Promise<{warning?: string}> {
    const checked = validateUpdate(this.options.manifest, update);
    if ('error' in checked) throw new HttpError(400, 'api.plugin.config.invalid', checked.error);
    this.mm.config = {...this.mm.config, ...checked.values};
    this.snapshots.schedule();
    const hooks = this.supervisor.hooks;
    if (!hooks) return {warning: 'The plugin is not running; it will read the new settings when it starts.'};
    const failed = await hooks.onConfigurationChange();
    if (failed) {
      this.note('warn', `plugin ${this.pluginId}`, `OnConfigurationChange failed: ${failed}`);
      return {warning: `OnConfigurationChange failed: ${failed}`};
    }
    return {};
  }

  async start(): Promise<string> {
    const loaded = this.snapshots.load();
    if (!loaded) {
      seed(this.mm);
      this.snapshots.flush();
    }
    this.note('info', 'store', loaded ? `loaded ${this.snapshots.file}` : `seeded a new store in ${this.snapshots.file}`);

    const router = apiRouter({
      mm: this.mm,
      gateway: this.gateway(),
      triggers: this.triggers,
      siteURL: () => this.siteURL,
      changed: () => this.snapshots.schedule(),
      sessions: this.sessions,
      events: this.events,
      manifest: this.options.manifest,
      supervisor: this.supervisor,
      serverVersion: SERVER_VERSION,
      webappBundleURL: this.webappBundleURL,
      settings: () => displayConfig(this.options.manifest, this.mm.config),
      updateSettings: (values) => this.updateSettings(values),
    });
    this.server = createServer((req, res) => void this.handle(router, req, res));
    // Big uploads through ServeHTTP take as long as the plugin takes to read them.
    this.server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const {port} = this.server.address() as AddressInfo;
    this.siteURL = `http://localhost:${port}`;
    await this.supervisor.start();
    return this.siteURL;
  }

  private async handle(router: ReturnType<typeof apiRouter>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (url.pathname === `/plugins/${this.pluginId}` || url.pathname.startsWith(`/plugins/${this.pluginId}/`)) {
        await proxyToPlugin(this.gateway(), req, res, this.sessions.resolve(req), url);
        return;
      }
      if (url.pathname.startsWith('/api/v4/')) {
        const match = router.match(method, url.pathname);
        if (match === 'method') throw new HttpError(405, 'api.context.method_not_allowed', 'Method not allowed.');
        if (!match) throw new HttpError(404, 'api.context.404.app_error', 'Sorry, we could not find the page.', `path=${url.pathname}`);
        await match.handler(req, res, match.params, url);
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'api.context.method_not_allowed', 'Method not allowed.');
      this.serveStatic(req, res, url.pathname);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendError(res, err);
      else {
        this.note('error', 'http', `${method} ${url.pathname} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        sendError(res, new HttpError(500, 'app.sandbox.internal_error', 'An internal error occurred.', err instanceof Error ? err.message : String(err)));
      }
    }
  }

  private serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const page = this.options.pageDir;
    if (pathname === '/' || pathname === '/index.html' || pathname.startsWith('/sandbox/')) {
      // Like the server's login: the page gets the CSRF cookie the webapp's requests echo.
      sendFile(req, res, join(page, 'index.html'), {'Set-Cookie': `${CSRF_COOKIE}=${this.sessions.csrfToken}; Path=/; SameSite=Lax`});
    } else if (pathname === PAGE_BUNDLE_URL) sendFile(req, res, join(page, 'dist', 'page.js'));
    else if (pathname === '/static/sandbox/page.css') sendFile(req, res, join(page, 'style.css'));
    else if (this.webappBundleURL && pathname === this.webappBundleURL && this.options.webappBundle) sendFile(req, res, this.options.webappBundle);
    else throw new HttpError(404, 'api.context.404.app_error', 'Sorry, we could not find the page.', `path=${pathname}`);
  }

  /** OnDeactivate and Quit for the plugin, then the last snapshot. */
  async stop(): Promise<void> {
    this.events.close();
    const closed = this.server ? new Promise<void>((resolve) => this.server!.close(() => resolve())) : Promise.resolve();
    this.server?.closeIdleConnections();
    await this.supervisor.stop();
    this.snapshots.flush();
    this.server?.closeAllConnections();
    await closed;
  }
}

export function readManifest(path: string): Manifest {
  if (!existsSync(path)) throw new Error(`${path} not found`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (!m.id) throw new Error(`${path} has no id`);
  return {...m, id: m.id.toLowerCase()};
}
