import React, {useEffect, useRef, useState} from 'react';

import {fetchDeliveries, fetchDeliveryDetail, replayDelivery} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getDeliveryDetail} from '../../selectors';
import type {Delivery} from '../../types';
import {ErrorBanner} from '../common/fields';

import {formatLatency, formatTime, StatusBadge} from './delivery_format';

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

export default function DeliveryDetail({deliveryId, hookId, summary, onBack}: Props) {
    const dispatch = useAppDispatch();
    const detail = useHostSelector((state) => getDeliveryDetail(state, deliveryId));
    const [loadError, setLoadError] = useState<string | null>(null);
    const [replayStatus, setReplayStatus] = useState<{ok: boolean; text: string} | null>(null);
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
        const result = await dispatch(replayDelivery(deliveryId));
        setReplaying(false);
        if (result.error) {
            setReplayStatus({ok: false, text: result.error.message});
            return;
        }
        setReplayStatus({ok: true, text: `Replay queued as delivery ${result.data.delivery_id}.`});
        dispatch(fetchDeliveries(hookId));
    };

    return (
        <section aria-labelledby='hb-delivery-detail-heading'>
            <div className='hb-toolbar'>
                <h4
                    id='hb-delivery-detail-heading'
                    ref={headingRef}
                    tabIndex={-1}
                    className='hb-toolbar__title'
                >
                    {`Delivery ${deliveryId}`}
                </h4>
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
            </div>
            {replayStatus && (
                <div
                    className={`hb-banner ${replayStatus.ok ? 'hb-banner--success' : 'hb-banner--error'}`}
                    role={replayStatus.ok ? 'status' : 'alert'}
                >
                    {replayStatus.text}
                </div>
            )}
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
                    <h5>{'Request'}</h5>
                    {delivery.request ? (
                        <>
                            <p><code>{`POST ${delivery.request.url}`}</code></p>
                            <Headers headers={delivery.request.headers}/>
                            <pre
                                className='hb-code'
                                aria-label='Request body'
                                tabIndex={0}
                            >
                                {prettyBody(delivery.request.body)}
                            </pre>
                        </>
                    ) : <p className='hb-help'>{'Not recorded.'}</p>}
                    <h5>{'Response'}</h5>
                    {delivery.response ? (
                        <>
                            <Headers headers={delivery.response.headers}/>
                            <pre
                                className='hb-code'
                                aria-label='Response body'
                                tabIndex={0}
                            >
                                {prettyBody(delivery.response.body)}
                            </pre>
                        </>
                    ) : <p className='hb-help'>{'No response recorded.'}</p>}
                </>
            )}
        </section>
    );
}
