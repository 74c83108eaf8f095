import React, {useMemo} from 'react';

import type {Channel} from '@mattermost/types/channels';

import {useHostSelector} from '../../hooks';
import {getCurrentTeamId, getSortedUserOptions, makeGetTeamChannels} from '../../selectors';

export type SelectOption = {text: string; value: string};

/** Name a channel is shown by: its display name, or its handle when it has none. */
export function channelName(channel: Pick<Channel, 'display_name' | 'name'>): string {
    return channel.display_name || channel.name;
}

/** The team's public and private channels, sorted by name. */
export function useTeamChannels(teamId: string): Channel[] {
    const getTeamChannels = useMemo(makeGetTeamChannels, []);
    return useHostSelector((state) => getTeamChannels(state, teamId));
}

/**
 * Options of a Mattermost `data_source` ("users" or "channels" of the current
 * team), as dialogs and message menus list them; null for any other source,
 * where the caller's static options apply.
 */
export function useDataSourceOptions(dataSource: string | undefined): SelectOption[] | null {
    const teamId = useHostSelector(getCurrentTeamId);
    const channels = useTeamChannels(teamId);
    const users = useHostSelector(getSortedUserOptions);
    return useMemo(() => {
        if (dataSource === 'users') {
            return users.map((u) => ({text: u.label, value: u.id}));
        }
        if (dataSource === 'channels') {
            return channels.map((c) => ({text: channelName(c), value: c.id}));
        }
        return null;
    }, [dataSource, users, channels]);
}

/** The `<option>` elements of a native select. */
export function OptionList({options}: {options: SelectOption[]}) {
    return (
        <>
            {options.map((o) => (
                <option
                    key={o.value}
                    value={o.value}
                >
                    {o.text}
                </option>
            ))}
        </>
    );
}
