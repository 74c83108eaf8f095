import React from 'react';
import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import {receivedDelivery} from '../../actions';
import {API, makeDelivery, makeOutgoingHook, mockFetch, renderWithRedux} from '../../testlib/test_utils';
import type {StatsBucket} from '../../types';

import DeliveryLog from './delivery_log';
import StatsChart, {summarize} from './stats_chart';

const HOUR = 3600_000;

function buckets(): StatsBucket[] {
    const start = Date.UTC(2026, 10, 22, 0);
    return [
        {start, total: 10, ok: 9, failed: 1, p50_ms: 100, p95_ms: 400},
        {start: start + HOUR, total: 0, ok: 0, failed: 0, p50_ms: 0, p95_ms: 0},
        {start: start + (2 * HOUR), total: 4, ok: 2, failed: 2, p50_ms: 150, p95_ms: 900},
    ];
}

const initialState = {'plugins-hookbridge': {outgoingHooks: {out1: makeOutgoingHook()}}};

describe('delivery log', () => {
    test('shows recent deliveries with status, latency and error, plus the chart', async () => {
        mockFetch({
            [`GET ${API}/hooks/outgoing/out1/deliveries`]: {body: [
                makeDelivery({id: 'd1', latency_ms: 1500}),
                makeDelivery({id: 'd2', status: 'failed', response_status: 500, error: 'HTTP 500 from receiver', created_at: 1_700_000_100_000, attempt: 2}),
            ]},
            [`GET ${API}/hooks/outgoing/out1/stats`]: {body: {buckets: buckets()}},
        });
        renderWithRedux(<DeliveryLog hookId='out1' onBack={jest.fn()}/>, {initialState});

        expect(screen.getByRole('heading', {name: 'Deliveries of Deployer'})).toHaveFocus();
        const rows = await screen.findAllByTestId('delivery-row');
        expect(rows).toHaveLength(2);

        // Newest first.
        expect(within(rows[0]).getByText('Failed')).toBeInTheDocument();
        expect(within(rows[0]).getByText('HTTP 500 from receiver')).toBeInTheDocument();
        expect(within(rows[0]).getByText('posted (attempt 2)')).toBeInTheDocument();
        expect(within(rows[1]).getByText('Succeeded')).toBeInTheDocument();
        expect(within(rows[1]).getByText('1.50 s')).toBeInTheDocument();

        await waitFor(() => expect(screen.getByRole('img', {name: /14 deliveries, 78\.6% succeeded, p95 latency up to 900 ms/})).toBeInTheDocument());
    });

    test('replays a delivery from the list and refreshes', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({
            [`GET ${API}/hooks/outgoing/out1/deliveries`]: {body: [makeDelivery({id: 'd1', status: 'failed'})]},
            [`GET ${API}/hooks/outgoing/out1/stats`]: {body: {buckets: []}},
            [`POST ${API}/deliveries/d1/replay`]: {body: {delivery_id: 'd7'}},
        });
        renderWithRedux(<DeliveryLog hookId='out1' onBack={jest.fn()}/>, {initialState});
        await user.click(await screen.findByRole('button', {name: 'Replay delivery d1'}));

        expect(await screen.findByText('Replay of d1 queued as delivery d7.')).toBeInTheDocument();
        const replay = calls.find((c) => c.url.endsWith('/replay'));
        expect(replay?.method).toBe('POST');
        await waitFor(() => expect(calls.filter((c) => c.url.includes('/deliveries?'))).toHaveLength(2));
    });

    test('detail view shows request and response, replays, and returns focus', async () => {
        const user = userEvent.setup();
        const {calls} = mockFetch({
            [`GET ${API}/hooks/outgoing/out1/deliveries`]: {body: [makeDelivery({id: 'd1'})]},
            [`GET ${API}/hooks/outgoing/out1/stats`]: {body: {buckets: []}},
            [`GET ${API}/deliveries/d1`]: {body: makeDelivery({
                id: 'd1',
                request: {url: 'https://example.com/hook', headers: {'X-Hookbridge-Signature': 'v1=abc'}, body: '{"text":"deploy now"}'},
                response: {headers: {'Content-Type': 'application/json'}, body: '{"text":"ok"}'},
            })},
            [`POST ${API}/deliveries/d1/replay`]: {body: {delivery_id: 'd8'}},
        });
        renderWithRedux(<DeliveryLog hookId='out1' onBack={jest.fn()}/>, {initialState});
        await user.click(await screen.findByRole('button', {name: 'Details of delivery d1'}));

        expect(screen.getByRole('heading', {name: 'Delivery d1'})).toHaveFocus();
        expect(await screen.findByText('POST https://example.com/hook')).toBeInTheDocument();
        expect(screen.getByText('X-Hookbridge-Signature: v1=abc')).toBeInTheDocument();
        expect(screen.getByLabelText('Request body')).toHaveTextContent('"text": "deploy now"');
        expect(screen.getByLabelText('Response body')).toHaveTextContent('"text": "ok"');

        await user.click(screen.getByRole('button', {name: 'Replay'}));
        expect(await screen.findByText('Replay queued as delivery d8.')).toBeInTheDocument();
        expect(calls.some((c) => c.method === 'POST' && c.url === `${API}/deliveries/d1/replay`)).toBe(true);

        await user.click(screen.getByRole('button', {name: 'Back to deliveries'}));
        expect(screen.getByRole('button', {name: 'Details of delivery d1'})).toHaveFocus();
    });

    test('live delivery events appear without a refetch', async () => {
        const {calls} = mockFetch({
            [`GET ${API}/hooks/outgoing/out1/deliveries`]: {body: []},
            [`GET ${API}/hooks/outgoing/out1/stats`]: {body: {buckets: []}},
        });
        const {store} = renderWithRedux(<DeliveryLog hookId='out1' onBack={jest.fn()}/>, {initialState});
        expect(await screen.findByText(/No deliveries yet/)).toBeInTheDocument();
        const before = calls.length;
        act(() => {
            store.dispatch(receivedDelivery(makeDelivery({id: 'live1', status: 'retrying', error: 'timeout'})));
        });
        expect(await screen.findByText('Retrying')).toBeInTheDocument();
        expect(screen.getByText('timeout')).toBeInTheDocument();
        expect(calls.length).toBe(before);
    });

    test('watches the hook while the log is open, renews the watch at half its lifetime, and ends it on close', async () => {
        jest.useFakeTimers();
        try {
            const {calls} = mockFetch({
                [`GET ${API}/hooks/outgoing/out1/deliveries`]: {body: []},
                [`GET ${API}/hooks/outgoing/out1/stats`]: {body: {buckets: []}},
                [`POST ${API}/hooks/outgoing/out1/deliveries/watch`]: {body: {watch_seconds: 60}},
                [`DELETE ${API}/hooks/outgoing/out1/deliveries/watch`]: {body: {status: 'OK'}},
            });
            const watches = () => calls.filter((c) => c.url.endsWith('/out1/deliveries/watch'));
            const {unmount} = renderWithRedux(<DeliveryLog hookId='out1' onBack={jest.fn()}/>, {initialState});
            await waitFor(() => expect(watches().map((c) => c.method)).toEqual(['POST']));

            // The answer arrives (promises only), then the renewal is timed.
            await act(async () => {
                for (let i = 0; i < 20; i++) {
                    await Promise.resolve(); // eslint-disable-line no-await-in-loop
                }
                jest.advanceTimersByTime(29_000);
            });
            expect(watches()).toHaveLength(1);
            await act(async () => {
                jest.advanceTimersByTime(1_000);
            });
            await waitFor(() => expect(watches().map((c) => c.method)).toEqual(['POST', 'POST']));
            unmount();
            expect(watches().map((c) => c.method)).toEqual(['POST', 'POST', 'DELETE']);
            await act(async () => {
                jest.advanceTimersByTime(120_000);
            });
            expect(watches()).toHaveLength(3);
        } finally {
            jest.useRealTimers();
        }
    });

    test('list errors are shown', async () => {
        mockFetch({
            [`GET ${API}/hooks/outgoing/out1/deliveries`]: {status: 403, body: {message: 'You cannot view this log.', status_code: 403}},
            [`GET ${API}/hooks/outgoing/out1/stats`]: {body: {buckets: []}},
        });
        renderWithRedux(<DeliveryLog hookId='out1' onBack={jest.fn()}/>, {initialState});
        expect(await screen.findByRole('alert')).toHaveTextContent('You cannot view this log.');
    });
});

describe('stats chart', () => {
    test('summarises buckets', () => {
        expect(summarize(buckets())).toEqual({total: 14, ok: 11, failed: 3, successRate: (11 / 14) * 100, maxP95: 900});
        expect(summarize([]).successRate).toBeNull();
    });

    test('draws one bar per hour and latency lines', () => {
        const {container} = renderWithRedux(<StatsChart buckets={buckets()}/>);
        expect(screen.getAllByTestId('stats-bar')).toHaveLength(3);
        const p95 = container.querySelector('.hb-chart__p95');
        expect(p95?.getAttribute('points')?.split(' ')).toHaveLength(2);
        expect(container.querySelectorAll('title')[0].textContent).toMatch(/10 deliveries, 9 ok, 1 failed, p50 100 ms, p95 400 ms/);
    });

    test('counts a single delivery in the singular', () => {
        const {container} = renderWithRedux(<StatsChart buckets={[{start: Date.UTC(2026, 10, 22, 0), total: 1, ok: 1, failed: 0, p50_ms: 10, p95_ms: 10}]}/>);
        expect(screen.getByRole('img', {name: /^Last 24 hours: 1 delivery, 100% succeeded/})).toBeInTheDocument();
        expect(container.querySelectorAll('title')[0].textContent).toMatch(/: 1 delivery, 1 ok, 0 failed/);
    });

    test('describes an empty day', () => {
        renderWithRedux(<StatsChart buckets={[]}/>);
        expect(screen.getByRole('img', {name: 'No deliveries in the last 24 hours.'})).toBeInTheDocument();
    });
});
