import React, {useState} from 'react';

import type {PostAction} from '@mattermost/types/integration_actions';

import {doPostAction} from '../../client';
import type {StatusMessage} from '../common/fields';
import {OptionList, useDataSourceOptions} from '../common/select_options';

import {isHexColor} from './attachment_utils';

const KNOWN_STYLES = ['good', 'success', 'warning', 'danger', 'default', 'primary'];

function buttonStyle(style: string | undefined): {className: string; inline?: React.CSSProperties} {
    if (isHexColor(style)) {
        return {className: 'hb-action', inline: {color: style, borderColor: style}};
    }
    const name = style && KNOWN_STYLES.includes(style) ? style : 'primary';
    return {className: `hb-action hb-action--${name}`};
}

type Feedback = StatusMessage | null;

type ActionProps = {
    action: PostAction & {id: string};
    postId: string;
    busy: boolean;
    run: (action: PostAction & {id: string}, selected?: string) => void;
};

function ActionButton({action, busy, run}: ActionProps) {
    const {className, inline} = buttonStyle(action.style);
    return (
        <button
            type='button'
            className={className}
            style={inline}
            disabled={action.disabled || busy}
            title={action.tooltip || undefined}
            data-action-id={action.id}
            onClick={() => run(action)}
        >
            {action.name}
        </button>
    );
}

function ActionMenu({action, busy, run}: ActionProps) {
    const sourceOptions = useDataSourceOptions(action.data_source);
    const [value, setValue] = useState(action.default_option ?? '');

    const options = sourceOptions ??
        (action.options ?? []).filter((o) => o && typeof o.value === 'string').map((o) => ({text: o.text, value: o.value}));

    return (
        <select
            className='hb-select'
            aria-label={action.name}
            title={action.tooltip || undefined}
            value={value}
            disabled={action.disabled || busy}
            data-action-id={action.id}
            onChange={(e) => {
                setValue(e.target.value);
                if (e.target.value) {
                    run(action, e.target.value);
                }
            }}
        >
            <option
                value=''
                disabled={true}
            >
                {action.name}
            </option>
            <OptionList options={options}/>
        </select>
    );
}

type Props = {
    actions: PostAction[];
    postId: string;
};

/** Buttons and menus of one attachment, posting clicks to Mattermost's action endpoint. */
export default function AttachmentActions({actions, postId}: Props) {
    const [busy, setBusy] = useState(false);
    const [feedback, setFeedback] = useState<Feedback>(null);

    // Core skips actions it could not route a click for; so does this.
    const usable = actions.filter((a): a is PostAction & {id: string} => Boolean(a && a.id && a.name));
    if (!usable.length) {
        return null;
    }

    const run = async (action: PostAction & {id: string}, selected?: string) => {
        setBusy(true);
        setFeedback(null);
        try {
            const result = await doPostAction(postId, action.id, selected, action.cookie);
            setFeedback(result.ephemeral_text ? {ok: true, text: result.ephemeral_text} : null);
        } catch (err) {
            setFeedback({ok: false, text: err instanceof Error ? err.message : 'The action failed.'});
        } finally {
            setBusy(false);
        }
    };

    return (
        <>
            <div className='hb-attachment__actions'>
                {usable.map((action) => {
                    const Control = action.type === 'select' ? ActionMenu : ActionButton;
                    return (
                        <Control
                            key={action.id}
                            action={action}
                            postId={postId}
                            busy={busy}
                            run={run}
                        />
                    );
                })}
            </div>
            <div
                className={`hb-action-status${feedback && !feedback.ok ? ' hb-error' : ''}`}
                role='status'
                aria-live='polite'
            >
                {feedback?.text}
            </div>
        </>
    );
}
