import {openDialog, receivedDelivery, refreshHook, removedHook} from './actions';
import type {AppDispatch} from './actions';
import {PLUGIN_ID} from './manifest';
import type {Delivery, DeliveryEvent, HookChangedEvent, OpenDialogPayload} from './types';

export const WebSocketEvents = {
    HOOK_CHANGED: `custom_${PLUGIN_ID}_hook_changed`,
    DELIVERY: `custom_${PLUGIN_ID}_delivery`,
    OPEN_DIALOG: `custom_${PLUGIN_ID}_open_dialog`,
} as const;

/** The part of a WebSocket message the handlers read. */
export type WebSocketMessage<T = Record<string, unknown>> = {
    event: string;
    data: T;
    broadcast?: unknown;
    seq?: number;
};

type StoreLike = {dispatch: AppDispatch};

// Servers publishing through a string-valued map deliver nested objects as
// JSON text, so both forms are accepted.
function decode<T>(value: unknown): T | undefined {
    if (typeof value === 'string') {
        try {
            return JSON.parse(value) as T;
        } catch {
            return undefined;
        }
    }
    return (value ?? undefined) as T | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null;
}

export function handleHookChanged(store: StoreLike) {
    return (msg: WebSocketMessage<Partial<HookChangedEvent>>): void => {
        const data = msg?.data;
        if (!data || (data.kind !== 'incoming' && data.kind !== 'outgoing') || typeof data.id !== 'string' || !data.id) {
            return;
        }
        if (data.action === 'deleted') {
            store.dispatch(removedHook(data.kind, data.id));
            return;
        }
        store.dispatch(refreshHook(data.kind, data.id));
    };
}

export function handleDelivery(store: StoreLike) {
    return (msg: WebSocketMessage<Partial<Record<keyof DeliveryEvent, unknown>>>): void => {
        const data = msg?.data;
        if (!data) {
            return;
        }

        // The server sends the changes of a moment together; one delivery alone is accepted too.
        const listed = decode<unknown>(data.deliveries);
        const candidates: unknown[] = Array.isArray(listed) ? listed : [decode<unknown>(data.delivery)];
        for (const delivery of candidates) {
            if (!isRecord(delivery) || typeof delivery.id !== 'string') {
                continue;
            }
            const hookId = typeof data.hook_id === 'string' ? data.hook_id : (delivery as Delivery).hook_id;
            store.dispatch(receivedDelivery({...(delivery as Delivery), hook_id: hookId}));
        }
    };
}

export function handleOpenDialog(store: StoreLike) {
    return (msg: WebSocketMessage<Partial<Record<keyof OpenDialogPayload, unknown>>>): void => {
        const data = msg?.data;
        const dialog = decode<OpenDialogPayload['dialog']>(data?.dialog);
        if (!data || typeof data.url !== 'string' || !isRecord(dialog)) {
            return;
        }

        const payload: OpenDialogPayload = {url: data.url, dialog};
        if (typeof data.trigger_id === 'string') {
            payload.trigger_id = data.trigger_id;
        }
        store.dispatch(openDialog(payload));
    };
}
