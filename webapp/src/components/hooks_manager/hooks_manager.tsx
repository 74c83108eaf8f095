import React, {useEffect, useRef, useState} from 'react';

import {fetchMe} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getCurrentTeamId, getMe, getSortedTeams, isMeLoaded} from '../../selectors';
import type {HookKind} from '../../types';
import {ensureStyles} from '../../styles';
import {SelectField} from '../common/fields';
import DeliveryLog from '../delivery_log/delivery_log';
import IncomingEditor from '../incoming/incoming_editor';
import IncomingList from '../incoming/incoming_list';
import OutgoingEditor from '../outgoing/outgoing_editor';
import OutgoingList from '../outgoing/outgoing_list';

export type ManagerView =
    | {kind: 'list'}
    | {kind: 'edit'; hook: HookKind; id?: string; notice?: string}
    | {kind: 'deliveries'; id: string};

type Props = {

    /** Channel the manager was opened from; preselected for new hooks. */
    channelId?: string | null;
    initialTab?: HookKind;
};

const CREATED_NOTICE: Record<HookKind, string> = {
    incoming: 'Incoming webhook created. Copy its URL below and give it to the sending application.',
    outgoing: 'Outgoing webhook created. Its token and signing secret are shown below.',
};

// Views unmount when switching, so the opener is found again by its label.
function accessibleText(element: HTMLElement): string {
    return element.getAttribute('aria-label') ?? element.textContent ?? '';
}

/** Lists, edits and inspects the team's webhooks; shared by the modal and the admin console. */
export default function HooksManager({channelId = null, initialTab}: Props) {
    const dispatch = useAppDispatch();
    const me = useHostSelector(getMe);
    const meLoaded = useHostSelector(isMeLoaded);
    const teams = useHostSelector(getSortedTeams);
    const currentTeamId = useHostSelector(getCurrentTeamId);
    const [teamId, setTeamId] = useState(currentTeamId || teams[0]?.id || '');
    const [tab, setTab] = useState<HookKind>(initialTab ?? 'incoming');
    const [view, setView] = useState<ManagerView>({kind: 'list'});
    const [meError, setMeError] = useState<string | null>(null);
    const tabRefs = useRef<Record<HookKind, HTMLButtonElement | null>>({incoming: null, outgoing: null});
    const returnFocusTo = useRef<string | null>(null);

    useEffect(() => {
        ensureStyles();
        if (!meLoaded) {
            dispatch(fetchMe()).then((result) => setMeError(result.error ? result.error.message : null));
        }
    }, [dispatch, meLoaded]);

    useEffect(() => {
        if (!teamId && (currentTeamId || teams[0]?.id)) {
            setTeamId(currentTeamId || teams[0].id);
        }
    }, [teamId, currentTeamId, teams]);

    const allowed: HookKind[] = [];
    if (me?.can_manage_incoming) {
        allowed.push('incoming');
    }
    if (me?.can_manage_outgoing) {
        allowed.push('outgoing');
    }
    const activeTab = allowed.includes(tab) ? tab : allowed[0];

    // Coming back to the list restores focus to the control that left it.
    useEffect(() => {
        if (view.kind === 'list' && returnFocusTo.current) {
            const wanted = returnFocusTo.current;
            const buttons = Array.from(document.querySelectorAll<HTMLElement>('.hb-root button'));
            buttons.find((b) => accessibleText(b) === wanted)?.focus();
            returnFocusTo.current = null;
        }
    }, [view]);

    if (!meLoaded) {
        return meError ? <div className='hb-banner hb-banner--error' role='alert'>{meError}</div> : <p role='status'>{'Loading…'}</p>;
    }
    if (!activeTab) {
        return <p>{'You do not have permission to manage webhooks.'}</p>;
    }

    const backToList = () => setView({kind: 'list'});
    const rememberFocus = () => {
        const active = document.activeElement;
        returnFocusTo.current = active instanceof HTMLElement ? accessibleText(active) : null;
    };

    const onTabKeyDown = (event: React.KeyboardEvent) => {
        if (allowed.length < 2) {
            return;
        }
        const index = allowed.indexOf(activeTab);
        let next: HookKind | null = null;
        if (event.key === 'ArrowRight') {
            next = allowed[(index + 1) % allowed.length];
        } else if (event.key === 'ArrowLeft') {
            next = allowed[(index - 1 + allowed.length) % allowed.length];
        } else if (event.key === 'Home') {
            next = allowed[0];
        } else if (event.key === 'End') {
            next = allowed[allowed.length - 1];
        }
        if (next) {
            event.preventDefault();
            setTab(next);
            setView({kind: 'list'});
            tabRefs.current[next]?.focus();
        }
    };

    // Leaving the list remembers the opener so coming back can focus it again.
    const leaveListFor = (next: ManagerView) => {
        rememberFocus();
        setView(next);
    };

    const editorProps = (hook: HookKind, id: string | undefined, notice: string | undefined) => ({
        teamId,
        hookId: id,
        defaultChannelId: channelId,
        notice,
        onCancel: backToList,
        onSaved: (saved: {id: string}, created: boolean) => setView({kind: 'edit', hook, id: saved.id, notice: created ? CREATED_NOTICE[hook] : 'Changes saved.'}),
    });

    let content: React.ReactNode;
    if (!teamId) {
        content = <p>{'Join a team to manage its webhooks.'}</p>;
    } else if (view.kind === 'edit' && view.hook === 'incoming') {
        content = (
            <IncomingEditor
                key={view.id ?? 'new'}
                {...editorProps(view.hook, view.id, view.notice)}
            />
        );
    } else if (view.kind === 'edit' && view.hook === 'outgoing') {
        content = (
            <OutgoingEditor
                key={view.id ?? 'new'}
                {...editorProps(view.hook, view.id, view.notice)}
                onShowDeliveries={(id) => setView({kind: 'deliveries', id})}
            />
        );
    } else if (view.kind === 'deliveries') {
        content = (
            <DeliveryLog
                hookId={view.id}
                onBack={backToList}
            />
        );
    } else if (activeTab === 'incoming') {
        content = (
            <IncomingList
                teamId={teamId}
                onCreate={() => leaveListFor({kind: 'edit', hook: 'incoming'})}
                onEdit={(id) => leaveListFor({kind: 'edit', hook: 'incoming', id})}
            />
        );
    } else {
        content = (
            <OutgoingList
                teamId={teamId}
                onCreate={() => leaveListFor({kind: 'edit', hook: 'outgoing'})}
                onEdit={(id) => leaveListFor({kind: 'edit', hook: 'outgoing', id})}
                onShowDeliveries={(id) => leaveListFor({kind: 'deliveries', id})}
            />
        );
    }

    return (
        <div className='hb-root'>
            {teams.length > 1 && (
                <SelectField
                    id='hb-manager-team'
                    label='Team'
                    value={teamId}
                    onChange={(id) => {
                        setTeamId(id);
                        setView({kind: 'list'});
                    }}
                >
                    {teams.map((team) => (
                        <option
                            key={team.id}
                            value={team.id}
                        >
                            {team.display_name || team.name}
                        </option>
                    ))}
                </SelectField>
            )}
            {allowed.length > 1 && (
                <div
                    className='hb-tabs'
                    role='tablist'
                    aria-label='Webhook type'
                >
                    {allowed.map((kind) => (
                        <button
                            key={kind}
                            ref={(el) => {
                                tabRefs.current[kind] = el;
                            }}
                            id={`hb-tab-${kind}`}
                            type='button'
                            role='tab'
                            className='hb-tab'
                            aria-selected={activeTab === kind}
                            aria-controls='hb-tabpanel'
                            tabIndex={activeTab === kind ? 0 : -1}
                            onClick={() => {
                                setTab(kind);
                                setView({kind: 'list'});
                            }}
                            onKeyDown={onTabKeyDown}
                        >
                            {kind === 'incoming' ? 'Incoming' : 'Outgoing'}
                        </button>
                    ))}
                </div>
            )}
            <div
                id='hb-tabpanel'
                role={allowed.length > 1 ? 'tabpanel' : undefined}
                aria-labelledby={allowed.length > 1 ? `hb-tab-${activeTab}` : undefined}
            >
                {content}
            </div>
        </div>
    );
}
