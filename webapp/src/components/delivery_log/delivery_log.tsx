import React, {useCallback, useEffect, useRef, useState} from 'react';

import {fetchDeliveries, fetchStats, replayDelivery, testOutgoingHook, unwatchDeliveries, watchDeliveries} from '../../actions';
import type {ActionResult, Thunk} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getDeliveries, getOutgoingHook, getStats} from '../../selectors';
import type {Delivery} from '../../types';
import {ErrorBanner, StatusBanner} from '../common/fields';
import type {StatusMessage} from '../common/fields';
import ViewToolbar from '../common/view_toolbar';

import DeliveryDetail from './delivery_detail';
import {formatLatency, formatTime, queuedDeliveryStatus, StatusBadge, testEventQueued} from './delivery_format';
import type {QueuedDelivery} from './delivery_format';
import StatsChart from './stats_chart';

export const DELIVERY_PAGE_SIZE = 50;

/** When a watch could not be made (or its lifetime is unknown), the next try comes this much later. */
const WATCH_RETRY_MS = 30_000;

type Props = {
    hookId: string;
    onBack: () => void;
};

export default function DeliveryLog({hookId, onBack}: Props) {
    const dispatch = useAppDispatch();
    const hook = useHostSelector((state) => getOutgoingHook(state, hookId));
    const deliveries = useHostSelector((state) => getDeliveries(state, hookId));
    const buckets = useHostSelector((state) => getStats(state, hookId));
    const [loading, setLoading] = useState(true);
    const [error, setError] = useState<string | null>(null);
    const [page, setPage] = useState(0);
    const [hasMore, setHasMore] = useState(false);
    const [selected, setSelected] = useState<string | null>(null);
    const [status, setStatus] = useState<StatusMessage | null>(null);
    const headingRef = useRef<HTMLHeadingElement>(null);
    const lastOpened = useRef<string | null>(null);

    const load = useCallback(async (nextPage: number) => {
        setLoading(true);
        const [list] = await Promise.all([
            dispatch(fetchDeliveries(hookId, nextPage, DELIVERY_PAGE_SIZE)),
            nextPage === 0 ? dispatch(fetchStats(hookId)) : Promise.resolve(null),
        ]);
        setLoading(false);
        if (list.error) {
            setError(list.error.message);
            return;
        }
        setError(null);
        setPage(nextPage);
        setHasMore(list.data.length >= DELIVERY_PAGE_SIZE);
    }, [dispatch, hookId]);

    useEffect(() => {
        load(0);
    }, [load]);

    // Live updates of this hook's deliveries come only while its log is watched:
    // the watch is renewed at half its lifetime and ended when the log closes.
    useEffect(() => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        let closed = false;
        const renew = async () => {
            const result = await dispatch(watchDeliveries(hookId));
            if (closed) {
                return;
            }
            const seconds = result.data?.watch_seconds;
            timer = setTimeout(renew, typeof seconds === 'number' && seconds > 0 ? Math.max(5000, seconds * 500) : WATCH_RETRY_MS);
        };
        renew();
        return () => {
            closed = true;
            clearTimeout(timer);
            dispatch(unwatchDeliveries(hookId));
        };
    }, [dispatch, hookId]);

    useEffect(() => {
        if (!selected) {
            headingRef.current?.focus();
        }
    }, [selected]);

    // Returning from the detail view puts focus back on the row that opened it.
    useEffect(() => {
        if (!selected && lastOpened.current) {
            document.getElementById(`hb-delivery-open-${lastOpened.current}`)?.focus();
        }
    }, [selected]);

    // Both add a delivery, so the log reloads to show it.
    const queueDelivery = async (request: Thunk<ActionResult<QueuedDelivery>>, describe: (deliveryId: string) => string) => {
        setStatus(null);
        const next = queuedDeliveryStatus(await dispatch(request), describe);
        setStatus(next);
        if (next.ok) {
            load(0);
        }
    };

    const replay = (delivery: Delivery) => queueDelivery(replayDelivery(delivery.id), (id) => `Replay of ${delivery.id} queued as delivery ${id}.`);
    const sendTest = () => queueDelivery(testOutgoingHook(hookId), testEventQueued);

    if (selected) {
        return (
            <DeliveryDetail
                deliveryId={selected}
                hookId={hookId}
                summary={deliveries?.find((d) => d.id === selected)}
                onBack={() => setSelected(null)}
            />
        );
    }

    const list = deliveries ?? [];
    const title = hook?.display_name || 'outgoing webhook';

    return (
        <section aria-labelledby='hb-delivery-log-heading'>
            <ViewToolbar
                headingId='hb-delivery-log-heading'
                headingRef={headingRef}
                title={`Deliveries of ${title}`}
            >
                <button
                    type='button'
                    className='hb-btn hb-btn--small'
                    onClick={sendTest}
                >
                    {'Send test event'}
                </button>
                <button
                    type='button'
                    className='hb-btn hb-btn--small'
                    disabled={loading}
                    onClick={() => load(0)}
                >
                    {'Refresh'}
                </button>
                <button
                    type='button'
                    className='hb-btn hb-btn--small'
                    onClick={onBack}
                >
                    {'Back to list'}
                </button>
            </ViewToolbar>
            <StatusBanner status={status}/>
            <StatsChart buckets={buckets}/>
            <ErrorBanner message={error}/>
            {loading && list.length === 0 && <p role='status'>{'Loading…'}</p>}
            {!loading && !error && list.length === 0 && <p>{'No deliveries yet. Send a test event to try the receiver.'}</p>}
            {list.length > 0 && (
                <table
                    className='hb-table'
                    aria-label='Recent deliveries'
                >
                    <thead>
                        <tr>
                            <th scope='col'>{'Time'}</th>
                            <th scope='col'>{'Event'}</th>
                            <th scope='col'>{'Status'}</th>
                            <th scope='col'>{'HTTP'}</th>
                            <th scope='col'>{'Latency'}</th>
                            <th scope='col'>{'Error'}</th>
                            <th scope='col'><span className='hb-visually-hidden'>{'Actions'}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.map((d) => (
                            <tr
                                key={d.id}
                                data-testid='delivery-row'
                            >
                                <td>{formatTime(d.created_at)}</td>
                                <td>{d.attempt > 1 ? `${d.event} (attempt ${d.attempt})` : d.event}</td>
                                <td><StatusBadge status={d.status}/></td>
                                <td>{d.response_status ?? '—'}</td>
                                <td>{formatLatency(d.latency_ms)}</td>
                                <td className={d.error ? 'hb-error' : undefined}>{d.error ?? ''}</td>
                                <td>
                                    <div className='hb-row'>
                                        <button
                                            id={`hb-delivery-open-${d.id}`}
                                            type='button'
                                            className='hb-btn hb-btn--link hb-btn--small'
                                            aria-label={`Details of delivery ${d.id}`}
                                            onClick={() => {
                                                lastOpened.current = d.id;
                                                setSelected(d.id);
                                            }}
                                        >
                                            {'Details'}
                                        </button>
                                        <button
                                            type='button'
                                            className='hb-btn hb-btn--small'
                                            aria-label={`Replay delivery ${d.id}`}
                                            onClick={() => replay(d)}
                                        >
                                            {'Replay'}
                                        </button>
                                    </div>
                                </td>
                            </tr>
                        ))}
                    </tbody>
                </table>
            )}
            {hasMore && (
                <button
                    type='button'
                    className='hb-btn hb-btn--small'
                    disabled={loading}
                    onClick={() => load(page + 1)}
                >
                    {loading ? 'Loading…' : 'Load older deliveries'}
                </button>
            )}
        </section>
    );
}
