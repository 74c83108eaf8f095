import React, {useEffect, useRef, useState} from 'react';

import {fetchDeliveries, fetchDeliveryDetail, replayDelivery} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getDeliveryDetail} from '../../selectors';
import type {Delivery} from '../../types';
import {ErrorBanner, StatusBanner} from '../common/fields';
import type {StatusMessage} from '../common/fields';
import ViewToolbar from '../common/view_toolbar';

import {formatLatency, formatTime, queuedDeliveryStatus, StatusBadge} from './delivery_format';

type Props = {
    deliveryId: string;
    hookId: string;

    /** Summary already in the log, shown while the full record loads. */
    summary?: Delivery;
    onBack: () => void;
};

function prettyBody(body: string | undefined): string {
    if (!body) {
        return '(empty)';
    }
    try {
        return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
        return body;
    }
}

function Headers({headers}: {headers?: Record<string, string>}) {
    const entries = Object.entries(headers ?? {});
    if (!entries.length) {
        return <p className='hb-help'>{'No headers recorded.'}</p>;
    }
    return (
        <pre className='hb-code'>{entries.map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
    );
}

type RecordedMessageProps = {
    title: 'Request' | 'Response';
    record?: {headers: Record<string, string>; body: string};

    /** Shown instead when nothing was recorded. */
    emptyText: string;

    /** Lines before the headers, such as the request line. */
    children?: React.ReactNode;
};

/** One side of the HTTP exchange: its headers and pretty-printed body. */
function RecordedMessage({title, record, emptyText, children}: RecordedMessageProps) {
    return (
        <>
            <h5>{title}</h5>
            {record ? (
                <>
                    {children}
                    <Headers headers={record.headers}/>
                    <pre
                        className='hb-code'
                        aria-label={`${title} body`}
                        tabIndex={0}
                    >
                        {prettyBody(record.body)}
                    </pre>
                </>
            ) : <p className='hb-help'>{emptyText}</p>}
        </>
    );
}

export default function DeliveryDetail({deliveryId, hookId, summary, onBack}: Props) {
    const dispatch = useAppDispatch();
    const detail = useHostSelector((state) => getDeliveryDetail(state, deliveryId));
    const [loadError, setLoadError] = useState<string | null>(null);
    const [replayStatus, setReplayStatus] = useState<StatusMessage | null>(null);
    const [replaying, setReplaying] = useState(false);
    const headingRef = useRef<HTMLHeadingElement>(null);
    const delivery = detail ?? summary;

    useEffect(() => {
        headingRef.current?.focus();
    }, []);

    useEffect(() => {
        dispatch(fetchDeliveryDetail(deliveryId)).then((result) => {
            setLoadError(result.error ? result.error.message : null);
        });
    }, [dispatch, deliveryId]);

    const replay = async () => {
        setReplaying(true);
        setReplayStatus(null);
        const status = queuedDeliveryStatus(await dispatch(replayDelivery(deliveryId)), (id) => `Replay queued as delivery ${id}.`);
        setReplaying(false);
        setReplayStatus(status);
        if (status.ok) {
            dispatch(fetchDeliveries(hookId));
        }
    };

    return (
        <section aria-labelledby='hb-delivery-detail-heading'>
            <ViewToolbar
                headingId='hb-delivery-detail-heading'
                headingRef={headingRef}
                title={`Delivery ${deliveryId}`}
                level={4}
            >
                <button
                    type='button'
                    className='hb-btn hb-btn--primary hb-btn--small'
                    disabled={replaying}
                    onClick={replay}
                >
                    {replaying ? 'Replaying…' : 'Replay'}
                </button>
                <button
                    type='button'
                    className='hb-btn hb-btn--small'
                    onClick={onBack}
                >
                    {'Back to deliveries'}
                </button>
            </ViewToolbar>
            <StatusBanner status={replayStatus}/>
            <ErrorBanner message={loadError}/>
            {!delivery && !loadError && <p role='status'>{'Loading…'}</p>}
            {delivery && (
                <>
                    <table className='hb-table'>
                        <tbody>
                            <tr>
                                <th scope='row'>{'Status'}</th>
                                <td><StatusBadge status={delivery.status}/></td>
                            </tr>
                            <tr>
                                <th scope='row'>{'Event'}</th>
                                <td>{delivery.event}</td>
                            </tr>
                            <tr>
                                <th scope='row'>{'Attempt'}</th>
                                <td>{delivery.attempt}</td>
                            </tr>
                            <tr>
                                <th scope='row'>{'Created'}</th>
                                <td>{formatTime(delivery.created_at)}</td>
                            </tr>
                            <tr>
                                <th scope='row'>{'Completed'}</th>
                                <td>{delivery.completed_at ? formatTime(delivery.completed_at) : '—'}</td>
                            </tr>
                            <tr>
                                <th scope='row'>{'Latency'}</th>
                                <td>{formatLatency(delivery.latency_ms)}</td>
                            </tr>
                            <tr>
                                <th scope='row'>{'HTTP status'}</th>
                                <td>{delivery.response_status ?? '—'}</td>
                            </tr>
                            <tr>
                                <th scope='row'>{'Post'}</th>
                                <td>{delivery.post_id || '—'}</td>
                            </tr>
                            {delivery.error && (
                                <tr>
                                    <th scope='row'>{'Error'}</th>
                                    <td className='hb-error'>{delivery.error}</td>
                                </tr>
                            )}
                        </tbody>
                    </table>
                    <RecordedMessage
                        title='Request'
                        record={delivery.request}
                        emptyText='Not recorded.'
                    >
                        {delivery.request && <p><code>{`POST ${delivery.request.url}`}</code></p>}
                    </RecordedMessage>
                    <RecordedMessage
                        title='Response'
                        record={delivery.response}
                        emptyText='No response recorded.'
                    />
                </>
            )}
        </section>
    );
}
