// REST routes for managing hooks (/api/v1/hooks/…, /api/v1/me, /api/v1/status), with the
// permission rules of Mattermost's api4/webhook.go. JSON field names are those
// of Mattermost's own REST API; the webapp's client.ts is the contract.

import type {PluginConfig} from '../config.js';
import type {PluginAPI} from '../mattermost/api.js';
import {AppError} from '../mattermost/api.js';
import type {Channel} from '../mattermost/model.js';
import {HookError} from '../webhooks/errors.js';
import {isValidId} from '../webhooks/ids.js';
import {InputReader} from '../webhooks/input.js';
import {incomingView, outgoingView, type HookKind, type IncomingHook} from '../webhooks/model.js';
import type {HookService} from '../webhooks/service.js';
import type {ListFilter} from '../webhooks/store.js';
import {readIncomingInput, readOutgoingInput} from '../webhooks/validation.js';
import {BYPASS_LOCK, OTHERS, OWN, type Permissions} from './permissions.js';
import {paging, readJSON, sendJSON, sendOK} from './respond.js';
import type {RouteContext, Router} from './router.js';

/** This node's trigger index: whether every outgoing hook has been read into it since activation. */
export interface IndexStatus {
  loaded: boolean;
  hooks: number;
}

export interface HooksApiDeps {
  api: PluginAPI;
  service: HookService;
  perms: Permissions;
  config: () => PluginConfig;
  siteURL: () => Promise<string>;
  pluginId: string;
  indexStatus: () => IndexStatus;
}

/** The body's id must name the hook of the path, as Mattermost requires on PUT. */
function checkBodyId(r: InputReader, id: string): void {
  if (r.string('id') !== id) throw HookError.badRequest('api.context.invalid_param.app_error', 'The id in the body must be the id of the hook in the URL.', 'id');
}

async function channelOrNull(api: PluginAPI, id: string): Promise<Channel | null> {
  try {
    return await api.getChannel(id);
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 404) return null;
    throw err;
  }
}

export function registerHooksApi(router: Router, deps: HooksApiDeps): void {
  const {api, service, perms} = deps;
  const incomingOut = async (hook: IncomingHook) => incomingView(hook, await deps.siteURL(), deps.pluginId);

  /** Which creator a list is narrowed to: none with manage_others, else the caller. */
  const listScope = async (kind: HookKind, userId: string, scope: {teamId?: string; channelId?: string}): Promise<ListFilter> => {
    const check = (perm: Parameters<Permissions['system']>[1]) =>
      scope.channelId ? perms.channel(userId, scope.channelId, perm) : scope.teamId ? perms.team(userId, scope.teamId, perm) : perms.system(userId, perm);
    if (!(await check(OWN[kind]))) throw HookError.permission(userId, OWN[kind]);
    const filter: ListFilter = {...scope};
    if (!(await check(OTHERS[kind]))) filter.creatorId = userId;
    return filter;
  };

  // --- outgoing ---

  router.get('/api/v1/hooks/outgoing', async ({req, res}) => {
    const {page, perPage} = paging(req.query);
    const channelId = req.query.get('channel_id') ?? '';
    const teamId = req.query.get('team_id') ?? '';
    if (channelId && !isValidId(channelId)) throw HookError.badRequest('api.context.invalid_url_param.app_error', 'channel_id is not a valid id.', 'channel_id');
    if (teamId && !isValidId(teamId)) throw HookError.badRequest('api.context.invalid_url_param.app_error', 'team_id is not a valid id.', 'team_id');
    const scope: {teamId?: string; channelId?: string} = {};
    if (channelId) scope.channelId = channelId;
    if (teamId) scope.teamId = teamId;
    const filter = await listScope('outgoing', req.userId, scope);
    const hooks = await service.listOutgoing(filter, page, perPage);
    await sendJSON(res, 200, hooks.map(outgoingView));
  });

  router.post('/api/v1/hooks/outgoing', async ({req, res}) => {
    const r = InputReader.fromBody(await readJSON(req));
    const input = readOutgoingInput(r, null);
    if (!isValidId(input.team_id)) throw HookError.badRequest('model.outgoing_hook.team_id.app_error', 'Choose a team.', 'team_id');
    await perms.requireTeam(req.userId, input.team_id, OWN.outgoing);
    let creatorId = req.userId;
    const requested = r.string('creator_id');
    if (requested) {
      // Naming a creator at all is managing for others, as in Mattermost.
      await perms.requireTeam(req.userId, input.team_id, OTHERS.outgoing);
      try {
        creatorId = (await api.getUser(requested)).Id;
      } catch (err) {
        if (err instanceof AppError && err.statusCode === 404) throw new HookError(404, 'app.user.missing_account.const', 'The creator does not exist.', 'creator_id');
        throw err;
      }
    }
    const hook = await service.createOutgoing(input, creatorId, req.userId);
    await sendJSON(res, 201, outgoingView(hook));
  });

  const outgoingFor = async ({req, params}: RouteContext) => {
    const hook = await service.getOutgoing(params.id!);
    await perms.requireOutgoing(req.userId, hook);
    return hook;
  };

  router.get('/api/v1/hooks/outgoing/{id}', async (c) => {
    await sendJSON(c.res, 200, outgoingView(await outgoingFor(c)));
  });

  router.put('/api/v1/hooks/outgoing/{id}', async (c) => {
    const r = InputReader.fromBody(await readJSON(c.req));
    checkBodyId(r, c.params.id!);
    const old = await outgoingFor(c);
    const hook = await service.updateOutgoing(old, readOutgoingInput(r, old), c.req.userId);
    await sendJSON(c.res, 200, outgoingView(hook));
  });

  router.delete('/api/v1/hooks/outgoing/{id}', async (c) => {
    const hook = await outgoingFor(c);
    await service.deleteOutgoing(hook.id, c.req.userId);
    await sendOK(c.res);
  });

  router.post('/api/v1/hooks/outgoing/{id}/regen_token', async (c) => {
    const hook = await outgoingFor(c);
    await sendJSON(c.res, 200, outgoingView(await service.regenOutgoingToken(hook.id, c.req.userId)));
  });

  router.post('/api/v1/hooks/outgoing/{id}/regen_secret', async (c) => {
    const hook = await outgoingFor(c);
    await sendJSON(c.res, 200, outgoingView(await service.rotateOutgoingSecret(hook.id, c.req.userId)));
  });

  // --- incoming ---

  router.get('/api/v1/hooks/incoming', async ({req, res}) => {
    const {page, perPage} = paging(req.query);
    const teamId = req.query.get('team_id') ?? '';
    if (teamId && !isValidId(teamId)) throw HookError.badRequest('api.context.invalid_url_param.app_error', 'team_id is not a valid id.', 'team_id');
    const filter = await listScope('incoming', req.userId, teamId ? {teamId} : {});
    const hooks = await service.listIncoming(filter, page, perPage);
    await sendJSON(res, 200, await Promise.all(hooks.map(incomingOut)));
  });

  /** The target channel of a create or update, with the permissions it takes to use it. */
  const targetChannel = async (userId: string, channelId: string): Promise<{channel: Channel; mayUnlock: boolean}> => {
    if (!isValidId(channelId)) throw HookError.badRequest('model.incoming_hook.channel_id.app_error', 'Choose a channel.', 'channel_id');
    const channel = await service.incomingChannel(channelId);
    await perms.requireTeam(userId, channel.TeamId!, OWN.incoming);
    await perms.requireChannelRead(userId, channel);
    return {channel, mayUnlock: await perms.channel(userId, channel.Id, BYPASS_LOCK)};
  };

  router.post('/api/v1/hooks/incoming', async ({req, res}) => {
    const r = InputReader.fromBody(await readJSON(req));
    const input = readIncomingInput(r, null);
    const {channel, mayUnlock} = await targetChannel(req.userId, input.channel_id);
    let ownerId = req.userId;
    const requested = r.string('user_id');
    if (requested && requested !== req.userId) {
      await perms.requireTeam(req.userId, channel.TeamId!, OTHERS.incoming);
      try {
        ownerId = (await api.getUser(requested)).Id;
      } catch (err) {
        if (err instanceof AppError && err.statusCode === 404) throw new HookError(404, 'app.user.missing_account.const', 'The owner does not exist.', 'user_id');
        throw err;
      }
    }
    // Without the bypass permission a hook is always locked to its channel.
    const hook = await service.createIncoming({...input, channel_locked: mayUnlock ? input.channel_locked : true}, ownerId, channel, req.userId);
    await sendJSON(res, 201, await incomingOut(hook));
  });

  const incomingFor = async ({req, params}: RouteContext) => {
    const hook = await service.getIncoming(params.id!);
    await perms.requireIncoming(req.userId, hook, await channelOrNull(api, hook.channel_id));
    return hook;
  };

  router.get('/api/v1/hooks/incoming/{id}', async (c) => {
    await sendJSON(c.res, 200, await incomingOut(await incomingFor(c)));
  });

  router.put('/api/v1/hooks/incoming/{id}', async (c) => {
    const r = InputReader.fromBody(await readJSON(c.req));
    checkBodyId(r, c.params.id!);
    const old = await incomingFor(c);
    const input = readIncomingInput(r, old);
    const {channel, mayUnlock} = await targetChannel(c.req.userId, input.channel_id);
    const hook = await service.updateIncoming(old, {...input, channel_locked: mayUnlock ? input.channel_locked : true}, channel, c.req.userId);
    await sendJSON(c.res, 200, await incomingOut(hook));
  });

  router.delete('/api/v1/hooks/incoming/{id}', async (c) => {
    const hook = await incomingFor(c);
    await service.deleteIncoming(hook.id, c.req.userId);
    await sendOK(c.res);
  });

  router.post('/api/v1/hooks/incoming/{id}/regen_secret', async (c) => {
    const hook = await incomingFor(c);
    await sendJSON(c.res, 200, await incomingOut(await service.regenIncomingSecret(hook.id, c.req.userId)));
  });

  // --- the plugin's own state, for system admins ---

  router.get('/api/v1/status', async ({req, res}) => {
    await perms.requireSystem(req.userId, 'manage_system');
    const index = deps.indexStatus();
    await sendJSON(res, 200, {outgoing_index: {loaded: index.loaded, hooks: index.hooks}});
  });

  // --- what the caller may do ---

  router.get('/api/v1/me', async ({req, res}) => {
    const userId = req.userId;
    const teamId = req.query.get('team_id') ?? '';
    if (teamId && !isValidId(teamId)) throw HookError.badRequest('api.context.invalid_url_param.app_error', 'team_id is not a valid id.', 'team_id');
    const may = async (kind: HookKind, which: typeof OWN): Promise<boolean> => {
      if (await perms.system(userId, which[kind])) return true;
      if (teamId) return perms.team(userId, teamId, which[kind]);
      return false;
    };
    const isAdmin = await perms.system(userId, 'manage_system');
    const user = await api.getUser(userId);
    // Without a team the answer is a hint for the UI: team roles usually grant the
    // own-hook permissions, so only guests are told no; every action is checked anyway.
    const guest = (user.Roles ?? '').split(' ').includes('system_guest');
    const hint = (granted: boolean): boolean => granted || (!teamId && !guest);
    const config = deps.config();
    await sendJSON(res, 200, {
      user_id: userId,
      is_admin: isAdmin,
      can_manage_incoming: config.enableIncoming && hint(await may('incoming', OWN)),
      can_manage_outgoing: config.enableOutgoing && hint(await may('outgoing', OWN)),
      can_manage_others: (await may('incoming', OTHERS)) || (await may('outgoing', OTHERS)),
    });
  });
}
