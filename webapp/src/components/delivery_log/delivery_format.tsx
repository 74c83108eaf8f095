import React from 'react';

import type {ActionResult} from '../../actions';
import type {DeliveryStatus} from '../../types';
import type {StatusMessage} from '../common/fields';

const STATUS_TEXT: Record<DeliveryStatus, string> = {
    pending: 'Pending',
    succeeded: 'Succeeded',
    failed: 'Failed',
    retrying: 'Retrying',
};

export function StatusBadge({status}: {status: DeliveryStatus}) {
    return <span className={`hb-badge hb-badge--${status}`}>{STATUS_TEXT[status] ?? status}</span>;
}

export function formatTime(ms: number): string {
    return new Date(ms).toLocaleString();
}

export function formatLatency(ms?: number): string {
    if (ms === undefined || ms === null) {
        return '—';
    }
    return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Answer of the requests that queue a new delivery: a test event or a replay. */
export type QueuedDelivery = {delivery_id: string};

/** Status line for a request that queues a delivery; `describe` words the success. */
export function queuedDeliveryStatus(result: ActionResult<QueuedDelivery>, describe: (deliveryId: string) => string): StatusMessage {
    return result.error ? {ok: false, text: result.error.message} : {ok: true, text: describe(result.data.delivery_id)};
}

export function testEventQueued(deliveryId: string): string {
    return `Test event queued (delivery ${deliveryId}).`;
}
