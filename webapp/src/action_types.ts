import {PLUGIN_ID} from './manifest';
import type {Delivery, HookStats, IncomingHook, Me, OpenDialogPayload, OutgoingHook} from './types';

// Prefixed with the plugin id so they cannot collide with the host's actions.
export const ActionTypes = {
    RECEIVED_ME: `${PLUGIN_ID}_received_me`,
    RECEIVED_INCOMING_HOOKS: `${PLUGIN_ID}_received_incoming_hooks`,
    RECEIVED_INCOMING_HOOK: `${PLUGIN_ID}_received_incoming_hook`,
    REMOVED_INCOMING_HOOK: `${PLUGIN_ID}_removed_incoming_hook`,
    RECEIVED_OUTGOING_HOOKS: `${PLUGIN_ID}_received_outgoing_hooks`,
    RECEIVED_OUTGOING_HOOK: `${PLUGIN_ID}_received_outgoing_hook`,
    REMOVED_OUTGOING_HOOK: `${PLUGIN_ID}_removed_outgoing_hook`,
    RECEIVED_DELIVERIES: `${PLUGIN_ID}_received_deliveries`,
    RECEIVED_DELIVERY: `${PLUGIN_ID}_received_delivery`,
    RECEIVED_DELIVERY_DETAIL: `${PLUGIN_ID}_received_delivery_detail`,
    RECEIVED_STATS: `${PLUGIN_ID}_received_stats`,
    OPEN_MANAGER: `${PLUGIN_ID}_open_manager`,
    CLOSE_MANAGER: `${PLUGIN_ID}_close_manager`,
    OPEN_DIALOG: `${PLUGIN_ID}_open_dialog`,
    CLOSE_DIALOG: `${PLUGIN_ID}_close_dialog`,
} as const;

export type PluginAction =
    | {type: typeof ActionTypes.RECEIVED_ME; data: Me | null}
    | {type: typeof ActionTypes.RECEIVED_INCOMING_HOOKS; data: IncomingHook[]; teamId: string; replace: boolean}
    | {type: typeof ActionTypes.RECEIVED_INCOMING_HOOK; data: IncomingHook}
    | {type: typeof ActionTypes.REMOVED_INCOMING_HOOK; id: string}
    | {type: typeof ActionTypes.RECEIVED_OUTGOING_HOOKS; data: OutgoingHook[]; teamId: string; replace: boolean}
    | {type: typeof ActionTypes.RECEIVED_OUTGOING_HOOK; data: OutgoingHook}
    | {type: typeof ActionTypes.REMOVED_OUTGOING_HOOK; id: string}
    | {type: typeof ActionTypes.RECEIVED_DELIVERIES; hookId: string; data: Delivery[]; append: boolean}
    | {type: typeof ActionTypes.RECEIVED_DELIVERY; data: Delivery}
    | {type: typeof ActionTypes.RECEIVED_DELIVERY_DETAIL; data: Delivery}
    | {type: typeof ActionTypes.RECEIVED_STATS; hookId: string; data: HookStats}
    | {type: typeof ActionTypes.OPEN_MANAGER; channelId: string | null}
    | {type: typeof ActionTypes.CLOSE_MANAGER}
    | {type: typeof ActionTypes.OPEN_DIALOG; data: OpenDialogPayload}
    | {type: typeof ActionTypes.CLOSE_DIALOG};
