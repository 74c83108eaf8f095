import React, {useEffect, useRef, useState} from 'react';

import type {Channel} from '@mattermost/types/channels';

import type {ActionResult, Thunk} from '../../actions';
import {useAppDispatch} from '../../hooks';
import type {HookKind} from '../../types';
import {ErrorBanner, Toggle} from '../common/fields';
import type {StatusMessage} from '../common/fields';
import {channelName} from '../common/select_options';
import ViewToolbar from '../common/view_toolbar';

import DeleteConfirm from './delete_confirm';

/** What the list shows of any hook, incoming or outgoing. */
export type ListedHook = {
    id: string;
    display_name: string;
    description: string;
    enabled: boolean;

    /** Set when the server disabled the hook itself, e.g. after the receiver answered 410 Gone. */
    disabled_reason?: string;
};

export function hookTitle(hook: {display_name: string}, fallback: string): string {
    return hook.display_name || fallback;
}

/** "~Town Square" for a known channel; the id alone says nothing to the user. */
export function channelMention(channels: Record<string, Channel>, id: string): string {
    const channel = channels[id];
    return channel ? `~${channelName(channel)}` : 'unknown channel';
}

type Props<H extends ListedHook> = {
    kind: HookKind;
    teamId: string;
    hooks: H[];

    /** Shown when the team has no hooks of this kind. */
    emptyText: string;
    load: (teamId: string) => Thunk<ActionResult<unknown>>;
    setEnabled: (hook: H, enabled: boolean) => Thunk<ActionResult<unknown>>;
    remove: (id: string) => Thunk<ActionResult<unknown>>;
    onCreate: () => void;
    onEdit: (id: string) => void;

    /** Badges after "Disabled" in the row head. */
    badges?: (hook: H) => React.ReactNode;

    /** Lines under the description. */
    details: (hook: H, title: string) => React.ReactNode;

    /** Buttons between Edit and Delete; `setStatus` reports their outcome under the row. */
    actions?: (hook: H, title: string, setStatus: (status: StatusMessage | undefined) => void) => React.ReactNode;
};

/**
 * The team's hooks of one kind: loads them when the team changes and lists
 * each with an enable switch, Edit and Delete, and the outcome of its last action.
 */
export default function HookList<H extends ListedHook>(props: Props<H>) {
    const {kind, teamId, hooks, emptyText, load, setEnabled, remove, onCreate, onEdit, badges, details, actions} = props;
    const dispatch = useAppDispatch();
    const [loading, setLoading] = useState(true);
    const [error, setError] = useState<string | null>(null);
    const [rowStatus, setRowStatus] = useState<Record<string, StatusMessage | undefined>>({});
    const headingRef = useRef<HTMLHeadingElement>(null);
    const headingId = `hb-${kind}-heading`;
    const noun = `${kind} webhook`;

    useEffect(() => {
        let cancelled = false;
        setLoading(true);
        setError(null);
        dispatch(load(teamId)).then((result) => {
            if (!cancelled) {
                setLoading(false);
                setError(result.error ? result.error.message : null);
            }
        });
        return () => {
            cancelled = true;
        };
    }, [dispatch, load, teamId]);

    const setStatus = (id: string, status: StatusMessage | undefined) => setRowStatus((s) => ({...s, [id]: status}));

    const toggle = async (hook: H, enabled: boolean) => {
        const result = await dispatch(setEnabled(hook, enabled));
        setStatus(hook.id, result.error ? {ok: false, text: result.error.message} : undefined);
    };

    return (
        <section aria-labelledby={headingId}>
            <ViewToolbar
                headingId={headingId}
                headingRef={headingRef}
                title={`${kind === 'incoming' ? 'Incoming' : 'Outgoing'} webhooks`}
            >
                <button
                    type='button'
                    className='hb-btn hb-btn--primary'
                    onClick={onCreate}
                >
                    {`Add ${noun}`}
                </button>
            </ViewToolbar>
            <ErrorBanner message={error}/>
            {loading && hooks.length === 0 && <p role='status'>{'Loading…'}</p>}
            {!loading && !error && hooks.length === 0 && <p>{emptyText}</p>}
            <ul className='hb-hook-list'>
                {hooks.map((hook) => {
                    const title = hookTitle(hook, `Untitled ${noun}`);
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
                                {badges?.(hook)}
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
                            {details(hook, title)}
                            <div className='hb-hook__actions'>
                                <button
                                    type='button'
                                    className='hb-btn hb-btn--small'
                                    aria-label={`Edit ${title}`}
                                    onClick={() => onEdit(hook.id)}
                                >
                                    {'Edit'}
                                </button>
                                {actions?.(hook, title, (next) => setStatus(hook.id, next))}
                                <DeleteConfirm
                                    name={title}
                                    onDelete={async () => {
                                        const result = await dispatch(remove(hook.id));
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
