import React from 'react';

import {SelectField} from './fields';
import {channelName, useTeamChannels} from './select_options';

type Props = {
    id: string;
    label: string;
    teamId: string;
    value: string;
    onChange: (channelId: string) => void;
    error?: string;
    help?: React.ReactNode;
    required?: boolean;

    /** Label of an empty choice; when omitted a placeholder forces a pick. */
    anyLabel?: string;
    selectRef?: React.Ref<HTMLSelectElement>;
};

/** Native select over the team's channels: fully keyboard- and screen-reader-friendly. */
export default function ChannelSelect({id, label, teamId, value, onChange, error, help, required, anyLabel, selectRef}: Props) {
    const channels = useTeamChannels(teamId);
    const known = channels.some((c) => c.id === value);

    return (
        <SelectField
            id={id}
            label={label}
            value={value}
            onChange={onChange}
            error={error}
            help={help}
            required={required}
            selectRef={selectRef}
        >
            <option value=''>{anyLabel ?? 'Select a channel…'}</option>
            {value && !known && (
                <option value={value}>{`Channel not loaded (${value})`}</option>
            )}
            {channels.map((channel) => (
                <option
                    key={channel.id}
                    value={channel.id}
                >
                    {channel.type === 'P' ? `${channelName(channel)} (private)` : channelName(channel)}
                </option>
            ))}
        </SelectField>
    );
}
