import React from 'react';

import type {DeliveryStatus} from '../../types';

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
