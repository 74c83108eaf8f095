import {combineReducers} from 'redux';
import type {Reducer} from 'redux';

import {ActionTypes} from './action_types';
import type {PluginAction} from './action_types';
import type {Delivery, IncomingHook, Me, OpenDialogPayload, OutgoingHook, PluginState, StatsBucket} from './types';

// The log only shows recent activity; capping it keeps live updates from
// growing the store without bound while a log stays open.
export const MAX_DELIVERIES_PER_HOOK = 500;

function me(state: Me | null = null, action: PluginAction): Me | null {
    return action.type === ActionTypes.RECEIVED_ME ? action.data : state;
}

function meLoaded(state = false, action: PluginAction): boolean {
    return action.type === ActionTypes.RECEIVED_ME ? true : state;
}

function mergeHooks<T extends {id: string; team_id: string}>(state: Record<string, T>, hooks: T[], teamId: string, replace: boolean): Record<string, T> {
    const next: Record<string, T> = {};
    for (const [id, hook] of Object.entries(state)) {
        // A full listing of a team is authoritative: hooks missing from it are gone.
        if (!(replace && hook.team_id === teamId)) {
            next[id] = hook;
        }
    }
    for (const hook of hooks) {
        next[hook.id] = hook;
    }
    return next;
}

function withoutKey<T>(state: Record<string, T>, id: string): Record<string, T> {
    if (!(id in state)) {
        return state;
    }
    const next = {...state};
    delete next[id];
    return next;
}

function incomingHooks(state: Record<string, IncomingHook> = {}, action: PluginAction): Record<string, IncomingHook> {
    switch (action.type) {
    case ActionTypes.RECEIVED_INCOMING_HOOKS:
        return mergeHooks(state, action.data, action.teamId, action.replace);
    case ActionTypes.RECEIVED_INCOMING_HOOK:
        return {...state, [action.data.id]: action.data};
    case ActionTypes.REMOVED_INCOMING_HOOK:
        return withoutKey(state, action.id);
    default:
        return state;
    }
}

function outgoingHooks(state: Record<string, OutgoingHook> = {}, action: PluginAction): Record<string, OutgoingHook> {
    switch (action.type) {
    case ActionTypes.RECEIVED_OUTGOING_HOOKS:
        return mergeHooks(state, action.data, action.teamId, action.replace);
    case ActionTypes.RECEIVED_OUTGOING_HOOK:
        return {...state, [action.data.id]: action.data};
    case ActionTypes.REMOVED_OUTGOING_HOOK:
        return withoutKey(state, action.id);
    default:
        return state;
    }
}

function sortNewestFirst(list: Delivery[]): Delivery[] {
    return [...list].sort((a, b) => b.created_at - a.created_at);
}

function upsertDelivery(list: Delivery[], delivery: Delivery): Delivery[] {
    const index = list.findIndex((d) => d.id === delivery.id);
    if (index >= 0) {
        const next = [...list];
        next[index] = {...list[index], ...delivery};
        return next;
    }
    return sortNewestFirst([delivery, ...list]).slice(0, MAX_DELIVERIES_PER_HOOK);
}

function deliveries(state: Record<string, Delivery[]> = {}, action: PluginAction): Record<string, Delivery[]> {
    switch (action.type) {
    case ActionTypes.RECEIVED_DELIVERIES: {
        if (!action.append) {
            return {...state, [action.hookId]: sortNewestFirst(action.data)};
        }
        let list = state[action.hookId] ?? [];
        for (const delivery of action.data) {
            list = upsertDelivery(list, delivery);
        }
        return {...state, [action.hookId]: list};
    }
    case ActionTypes.RECEIVED_DELIVERY:
    case ActionTypes.RECEIVED_DELIVERY_DETAIL: {
        const hookId = action.data.hook_id;
        const existing = state[hookId];

        // Detail fetches for a log that was never listed must not invent a
        // one-entry list, or the log would show as loaded with a single row.
        if (!existing && action.type === ActionTypes.RECEIVED_DELIVERY_DETAIL) {
            return state;
        }
        return {...state, [hookId]: upsertDelivery(existing ?? [], action.data)};
    }
    case ActionTypes.REMOVED_OUTGOING_HOOK:
        return withoutKey(state, action.id);
    default:
        return state;
    }
}

function deliveryDetails(state: Record<string, Delivery> = {}, action: PluginAction): Record<string, Delivery> {
    switch (action.type) {
    case ActionTypes.RECEIVED_DELIVERY_DETAIL:
        return {...state, [action.data.id]: action.data};
    case ActionTypes.RECEIVED_DELIVERY: {
        const existing = state[action.data.id];
        return existing ? {...state, [action.data.id]: {...existing, ...action.data}} : state;
    }
    default:
        return state;
    }
}

function stats(state: Record<string, StatsBucket[]> = {}, action: PluginAction): Record<string, StatsBucket[]> {
    switch (action.type) {
    case ActionTypes.RECEIVED_STATS:
        return {...state, [action.hookId]: Array.isArray(action.data?.buckets) ? action.data.buckets : []};
    case ActionTypes.REMOVED_OUTGOING_HOOK:
        return withoutKey(state, action.id);
    default:
        return state;
    }
}

const closedManager: PluginState['manager'] = {open: false, channelId: null};

function manager(state: PluginState['manager'] = closedManager, action: PluginAction): PluginState['manager'] {
    switch (action.type) {
    case ActionTypes.OPEN_MANAGER:
        return {open: true, channelId: action.channelId};
    case ActionTypes.CLOSE_MANAGER:
        return closedManager;
    default:
        return state;
    }
}

function dialog(state: OpenDialogPayload | null = null, action: PluginAction): OpenDialogPayload | null {
    switch (action.type) {
    case ActionTypes.OPEN_DIALOG:
        return action.data;
    case ActionTypes.CLOSE_DIALOG:
        return null;
    default:
        return state;
    }
}

const reducer = combineReducers({
    me,
    meLoaded,
    incomingHooks,
    outgoingHooks,
    deliveries,
    deliveryDetails,
    stats,
    manager,
    dialog,
}) as unknown as Reducer<PluginState>;

export default reducer;
