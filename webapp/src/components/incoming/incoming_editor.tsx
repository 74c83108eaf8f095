import React, {useState} from 'react';

import {createIncomingHook, incomingToInput, regenIncomingSecret, updateIncomingHook} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getIncomingHook} from '../../selectors';
import type {IncomingHook, IncomingHookInput, SignatureMode} from '../../types';
import {cleanList, validateIncoming} from '../../validation';
import CopyButton from '../common/copy_button';
import {CheckboxField, describedBy, FieldMessages, InputRowField, SelectField, TextField} from '../common/fields';
import {DraftListField, finishHookInput, HookChannelField, HookEditorForm, HookNameFields, PostAsFields, useHookEditor} from '../hooks_manager/hook_editor';

const KNOWN_FIELDS = ['display_name', 'description', 'channel_id', 'channel_locked', 'username', 'icon_url', 'secret', 'signature_mode', 'allowed_ips', 'rate_limit', 'enabled'] as const;

type Props = {
    teamId: string;
    hookId?: string;
    defaultChannelId?: string | null;
    notice?: string | null;
    onSaved: (hook: IncomingHook, created: boolean) => void;
    onCancel: () => void;
};

type Draft = IncomingHookInput & {secret: string};

function newDraft(teamId: string, channelId: string): Draft {
    return {
        team_id: teamId,
        channel_id: channelId,
        display_name: '',
        description: '',
        username: '',
        icon_url: '',
        channel_locked: true,
        enabled: true,
        signature: {mode: 'none'},
        allowed_ips: [],
        rate_limit: {per_minute: 0},
        secret: '',
    };
}

function draftFromHook(hook: IncomingHook): Draft {
    return {...incomingToInput(hook), allowed_ips: [...(hook.allowed_ips ?? [])], secret: hook.signature?.secret ?? ''};
}

function secretHelp(mode: SignatureMode): string {
    if (mode === 'github') {
        return 'Use the same value as the Secret of the GitHub webhook. Requests must carry a valid X-Hub-Signature-256 header. Leave empty on creation to have one generated.';
    }
    if (mode === 'slack') {
        return 'Paste the Signing Secret of the Slack app. Requests must carry valid X-Slack-Signature and X-Slack-Request-Timestamp headers.';
    }
    return '';
}

export default function IncomingEditor({teamId, hookId, defaultChannelId, notice, onSaved, onCancel}: Props) {
    const dispatch = useAppDispatch();
    const hook = useHostSelector((state) => (hookId ? getIncomingHook(state, hookId) : undefined));
    const editor = useHookEditor<IncomingHook, Draft>({
        hookId,
        initialDraft: () => (hook ? draftFromHook(hook) : newDraft(teamId, defaultChannelId ?? '')),
        knownFields: KNOWN_FIELDS,
        onSaved,
    });
    const {draft, setDraft, set, errors, fieldId} = editor;
    const [rateLimitText, setRateLimitText] = useState(String(draft.rate_limit.per_minute));
    const [showSecret, setShowSecret] = useState(false);
    const [regenStatus, setRegenStatus] = useState<string | null>(null);

    const buildInput = (): IncomingHookInput => {
        const {secret, ...rest} = draft;
        const perMinute = rateLimitText.trim() === '' ? 0 : Number(rateLimitText);
        const signature: IncomingHookInput['signature'] = {mode: draft.signature.mode};
        if (draft.signature.mode !== 'none' && secret) {
            signature.secret = secret;
        }
        return finishHookInput({
            ...rest,
            allowed_ips: cleanList(rest.allowed_ips),
            rate_limit: {per_minute: perMinute},
            signature,
        }, hookId);
    };

    const onSubmit = editor.submitWith(() => {
        const input = buildInput();
        setDraft((d) => ({...d, allowed_ips: input.allowed_ips}));
        return {
            validation: validateIncoming(input),
            save: () => (hookId ? dispatch(updateIncomingHook(hookId, input)) : dispatch(createIncomingHook(input))),
        };
    });

    const onRegenerateSecret = async () => {
        if (!hookId) {
            return;
        }
        setRegenStatus(null);
        const result = await dispatch(regenIncomingSecret(hookId));
        if (result.error) {
            setRegenStatus(result.error.message);
            return;
        }
        setDraft((d) => ({...d, secret: result.data.signature?.secret ?? ''}));
        setShowSecret(true);
        setRegenStatus('A new secret was generated. Update the sender before it sends again.');
    };

    return (
        <HookEditorForm
            editor={editor}
            kind='incoming'
            hook={hook}
            notice={notice}
            onSubmit={onSubmit}
            onCancel={onCancel}
            enabledHelp='A disabled webhook rejects requests but keeps its URL.'
        >
            {hook?.url && (
                <InputRowField
                    id={fieldId('url')}
                    label='Webhook URL'
                    row={(
                        <>
                            <input
                                id={fieldId('url')}
                                className='hb-input'
                                value={hook.url}
                                readOnly={true}
                                onFocus={(e) => e.target.select()}
                            />
                            <CopyButton
                                value={hook.url}
                                label='webhook URL'
                            />
                        </>
                    )}
                >
                    <div className='hb-help'>{'Anyone with this URL can post to the channel unless a signature is required. Treat it like a password.'}</div>
                </InputRowField>
            )}

            <HookNameFields editor={editor}/>
            <HookChannelField
                editor={editor}
                teamId={teamId}
                required={true}
                help='Default channel for posts sent to this webhook.'
            />
            <CheckboxField
                id={fieldId('channel_locked')}
                label='Lock to this channel'
                checked={draft.channel_locked}
                onChange={(v) => set('channel_locked', v)}
                help='When locked, payloads cannot choose another channel.'
            />
            <div className='hb-grid-2'>
                <PostAsFields
                    editor={editor}
                    usernameHelp='Shown as the author when username override is enabled.'
                />
            </div>

            <SelectField
                id={fieldId('signature_mode')}
                label='Signature verification'
                value={draft.signature.mode}
                onChange={(v) => set('signature', {mode: v as SignatureMode})}
                error={errors.signature_mode}
            >
                <option value='none'>{'None (the URL is the only secret)'}</option>
                <option value='github'>{'GitHub (X-Hub-Signature-256)'}</option>
                <option value='slack'>{'Slack (X-Slack-Signature)'}</option>
            </SelectField>
            {draft.signature.mode !== 'none' && (
                <InputRowField
                    id={fieldId('secret')}
                    label='Signing secret'
                    row={(
                        <>
                            <input
                                id={fieldId('secret')}
                                className='hb-input'
                                type={showSecret ? 'text' : 'password'}
                                value={draft.secret}
                                autoComplete='new-password'
                                spellCheck={false}
                                aria-invalid={errors.secret ? true : undefined}
                                aria-describedby={describedBy({id: fieldId('secret'), help: secretHelp(draft.signature.mode), error: errors.secret})}
                                onChange={(e) => set('secret', e.target.value)}
                            />
                            <button
                                type='button'
                                className='hb-btn hb-btn--small'
                                aria-pressed={showSecret}
                                aria-label={showSecret ? 'Hide signing secret' : 'Show signing secret'}
                                onClick={() => setShowSecret(!showSecret)}
                            >
                                {showSecret ? 'Hide' : 'Show'}
                            </button>
                            {draft.secret && (
                                <CopyButton
                                    value={draft.secret}
                                    label='signing secret'
                                />
                            )}
                            {hookId && (
                                <button
                                    type='button'
                                    className='hb-btn hb-btn--small'
                                    onClick={onRegenerateSecret}
                                >
                                    {'Generate new secret'}
                                </button>
                            )}
                        </>
                    )}
                >
                    <FieldMessages
                        id={fieldId('secret')}
                        help={secretHelp(draft.signature.mode)}
                        error={errors.secret}
                    />
                    {regenStatus && (
                        <div
                            className='hb-help'
                            role='status'
                        >
                            {regenStatus}
                        </div>
                    )}
                </InputRowField>
            )}

            <DraftListField
                editor={editor}
                field='allowed_ips'
                label='Allowed IP addresses'
                itemLabel='IP address or range'
                placeholder='203.0.113.0/24'
                help='Leave empty to accept requests from anywhere. Accepts single addresses and CIDR ranges.'
            />
            <TextField
                id={fieldId('rate_limit')}
                label='Rate limit (requests per minute)'
                value={rateLimitText}
                onChange={setRateLimitText}
                error={errors.rate_limit}
                type='number'
                inputMode='numeric'
                min={0}
                help='0 means unlimited.'
            />
        </HookEditorForm>
    );
}
