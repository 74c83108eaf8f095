// The part of Mattermost's REST API (/api/v4) the page and the plugin's webapp
// use, with Mattermost's JSON shapes and error bodies. Creating or editing a post
// here runs the same path as on a server: store, MessageHasBeenPosted /
// MessageHasBeenUpdated in the background, then the posted / post_edited event.

import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Post, User} from '../../server/mattermost/model.js';
import {generateActionIds, validatePost} from '../host/posts.js';
import type {Supervisor} from '../host/supervisor.js';
import type {Manifest} from '../store/settings.js';
import type {Session, Sessions} from './auth.js';
import type {EventHub} from './events.js';
import {doPostAction, lookupDialog, submitDialog, type IntegrationDeps} from './integrations.js';
import {restChannel, restPost, restTeam, restUser} from './rest.js';
import {Router} from './router.js';
import {HttpError, readJSON, sendJSON} from './util.js';

export interface ApiDeps extends IntegrationDeps {
  sessions: Sessions;
  events: EventHub;
  manifest: Manifest;
  supervisor: Supervisor;
  serverVersion: string;
  /** URL of the webapp bundle, when there is one. */
  webappBundleURL: string | null;
  settings(): Record<string, unknown>;
  updateSettings(values: Record<string, unknown>): Promise<{warning?: string}>;
}

type Authed = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL, session: Session) => Promise<void> | void;

const unauthorized = (): HttpError => new HttpError(401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.');
const forbidden = (): HttpError => new HttpError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.');

function isAdmin(user: User): boolean {
  return (user.Roles ?? '').split(' ').includes('system_admin');
}

export function apiRouter(deps: ApiDeps): Router {
  const {mm} = deps;
  const router = new Router();

  const authed = (handler: Authed) => async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL): Promise<void> => {
    const session = deps.sessions.resolve(req);
    if (!session) throw unauthorized();
    if (!session.csrfOK) throw new HttpError(401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.', 'token=… Appears to be a CSRF attempt');
    await handler(req, res, params, url, session);
  };
  const admin = (handler: Authed): ReturnType<typeof authed> =>
    authed((req, res, params, url, session) => {
      if (!isAdmin(session.user)) throw forbidden();
      return handler(req, res, params, url, session);
    });

  const canRead = (userId: string, channelId: string): Promise<boolean> => mm.hasPermissionToChannel(userId, channelId, 'read_channel');
  const postOr404 = (id: string): Post => {
    const p = mm.posts.get(id);
    if (!p || p.DeleteAt) throw new HttpError(404, 'app.post.get.app_error', 'Unable to get post.', `id=${id}`);
    return p;
  };

  router.add('GET', '/api/v4/system/ping', (_req, res) => sendJSON(res, 200, {status: 'OK', ActiveSearchBackend: 'database'}));

  router.add('GET', '/api/v4/config/client', (_req, res) =>
    sendJSON(res, 200, {SiteURL: deps.siteURL(), Version: deps.serverVersion, BuildNumber: 'sandbox', SiteName: 'Hookbridge sandbox', EnableIncomingWebhooks: 'true', EnableOutgoingWebhooks: 'true', ExperimentalStrictCSRFEnforcement: 'false'}),
  );

  router.add('GET', '/api/v4/users/me', authed((_req, res, _p, _u, s) => sendJSON(res, 200, restUser(s.user))));
  router.add('GET', '/api/v4/users', authed((_req, res) => sendJSON(res, 200, [...mm.users.values()].filter((u) => !u.DeleteAt).map(restUser))));
  router.add(
    'GET',
    '/api/v4/users/:id',
    authed((_req, res, p) => {
      const u = mm.users.get(p.id!);
      if (!u) throw new HttpError(404, 'app.user.missing_account.const', 'Unable to find the user.', `user_id=${p.id}`);
      sendJSON(res, 200, restUser(u));
    }),
  );

  router.add(
    'GET',
    '/api/v4/teams',
    authed((_req, res, _p, _u, s) => {
      const teams = [...mm.teams.values()].filter((t) => !t.DeleteAt && (isAdmin(s.user) || mm.teamMembers.get(t.Id)?.has(s.user.Id)));
      sendJSON(res, 200, teams.map(restTeam));
    }),
  );
  router.add(
    'GET',
    '/api/v4/teams/:id/channels',
    authed(async (_req, res, p, _u, s) => {
      if (!mm.teams.has(p.id!)) throw new HttpError(404, 'app.team.get.find.app_error', 'Unable to find the existing team.', `id=${p.id}`);
      const out = [];
      for (const c of mm.channels.values()) {
        if (c.TeamId === p.id && !c.DeleteAt && (await canRead(s.user.Id, c.Id))) out.push(restChannel(c));
      }
      sendJSON(res, 200, out);
    }),
  );
  router.add(
    'GET',
    '/api/v4/channels/:id',
    authed(async (_req, res, p, _u, s) => {
      const c = mm.channels.get(p.id!);
      if (!c) throw new HttpError(404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.', `channel_id=${p.id}`);
      if (!(await canRead(s.user.Id, c.Id))) throw forbidden();
      sendJSON(res, 200, restChannel(c));
    }),
  );
  router.add(
    'GET',
    '/api/v4/channels/:id/posts',
    authed(async (_req, res, p, url, s) => {
      const c = mm.channels.get(p.id!);
      if (!c) throw new HttpError(404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.', `channel_id=${p.id}`);
      if (!(await canRead(s.user.Id, c.Id))) throw forbidden();
      const page = Math.max(0, Number(url.searchParams.get('page') ?? 0) || 0);
      const perPage = Math.min(200, Math.max(1, Number(url.searchParams.get('per_page') ?? 60) || 60));
      const all = [...mm.posts.values()].filter((x) => x.ChannelId === c.Id && !x.DeleteAt).sort((a, b) => Number(b.CreateAt ?? 0) - Number(a.CreateAt ?? 0));
      const slice = all.slice(page * perPage, (page + 1) * perPage);
      sendJSON(res, 200, {order: slice.map((x) => x.Id), posts: Object.fromEntries(slice.map((x) => [x.Id, restPost(x)])), next_post_id: '', prev_post_id: '', has_next: all.length > (page + 1) * perPage});
    }),
  );

  router.add(
    'POST',
    '/api/v4/posts',
    authed(async (req, res, _p, _u, s) => {
      const body = await readJSON(req);
      const channelId = typeof body.channel_id === 'string' ? body.channel_id : '';
      if (!mm.channels.has(channelId)) throw new HttpError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing channel_id in request body.');
      if (!(await mm.hasPermissionToChannel(s.user.Id, channelId, 'create_post'))) throw forbidden();
      const post: Post = {
        ChannelId: channelId,
        UserId: s.user.Id,
        Message: typeof body.message === 'string' ? body.message : '',
        RootId: typeof body.root_id === 'string' ? body.root_id : '',
        Type: typeof body.type === 'string' ? body.type : '',
        Props: body.props && typeof body.props === 'object' && !Array.isArray(body.props) ? (body.props as Record<string, unknown>) : {},
        FileIds: Array.isArray(body.file_ids) ? body.file_ids.map(String) : [],
        PendingPostId: typeof body.pending_post_id === 'string' ? body.pending_post_id : '',
      };
      const invalid = validatePost(post);
      if (invalid) throw new HttpError(invalid.StatusCode, invalid.Id, invalid.Message, invalid.DetailedError);
      if (post.RootId) postOr404(post.RootId);
      generateActionIds(post);
      const created = await mm.createPost(post);
      deps.changed();
      sendJSON(res, 201, restPost(created));
    }),
  );
  router.add('GET', '/api/v4/posts/:id', authed(async (_req, res, p, _u, s) => {
    const post = postOr404(p.id!);
    if (!(await canRead(s.user.Id, post.ChannelId ?? ''))) throw forbidden();
    sendJSON(res, 200, restPost(post));
  }));
  router.add(
    'PUT',
    '/api/v4/posts/:id/patch',
    authed(async (req, res, p, _u, s) => {
      const post = postOr404(p.id!);
      if (post.UserId !== s.user.Id && !isAdmin(s.user)) throw forbidden();
      const body = await readJSON(req);
      const next: Post = structuredClone(post);
      if (typeof body.message === 'string') next.Message = body.message;
      if (body.props && typeof body.props === 'object' && !Array.isArray(body.props)) next.Props = body.props as Record<string, unknown>;
      if (typeof body.is_pinned === 'boolean') next.IsPinned = body.is_pinned;
      if (Array.isArray(body.file_ids)) next.FileIds = body.file_ids.map(String);
      const invalid = validatePost(next);
      if (invalid) throw new HttpError(invalid.StatusCode, invalid.Id, invalid.Message, invalid.DetailedError);
      generateActionIds(next);
      const updated = await mm.updatePost(next);
      deps.changed();
      sendJSON(res, 200, restPost(updated));
    }),
  );
  router.add(
    'POST',
    '/api/v4/posts/:id/actions/:action',
    authed(async (req, res, p, _u, s) => {
      const body = await readJSON(req);
      const selected = typeof body.selected_option === 'string' ? body.selected_option : '';
      sendJSON(res, 200, await doPostAction(deps, s.user, p.id!, p.action!, selected));
    }),
  );
  router.add('POST', '/api/v4/actions/dialogs/submit', authed(async (req, res, _p, _u, s) => sendJSON(res, 200, await submitDialog(deps, s.user, await readJSON(req)))));
  router.add('POST', '/api/v4/actions/dialogs/lookup', authed(async (req, res, _p, _u, s) => sendJSON(res, 200, await lookupDialog(deps, s.user, await readJSON(req)))));

  const pluginId = deps.manifest.id;
  const status = (): Record<string, unknown> => ({
    plugin_id: pluginId,
    cluster_id: 'sandbox',
    plugin_path: '',
    state: deps.supervisor.state,
    error: deps.supervisor.lastError,
    name: deps.manifest.name ?? pluginId,
    description: deps.manifest.description ?? '',
    version: deps.manifest.version ?? '',
    pid: deps.supervisor.pid,
    hooks: deps.supervisor.hooks?.hookNames ?? [],
  });
  router.add('GET', '/api/v4/plugins/webapp', (_req, res) =>
    sendJSON(res, 200, deps.webappBundleURL ? [{id: pluginId, version: deps.manifest.version ?? '', webapp: {bundle_path: deps.webappBundleURL}}] : []),
  );
  router.add('GET', '/api/v4/plugins', admin((_req, res) => sendJSON(res, 200, {active: [deps.manifest], inactive: []})));
  router.add('GET', '/api/v4/plugins/statuses', admin((_req, res) => sendJSON(res, 200, [status()])));
  router.add(
    'POST',
    `/api/v4/plugins/${pluginId}/restart`,
    admin(async (_req, res) => {
      await deps.supervisor.restart();
      sendJSON(res, 200, {status: 'OK', ...status()});
    }),
  );
  router.add('GET', `/api/v4/plugins/${pluginId}/config`, admin((_req, res) => sendJSON(res, 200, deps.settings())));
  router.add(
    'PUT',
    `/api/v4/plugins/${pluginId}/config`,
    admin(async (req, res) => {
      const {warning} = await deps.updateSettings(await readJSON(req));
      sendJSON(res, 200, warning ? {...deps.settings(), _warning: warning} : deps.settings());
    }),
  );

  router.add('GET', '/api/v4/events', authed((req, res, _p, _u, s) => {
    req.socket.setTimeout(0);
    deps.events.attach(s.user.Id, res);
  }));

  return router;
}
