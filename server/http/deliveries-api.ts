// REST routes served by the delivery engine: the delivery log, replay, hourly
// statistics and test events. Access follows the hook a delivery belongs to.

import {DeliveryLogUnavailableError, type DeliveryService} from '../webhooks/delivery.js';
import {HookError} from '../webhooks/errors.js';
import type {DeliveryWatchers} from '../delivery/watchers.js';
import type {OutgoingDispatcher} from '../webhooks/outgoing.js';
import type {OutgoingHook} from '../webhooks/model.js';
import type {HookService} from '../webhooks/service.js';
import type {Permissions} from './permissions.js';
import {paging, sendJSON, sendOK} from './respond.js';
import type {Router} from './router.js';

export interface DeliveriesApiDeps {
  service: HookService;
  perms: Permissions;
  delivery: () => DeliveryService;
  dispatcher: OutgoingDispatcher;
  watchers: DeliveryWatchers;
}

/** A log-less delivery service answers 501: the feature exists but is not switched on. */
async function logged<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DeliveryLogUnavailableError) throw new HookError(501, 'hookbridge.deliveries.unavailable', err.message);
    throw err;
  }
}

export function registerDeliveriesApi(router: Router, deps: DeliveriesApiDeps): void {
  const {service, perms} = deps;

  const hookFor = async (userId: string, id: string): Promise<OutgoingHook> => {
    const hook = await service.getOutgoing(id);
    await perms.requireOutgoing(userId, hook);
    return hook;
  };

  const deliveryFor = async (userId: string, id: string) => {
    const delivery = await logged(() => deps.delivery().get(id));
    if (!delivery) throw HookError.notFound('hookbridge.deliveries.not_found', 'The delivery does not exist.');
    // A delivery is visible to whoever may manage its hook; an unknown hook hides it like a missing one.
    try {
      await hookFor(userId, delivery.hook_id);
    } catch (err) {
      if (err instanceof HookError && err.status === 404) throw HookError.notFound('hookbridge.deliveries.not_found', 'The delivery does not exist.');
      throw err;
    }
    return delivery;
  };

  router.post('/api/v1/hooks/outgoing/{id}/test', async ({req, res, params}) => {
    const hook = await hookFor(req.userId, params.id!);
    const ids = await deps.dispatcher.test(hook, req.userId);
    await sendJSON(res, 200, {delivery_id: ids[0] ?? ''});
  });

  router.get('/api/v1/hooks/outgoing/{id}/deliveries', async ({req, res, params}) => {
    const hook = await hookFor(req.userId, params.id!);
    const {page, perPage} = paging(req.query);
    await sendJSON(res, 200, await logged(() => deps.delivery().list(hook.id, page, perPage)));
  });

  // Live updates of a hook's deliveries go to the users watching its log (delivery/watchers.ts).
  router.post('/api/v1/hooks/outgoing/{id}/deliveries/watch', async ({req, res, params}) => {
    const hook = await hookFor(req.userId, params.id!);
    const ttlMs = await deps.watchers.watch(hook.id, req.userId);
    await sendJSON(res, 200, {watch_seconds: ttlMs / 1000});
  });

  router.delete('/api/v1/hooks/outgoing/{id}/deliveries/watch', async ({req, res, params}) => {
    const hook = await hookFor(req.userId, params.id!);
    await deps.watchers.unwatch(hook.id, req.userId);
    await sendOK(res);
  });

  router.get('/api/v1/hooks/outgoing/{id}/stats', async ({req, res, params}) => {
    const hook = await hookFor(req.userId, params.id!);
    await sendJSON(res, 200, await logged(() => deps.delivery().stats(hook.id)));
  });

  router.get('/api/v1/deliveries/{id}', async ({req, res, params}) => {
    await sendJSON(res, 200, await deliveryFor(req.userId, params.id!));
  });

  router.post('/api/v1/deliveries/{id}/replay', async ({req, res, params}) => {
    const delivery = await deliveryFor(req.userId, params.id!);
    await sendJSON(res, 200, {delivery_id: await logged(() => deps.delivery().replay(delivery.id))});
  });
}
