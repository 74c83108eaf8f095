import type {Dispatch, UnknownAction} from 'redux';

import {ActionTypes} from './action_types';
import type {PluginAction} from './action_types';
import * as Client from './client';
import {ClientError} from './client';
import type {
    Delivery,
    HostState,
    IncomingHook,
    IncomingHookInput,
    OpenDialogPayload,
    OutgoingHook,
    OutgoingHookInput,
} from './types';

export type GetState = () => HostState;
export type Thunk<R> = (dispatch: AppDispatch, getState: GetState) => Promise<R>;

/** The host store runs redux-thunk, so it accepts both plain actions and thunks. */
export type AppDispatch = Dispatch<UnknownAction> & (<R>(thunk: Thunk<R>) => Promise<R>);

export type ActionResult<T> = {data: T; error?: undefined} | {data?: undefined; error: ClientError};

// Hook lists are paged server-side; walking pages keeps the UI simple for
// the hundreds of hooks a team realistically has, with a hard stop as a guard.
const LIST_PAGE_SIZE = 200;
const LIST_MAX_PAGES = 20;

function toClientError(err: unknown): ClientError {
    if (err instanceof ClientError) {
        return err;
    }
    const message = err instanceof Error ? err.message : String(err);
    return new ClientError('', {message}, 0);
}

function plain(action: PluginAction): UnknownAction {
    return action as unknown as UnknownAction;
}

async function run<T>(call: () => Promise<T>, onSuccess?: (data: T) => void): Promise<ActionResult<T>> {
    try {
        const data = await call();
        onSuccess?.(data);
        return {data};
    } catch (err) {
        return {error: toClientError(err)};
    }
}

export function openManager(channelId: string | null = null): UnknownAction {
    return plain({type: ActionTypes.OPEN_MANAGER, channelId});
}

export function closeManager(): UnknownAction {
    return plain({type: ActionTypes.CLOSE_MANAGER});
}

export function openDialog(data: OpenDialogPayload): UnknownAction {
    return plain({type: ActionTypes.OPEN_DIALOG, data});
}

export function closeDialog(): UnknownAction {
    return plain({type: ActionTypes.CLOSE_DIALOG});
}

export function receivedDelivery(data: Delivery): UnknownAction {
    return plain({type: ActionTypes.RECEIVED_DELIVERY, data});
}

export function removedHook(kind: 'incoming' | 'outgoing', id: string): UnknownAction {
    return plain(kind === 'incoming' ? {type: ActionTypes.REMOVED_INCOMING_HOOK, id} : {type: ActionTypes.REMOVED_OUTGOING_HOOK, id});
}

export function fetchMe(): Thunk<ActionResult<unknown>> {
    return (dispatch) => run(Client.getMe, (me) => dispatch(plain({type: ActionTypes.RECEIVED_ME, data: me})));
}

async function fetchAllPages<T>(fetchPage: (page: number, perPage: number) => Promise<T[]>): Promise<T[]> {
    const all: T[] = [];
    for (let page = 0; page < LIST_MAX_PAGES; page++) {
        // Pages depend on each other's length, so they cannot be fetched in parallel.
        // eslint-disable-next-line no-await-in-loop
        const chunk = await fetchPage(page, LIST_PAGE_SIZE);
        const list = Array.isArray(chunk) ? chunk : [];
        all.push(...list);
        if (list.length < LIST_PAGE_SIZE) {
            break;
        }
    }
    return all;
}

export function fetchIncomingHooks(teamId: string): Thunk<ActionResult<IncomingHook[]>> {
    return (dispatch) => run(
        () => fetchAllPages((page, perPage) => Client.listIncomingHooks(teamId, page, perPage)),
        (data) => dispatch(plain({type: ActionTypes.RECEIVED_INCOMING_HOOKS, data, teamId, replace: true})),
    );
}

export function fetchOutgoingHooks(teamId: string): Thunk<ActionResult<OutgoingHook[]>> {
    return (dispatch) => run(
        () => fetchAllPages((page, perPage) => Client.listOutgoingHooks(teamId, '', page, perPage)),
        (data) => dispatch(plain({type: ActionTypes.RECEIVED_OUTGOING_HOOKS, data, teamId, replace: true})),
    );
}

function receivedIncoming(dispatch: AppDispatch) {
    return (data: IncomingHook) => dispatch(plain({type: ActionTypes.RECEIVED_INCOMING_HOOK, data}));
}

function receivedOutgoing(dispatch: AppDispatch) {
    return (data: OutgoingHook) => dispatch(plain({type: ActionTypes.RECEIVED_OUTGOING_HOOK, data}));
}

/** Refetches a single hook, dropping it locally when the server no longer has it. */
export function refreshHook(kind: 'incoming' | 'outgoing', id: string): Thunk<ActionResult<unknown>> {
    return async (dispatch) => {
        const result = kind === 'incoming' ?
            await run(() => Client.getIncomingHook(id), receivedIncoming(dispatch)) :
            await run(() => Client.getOutgoingHook(id), receivedOutgoing(dispatch));
        if (result.error && (result.error.status_code === 404 || result.error.status_code === 403)) {
            dispatch(removedHook(kind, id));
        }
        return result;
    };
}

export function createIncomingHook(hook: IncomingHookInput): Thunk<ActionResult<IncomingHook>> {
    return (dispatch) => run(() => Client.createIncomingHook(hook), receivedIncoming(dispatch));
}

export function updateIncomingHook(id: string, hook: IncomingHookInput): Thunk<ActionResult<IncomingHook>> {
    return (dispatch) => run(() => Client.updateIncomingHook(id, hook), receivedIncoming(dispatch));
}

export function deleteIncomingHook(id: string): Thunk<ActionResult<void>> {
    return (dispatch) => run(() => Client.deleteIncomingHook(id), () => dispatch(removedHook('incoming', id)));
}

export function regenIncomingSecret(id: string): Thunk<ActionResult<IncomingHook>> {
    return (dispatch) => run(() => Client.regenIncomingSecret(id), receivedIncoming(dispatch));
}

export function createOutgoingHook(hook: OutgoingHookInput): Thunk<ActionResult<OutgoingHook>> {
    return (dispatch) => run(() => Client.createOutgoingHook(hook), receivedOutgoing(dispatch));
}

export function updateOutgoingHook(id: string, hook: OutgoingHookInput): Thunk<ActionResult<OutgoingHook>> {
    return (dispatch) => run(() => Client.updateOutgoingHook(id, hook), receivedOutgoing(dispatch));
}

export function deleteOutgoingHook(id: string): Thunk<ActionResult<void>> {
    return (dispatch) => run(() => Client.deleteOutgoingHook(id), () => dispatch(removedHook('outgoing', id)));
}

export function regenOutgoingToken(id: string): Thunk<ActionResult<OutgoingHook>> {
    return (dispatch) => run(() => Client.regenOutgoingToken(id), receivedOutgoing(dispatch));
}

export function regenOutgoingSecret(id: string): Thunk<ActionResult<OutgoingHook>> {
    return (dispatch) => run(() => Client.regenOutgoingSecret(id), receivedOutgoing(dispatch));
}

/** Flips the enabled flag by sending the whole hook back, as PUT replaces it. */
export function setIncomingEnabled(hook: IncomingHook, enabled: boolean): Thunk<ActionResult<IncomingHook>> {
    return updateIncomingHook(hook.id, {...incomingToInput(hook), enabled});
}

export function setOutgoingEnabled(hook: OutgoingHook, enabled: boolean): Thunk<ActionResult<OutgoingHook>> {
    return updateOutgoingHook(hook.id, {...outgoingToInput(hook), enabled});
}

export function testOutgoingHook(id: string): Thunk<ActionResult<{delivery_id: string}>> {
    return () => run(() => Client.testOutgoingHook(id));
}

export function fetchDeliveries(hookId: string, page = 0, perPage = 50): Thunk<ActionResult<Delivery[]>> {
    return (dispatch) => run(
        () => Client.listDeliveries(hookId, page, perPage),
        (data) => dispatch(plain({type: ActionTypes.RECEIVED_DELIVERIES, hookId, data: Array.isArray(data) ? data : [], append: page > 0})),
    );
}

/** Asks for live updates of a hook's deliveries (they go only to users watching its log). */
export function watchDeliveries(hookId: string): Thunk<ActionResult<{watch_seconds: number}>> {
    return () => run(() => Client.watchDeliveries(hookId));
}

export function unwatchDeliveries(hookId: string): Thunk<ActionResult<unknown>> {
    return () => run(() => Client.unwatchDeliveries(hookId));
}

export function fetchDeliveryDetail(deliveryId: string): Thunk<ActionResult<Delivery>> {
    return (dispatch) => run(
        () => Client.getDelivery(deliveryId),
        (data) => dispatch(plain({type: ActionTypes.RECEIVED_DELIVERY_DETAIL, data})),
    );
}

export function replayDelivery(deliveryId: string): Thunk<ActionResult<{delivery_id: string}>> {
    return () => run(() => Client.replayDelivery(deliveryId));
}

export function fetchStats(hookId: string): Thunk<ActionResult<unknown>> {
    return (dispatch) => run(
        () => Client.getHookStats(hookId),
        (data) => dispatch(plain({type: ActionTypes.RECEIVED_STATS, hookId, data})),
    );
}

export function incomingToInput(hook: IncomingHook): IncomingHookInput {
    return {
        id: hook.id,
        channel_id: hook.channel_id,
        team_id: hook.team_id,
        display_name: hook.display_name,
        description: hook.description,
        username: hook.username,
        icon_url: hook.icon_url,
        channel_locked: hook.channel_locked,
        enabled: hook.enabled,
        signature: hook.signature,
        allowed_ips: hook.allowed_ips,
        rate_limit: hook.rate_limit,
    };
}

export function outgoingToInput(hook: OutgoingHook): OutgoingHookInput {
    const input: OutgoingHookInput = {
        id: hook.id,
        channel_id: hook.channel_id,
        team_id: hook.team_id,
        trigger_words: hook.trigger_words,
        trigger_when: hook.trigger_when,
        callback_urls: hook.callback_urls,
        display_name: hook.display_name,
        description: hook.description,
        content_type: hook.content_type,
        username: hook.username,
        icon_url: hook.icon_url,
        enabled: hook.enabled,
        match: hook.match,
        events: hook.events,
        channel_types: hook.channel_types,
        headers: hook.headers,
        max_attempts: hook.max_attempts,
    };
    return input;
}
