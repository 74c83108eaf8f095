import React, {useEffect, useMemo, useRef, useState} from 'react';

import {deleteIncomingHook, fetchIncomingHooks, setIncomingEnabled} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getChannels, makeGetIncomingHooksForTeam} from '../../selectors';
import type {IncomingHook} from '../../types';
import CopyButton from '../common/copy_button';
import {ErrorBanner, Toggle} from '../common/fields';
import DeleteConfirm from '../hooks_manager/delete_confirm';

type Props = {
    teamId: string;
    onCreate: () => void;
    onEdit: (id: string) => void;
};

export function hookTitle(hook: {display_name: string}, fallback: string): string {
    return hook.display_name || fallback;
}

export default function IncomingList({teamId, onCreate, onEdit}: Props) {
    const dispatch = useAppDispatch();
    const getHooks = useMemo(makeGetIncomingHooksForTeam, []);
    const hooks = useHostSelector((state) => getHooks(state, teamId));
    const channels = useHostSelector(getChannels);
    const [loading, setLoading] = useState(true);
    const headingRef = useRef<HTMLHeadingElement>(null);
    const [error, setError] = useState<string | null>(null);
    const [rowErrors, setRowErrors] = useState<Record<string, string>>({});

    useEffect(() => {
        let cancelled = false;
        setLoading(true);
        setError(null);
        dispatch(fetchIncomingHooks(teamId)).then((result) => {
            if (!cancelled) {
                setLoading(false);
                setError(result.error ? result.error.message : null);
            }
        });
        return () => {
            cancelled = true;
        };
    }, [dispatch, teamId]);

    const toggle = async (hook: IncomingHook, enabled: boolean) => {
        const result = await dispatch(setIncomingEnabled(hook, enabled));
        setRowErrors((e) => ({...e, [hook.id]: result.error ? result.error.message : ''}));
    };

    const channelName = (id: string) => {
        const channel = channels[id];
        return channel ? `~${channel.display_name || channel.name}` : 'unknown channel';
    };

    return (
        <section aria-labelledby='hb-incoming-heading'>
            <div className='hb-toolbar'>
                <h3
                    id='hb-incoming-heading'
                    ref={headingRef}
                    tabIndex={-1}
                    className='hb-toolbar__title'
                >
                    {'Incoming webhooks'}
                </h3>
                <button
                    type='button'
                    className='hb-btn hb-btn--primary'
                    onClick={onCreate}
                >
                    {'Add incoming webhook'}
                </button>
            </div>
            <ErrorBanner message={error}/>
            {loading && hooks.length === 0 && <p role='status'>{'Loading…'}</p>}
            {!loading && !error && hooks.length === 0 && (
                <p>{'No incoming webhooks in this team yet. They let other applications post messages to a channel.'}</p>
            )}
            <ul className='hb-hook-list'>
                {hooks.map((hook) => {
                    const title = hookTitle(hook, 'Untitled incoming webhook');
                    return (
                        <li
                            key={hook.id}
                            className='hb-hook'
                            aria-label={title}
                        >
                            <div className='hb-hook__head'>
                                <h4 className='hb-hook__name'>{title}</h4>
                                {!hook.enabled && <span className='hb-badge'>{'Disabled'}</span>}
                                {hook.signature?.mode && hook.signature.mode !== 'none' && (
                                    <span className='hb-badge'>{`${hook.signature.mode} signature`}</span>
                                )}
                                <Toggle
                                    checked={hook.enabled}
                                    label={`Enable ${title}`}
                                    onChange={(on) => toggle(hook, on)}
                                />
                            </div>
                            {hook.description && <div className='hb-hook__meta'>{hook.description}</div>}
                            <div className='hb-hook__meta'>
                                {`Posts to ${channelName(hook.channel_id)}${hook.channel_locked ? ' (locked)' : ''}`}
                            </div>
                            <div className='hb-hook__meta hb-row'>
                                <code>{hook.url}</code>
                                <CopyButton
                                    value={hook.url}
                                    label={`URL of ${title}`}
                                />
                            </div>
                            <div className='hb-hook__actions'>
                                <button
                                    type='button'
                                    className='hb-btn hb-btn--small'
                                    aria-label={`Edit ${title}`}
                                    onClick={() => onEdit(hook.id)}
                                >
                                    {'Edit'}
                                </button>
                                <DeleteConfirm
                                    name={title}
                                    onDelete={async () => {
                                        const result = await dispatch(deleteIncomingHook(hook.id));
                                        if (result.error) {
                                            return result.error.message;
                                        }

                                        // The row is gone; keep focus inside the list instead of dropping it to the page.
                                        headingRef.current?.focus();
                                        return null;
                                    }}
                                />
                            </div>
                            {rowErrors[hook.id] && (
                                <div
                                    className='hb-error'
                                    role='alert'
                                >
                                    {rowErrors[hook.id]}
                                </div>
                            )}
                        </li>
                    );
                })}
            </ul>
        </section>
    );
}
