import React, {useMemo} from 'react';

import {deleteOutgoingHook, fetchOutgoingHooks, setOutgoingEnabled, testOutgoingHook} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getChannels, makeGetOutgoingHooksForTeam} from '../../selectors';
import type {OutgoingHook} from '../../types';
import type {StatusMessage} from '../common/fields';
import {queuedDeliveryStatus, testEventQueued} from '../delivery_log/delivery_format';
import HookList, {channelMention} from '../hooks_manager/hook_list';

type Props = {
    teamId: string;
    onCreate: () => void;
    onEdit: (id: string) => void;
    onShowDeliveries: (id: string) => void;
};

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

    const sendTest = async (hook: OutgoingHook, setStatus: (status: StatusMessage) => void) => {
        setStatus({ok: true, text: 'Sending test event…'});
        const result = await dispatch(testOutgoingHook(hook.id));
        setStatus(queuedDeliveryStatus(result, testEventQueued));
    };

    return (
        <HookList
            kind='outgoing'
            teamId={teamId}
            hooks={hooks}
            emptyText='No outgoing webhooks in this team yet. They send matching messages to other applications.'
            load={fetchOutgoingHooks}
            setEnabled={setOutgoingEnabled}
            remove={deleteOutgoingHook}
            onCreate={onCreate}
            onEdit={onEdit}
            details={(hook) => (
                <>
                    <div className='hb-hook__meta'>{`${describeTrigger(hook)} in ${hook.channel_id ? channelMention(channels, hook.channel_id) : 'any channel'}`}</div>
                    <div className='hb-hook__meta'>{`Sends to ${(hook.callback_urls ?? []).join(', ')}`}</div>
                </>
            )}
            actions={(hook, title, setStatus) => (
                <>
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
                        onClick={() => sendTest(hook, setStatus)}
                    >
                        {'Send test event'}
                    </button>
                </>
            )}
        />
    );
}
