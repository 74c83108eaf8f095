import React, {useMemo} from 'react';

import {deleteIncomingHook, fetchIncomingHooks, setIncomingEnabled} from '../../actions';
import {useHostSelector} from '../../hooks';
import {getChannels, makeGetIncomingHooksForTeam} from '../../selectors';
import CopyButton from '../common/copy_button';
import HookList, {channelMention} from '../hooks_manager/hook_list';

type Props = {
    teamId: string;
    onCreate: () => void;
    onEdit: (id: string) => void;
};

export default function IncomingList({teamId, onCreate, onEdit}: Props) {
    const getHooks = useMemo(makeGetIncomingHooksForTeam, []);
    const hooks = useHostSelector((state) => getHooks(state, teamId));
    const channels = useHostSelector(getChannels);

    return (
        <HookList
            kind='incoming'
            teamId={teamId}
            hooks={hooks}
            emptyText='No incoming webhooks in this team yet. They let other applications post messages to a channel.'
            load={fetchIncomingHooks}
            setEnabled={setIncomingEnabled}
            remove={deleteIncomingHook}
            onCreate={onCreate}
            onEdit={onEdit}
            badges={(hook) => hook.signature?.mode && hook.signature.mode !== 'none' && (
                <span className='hb-badge'>{`${hook.signature.mode} signature`}</span>
            )}
            details={(hook, title) => (
                <>
                    <div className='hb-hook__meta'>
                        {`Posts to ${channelMention(channels, hook.channel_id)}${hook.channel_locked ? ' (locked)' : ''}`}
                    </div>
                    <div className='hb-hook__meta hb-row'>
                        <code>{hook.url}</code>
                        <CopyButton
                            value={hook.url}
                            label={`URL of ${title}`}
                        />
                    </div>
                </>
            )}
        />
    );
}
