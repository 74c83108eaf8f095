import {ClientError} from '../../client';

import {formatLatency, queuedDeliveryStatus, testEventQueued} from './delivery_format';

describe('delivery format', () => {
    test('latency in ms below a second, seconds above, a dash when unknown', () => {
        expect(formatLatency(120.4)).toBe('120 ms');
        expect(formatLatency(1500)).toBe('1.50 s');
        expect(formatLatency(undefined)).toBe('—');
    });

    test('a queued delivery is a success worded by the caller', () => {
        expect(queuedDeliveryStatus({data: {delivery_id: 'd9'}}, testEventQueued)).toEqual({ok: true, text: 'Test event queued (delivery d9).'});
        expect(queuedDeliveryStatus({data: {delivery_id: 'd9'}}, (id) => `Replay queued as ${id}.`)).toEqual({ok: true, text: 'Replay queued as d9.'});
    });

    test('a failed request reports the server message', () => {
        const error = new ClientError('/x', {message: 'Hook is disabled.'}, 409);
        expect(queuedDeliveryStatus({error}, testEventQueued)).toEqual({ok: false, text: 'Hook is disabled.'});
    });
});
