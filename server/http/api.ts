// The plugin's HTTP surface behind ServeHTTP. Paths arrive with /plugins/<id>
// already stripped. /hooks/{id} is public (the incoming webhook URL); everything
// under /api/v1 requires the Mattermost-User-Id header, which the server sets
// only for authenticated sessions (and strips when a client sends it).

import type {PluginAPI} from '../mattermost/api.js';
import type {PluginRequest, PluginResponse} from '../mattermost/http.js';
import type {Context} from '../mattermost/model.js';
import {HookError} from '../webhooks/errors.js';
import {registerDeliveriesApi, type DeliveriesApiDeps} from './deliveries-api.js';
import {registerHooksApi, type HooksApiDeps} from './hooks-api.js';
import {registerIncomingEndpoint, type IncomingEndpointDeps} from './incoming-endpoint.js';
import {Permissions} from './permissions.js';
import {errorBody, sendError} from './respond.js';
import {Router, type Handler} from './router.js';

export type {IndexStatus} from './hooks-api.js';

export type ApiDeps = Omit<HooksApiDeps, 'perms'> & Omit<DeliveriesApiDeps, 'perms'> & Omit<IncomingEndpointDeps, 'api'> & {
  api: PluginAPI;
  /** Routes for interactive messages (clicks, dialog submissions, lookups). */
  registerInteractive?: (router: Router) => void;
};

const PRIVATE_PREFIX = '/api/v1/';

function unauthorized(): HookError {
  return new HookError(401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.');
}

/** Wraps private routes: no Mattermost-User-Id, no access. */
class PrivateRouter extends Router {
  override add(method: string, pattern: string, handler: Handler): this {
    return super.add(method, pattern, async (c) => {
      if (!c.req.userId) throw unauthorized();
      await handler(c);
    });
  }
}

export class HttpApi {
  private readonly publicRoutes = new Router();
  private readonly privateRoutes = new PrivateRouter();

  constructor(private readonly deps: ApiDeps) {
    const perms = new Permissions(deps.api);
    registerIncomingEndpoint(this.publicRoutes, deps);
    deps.registerInteractive?.(this.publicRoutes);
    registerHooksApi(this.privateRoutes, {...deps, perms});
    registerDeliveriesApi(this.privateRoutes, {...deps, perms});
  }

  async serve(ctx: Context, req: PluginRequest, res: PluginResponse): Promise<void> {
    try {
      const isPrivate = req.path.startsWith(PRIVATE_PREFIX) || req.path === '/api/v1';
      // Unknown private paths answer 401 too, so anonymous callers learn nothing about the API.
      if (isPrivate && !req.userId) throw unauthorized();
      const miss = await (isPrivate ? this.privateRoutes : this.publicRoutes).dispatch(ctx, req, res);
      if (miss?.kind === 'method') {
        res.setHeader('Allow', miss.allow.join(', '));
        throw new HookError(405, 'api.context.method_not_allowed.app_error', `${req.method} is not allowed here; use ${miss.allow.join(' or ')}.`);
      }
      if (miss) throw HookError.notFound('api.no_route', `No such route: ${req.method} ${req.path}`);
    } catch (err) {
      if (errorBody(err).status_code >= 500) this.deps.api.logError('Request failed', {method: req.method, path: req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err)});
      if (!res.headersSent) await sendError(res, err);
      else await res.end();
    }
  }
}
