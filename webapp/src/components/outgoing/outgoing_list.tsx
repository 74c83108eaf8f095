import React, {useEffect, useMemo, useRef, useState} from 'react';

import {deleteOutgoingHook, fetchOutgoingHooks, setOutgoingEnabled, testOutgoingHook} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getChannels, makeGetOutgoingHooksForTeam} from '../../selectors';
import type {OutgoingHook} from '../../types';
import {ErrorBanner, Toggle} from '../common/fields';
import DeleteConfirm from '../hooks_manager/delete_confirm';
import {hookTitle} from '../incoming/incoming_list';

type Props = {
    teamId: string;
    onCreate: () => void;
    onEdit: (id: string) => void;
    onShowDeliveries: (id: string) => void;
};

type RowStatus = {ok: boolean; text: string};

export function describeTrigger(hook: OutgoingHook): string {
    const words = (hook.trigger_words ?? []).join(', ');
    const mode = hook.match?.mode ?? 'first_word';
    const ci = hook.match?.case_insensitive ? ', ignoring case' : '';
    if (mode === 'regex') {
        return `Messages matching /${hook.match.pattern ?? ''}/${ci}`;
    }
    if (!words) {
        return 'Every message';
    }
    if (mode === 'anywhere') {
        return `Messages containing ${words}${ci}`;
    }
    return hook.trigger_when === 1 ? `First word starts with ${words}${ci}` : `First word is ${words}${ci}`;
}

export default function OutgoingList({teamId, onCreate, onEdit, onShowDeliveries}: Props) {
    const dispatch = useAppDispatch();
    const getHooks = useMemo(makeGetOutgoingHooksForTeam, []);
    const hooks = useHostSelector((state) => getHooks(state, teamId));
    const channels = useHostSelector(getChannels);
    const [loading, setLoading] = useState(true);
    const headingRef = useRef<HTMLHeadingElement>(null);
    const [error, setError] = useState<string | null>(null);
    const [rowStatus, setRowStatus] = useState<Record<string, RowStatus | undefined>>({});

    useEffect(() => {
        let cancelled = false;
        setLoading(true);
        setError(null);
        dispatch(fetchOutgoingHooks(teamId)).then((result) => {
            if (!cancelled) {
                setLoading(false);
                setError(result.error ? result.error.message : null);
            }
        });
        return () => {
            cancelled = true;
        };
    }, [dispatch, teamId]);

    const setStatus = (id: string, status: RowStatus | undefined) => setRowStatus((s) => ({...s, [id]: status}));

    const toggle = async (hook: OutgoingHook, enabled: boolean) => {
        const result = await dispatch(setOutgoingEnabled(hook, enabled));
        setStatus(hook.id, result.error ? {ok: false, text: result.error.message} : undefined);
    };

    const sendTest = async (hook: OutgoingHook) => {
        setStatus(hook.id, {ok: true, text: 'Sending test event…'});
        const result = await dispatch(testOutgoingHook(hook.id));
        setStatus(hook.id, result.error ? {ok: false, text: result.error.message} : {ok: true, text: `Test event queued (delivery ${result.data.delivery_id}).`});
    };

    const channelName = (id: string) => {
        if (!id) {
            return 'any channel';
        }
        const channel = channels[id];
        return channel ? `~${channel.display_name || channel.name}` : 'unknown channel';
    };

    return (
        <section aria-labelledby='hb-outgoing-heading'>
            <div className='hb-toolbar'>
                <h3
                    id='hb-outgoing-heading'
                    ref={headingRef}
                    tabIndex={-1}
                    className='hb-toolbar__title'
                >
                    {'Outgoing webhooks'}
                </h3>
                <button
                    type='button'
                    className='hb-btn hb-btn--primary'
                    onClick={onCreate}
                >
                    {'Add outgoing webhook'}
                </button>
            </div>
            <ErrorBanner message={error}/>
            {loading && hooks.length === 0 && <p role='status'>{'Loading…'}</p>}
            {!loading && !error && hooks.length === 0 && (
                <p>{'No outgoing webhooks in this team yet. They send matching messages to other applications.'}</p>
            )}
            <ul className='hb-hook-list'>
                {hooks.map((hook) => {
                    const title = hookTitle(hook, 'Untitled outgoing webhook');
                    const status = rowStatus[hook.id];
                    return (
                        <li
                            key={hook.id}
                            className='hb-hook'
                            aria-label={title}
                        >
                            <div className='hb-hook__head'>
                                <h4 className='hb-hook__name'>{title}</h4>
                                {!hook.enabled && (
                                    <span
                                        className='hb-badge'
                                        title={hook.disabled_reason}
                                    >
                                        {'Disabled'}
                                    </span>
                                )}
                                <Toggle
                                    checked={hook.enabled}
                                    label={`Enable ${title}`}
                                    onChange={(on) => toggle(hook, on)}
                                />
                            </div>
                            {!hook.enabled && hook.disabled_reason && (
                                <div className='hb-hook__meta'>{`Disabled: ${hook.disabled_reason}`}</div>
                            )}
                            {hook.description && <div className='hb-hook__meta'>{hook.description}</div>}
                            <div className='hb-hook__meta'>{`${describeTrigger(hook)} in ${channelName(hook.channel_id)}`}</div>
                            <div className='hb-hook__meta'>{`Sends to ${(hook.callback_urls ?? []).join(', ')}`}</div>
                            <div className='hb-hook__actions'>
                                <button
                                    type='button'
                                    className='hb-btn hb-btn--small'
                                    aria-label={`Edit ${title}`}
                                    onClick={() => onEdit(hook.id)}
                                >
                                    {'Edit'}
                                </button>
                                <button
                                    type='button'
                                    className='hb-btn hb-btn--small'
                                    aria-label={`Delivery log of ${title}`}
                                    onClick={() => onShowDeliveries(hook.id)}
                                >
                                    {'Deliveries'}
                                </button>
                                <button
                                    type='button'
                                    className='hb-btn hb-btn--small'
                                    aria-label={`Send test event to ${title}`}
                                    onClick={() => sendTest(hook)}
                                >
                                    {'Send test event'}
                                </button>
                                <DeleteConfirm
                                    name={title}
                                    onDelete={async () => {
                                        const result = await dispatch(deleteOutgoingHook(hook.id));
                                        if (result.error) {
                                            return result.error.message;
                                        }

                                        // The row is gone; keep focus inside the list instead of dropping it to the page.
                                        headingRef.current?.focus();
                                        return null;
                                    }}
                                />
                            </div>
                            {status && (
                                <div
                                    className={status.ok ? 'hb-help' : 'hb-error'}
                                    role={status.ok ? 'status' : 'alert'}
                                >
                                    {status.text}
                                </div>
                            )}
                        </li>
                    );
                })}
            </ul>
        </section>
    );
}
