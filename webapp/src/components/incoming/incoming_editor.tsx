import React, {useEffect, useId, useRef, useState} from 'react';

import {createIncomingHook, incomingToInput, regenIncomingSecret, updateIncomingHook} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getIncomingHook} from '../../selectors';
import type {IncomingHook, IncomingHookInput, SignatureMode} from '../../types';
import {cleanList, hasErrors, Limits, validateIncoming} from '../../validation';
import type {FieldErrors} from '../../validation';
import ChannelSelect from '../common/channel_select';
import CopyButton from '../common/copy_button';
import EditableList from '../common/editable_list';
import {CheckboxField, ErrorBanner, SelectField, TextField} from '../common/fields';
import {focusFirstInvalid, mapServerError} from '../hooks_manager/form_utils';

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
    const [draft, setDraft] = useState<Draft>(() => (hook ? draftFromHook(hook) : newDraft(teamId, defaultChannelId ?? '')));
    const [rateLimitText, setRateLimitText] = useState(String(draft.rate_limit.per_minute));
    const [errors, setErrors] = useState<FieldErrors>({});
    const [formError, setFormError] = useState<string | null>(null);
    const [saving, setSaving] = useState(false);
    const [showSecret, setShowSecret] = useState(false);
    const [regenStatus, setRegenStatus] = useState<string | null>(null);
    const [focusRequest, setFocusRequest] = useState(0);
    const formRef = useRef<HTMLFormElement>(null);
    const headingRef = useRef<HTMLHeadingElement>(null);
    const base = useId();
    const fieldId = (name: string) => `${base}-${name}`;
    const isNew = !hookId;

    useEffect(() => {
        if (focusRequest) {
            focusFirstInvalid(formRef.current);
        }
    }, [focusRequest]);

    useEffect(() => {
        headingRef.current?.focus();
    }, [hookId]);

    const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
        setDraft((d) => ({...d, [key]: value}));
    };

    const buildInput = (): IncomingHookInput => {
        const {secret, ...rest} = draft;
        const perMinute = rateLimitText.trim() === '' ? 0 : Number(rateLimitText);
        const signature: IncomingHookInput['signature'] = {mode: draft.signature.mode};
        if (draft.signature.mode !== 'none' && secret) {
            signature.secret = secret;
        }
        const input: IncomingHookInput = {
            ...rest,
            display_name: rest.display_name.trim(),
            description: rest.description.trim(),
            username: rest.username.trim(),
            icon_url: rest.icon_url.trim(),
            allowed_ips: cleanList(rest.allowed_ips),
            rate_limit: {per_minute: perMinute},
            signature,
        };
        if (hookId) {
            input.id = hookId;
        } else {
            delete input.id;
        }
        return input;
    };

    const onSubmit = async (event: React.FormEvent) => {
        event.preventDefault();
        if (saving) {
            return;
        }
        const input = buildInput();
        setDraft((d) => ({...d, allowed_ips: input.allowed_ips}));
        const validation = validateIncoming(input);
        setFormError(null);
        if (hasErrors(validation)) {
            setErrors(validation);
            setFocusRequest((n) => n + 1);
            return;
        }
        setErrors({});
        setSaving(true);
        const result = hookId ? await dispatch(updateIncomingHook(hookId, input)) : await dispatch(createIncomingHook(input));
        setSaving(false);
        if (result.error) {
            const mapped = mapServerError(result.error, KNOWN_FIELDS);
            setErrors(mapped.fieldErrors);
            setFormError(mapped.formError);
            setFocusRequest((n) => n + 1);
            return;
        }
        onSaved(result.data, isNew);
    };

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

    if (hookId && !hook) {
        return <p>{'This webhook no longer exists.'}</p>;
    }

    return (
        <form
            ref={formRef}
            noValidate={true}
            onSubmit={onSubmit}
            aria-labelledby={fieldId('heading')}
        >
            <div className='hb-toolbar'>
                <h3
                    id={fieldId('heading')}
                    ref={headingRef}
                    tabIndex={-1}
                    className='hb-toolbar__title'
                >
                    {isNew ? 'Add incoming webhook' : `Edit ${hook?.display_name || 'incoming webhook'}`}
                </h3>
            </div>
            {notice && (
                <div
                    className='hb-banner hb-banner--success'
                    role='status'
                >
                    {notice}
                </div>
            )}
            <ErrorBanner message={formError}/>

            {hook?.url && (
                <div className='hb-field'>
                    <label htmlFor={fieldId('url')}>{'Webhook URL'}</label>
                    <div className='hb-row'>
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
                    </div>
                    <div className='hb-help'>{'Anyone with this URL can post to the channel unless a signature is required. Treat it like a password.'}</div>
                </div>
            )}

            <TextField
                id={fieldId('display_name')}
                label='Title'
                value={draft.display_name}
                onChange={(v) => set('display_name', v)}
                error={errors.display_name}
                help={`Up to ${Limits.DISPLAY_NAME} bytes.`}
            />
            <TextField
                id={fieldId('description')}
                label='Description'
                value={draft.description}
                onChange={(v) => set('description', v)}
                error={errors.description}
                multiline={true}
            />
            <ChannelSelect
                id={fieldId('channel_id')}
                label='Channel'
                teamId={draft.team_id || teamId}
                value={draft.channel_id}
                onChange={(v) => set('channel_id', v)}
                error={errors.channel_id}
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
                <TextField
                    id={fieldId('username')}
                    label='Username'
                    value={draft.username}
                    onChange={(v) => set('username', v)}
                    error={errors.username}
                    help='Shown as the author when username override is enabled.'
                    autoComplete='off'
                />
                <TextField
                    id={fieldId('icon_url')}
                    label='Profile picture URL'
                    value={draft.icon_url}
                    onChange={(v) => set('icon_url', v)}
                    error={errors.icon_url}
                    type='url'
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
                <div className='hb-field'>
                    <label htmlFor={fieldId('secret')}>{'Signing secret'}</label>
                    <div className='hb-row'>
                        <input
                            id={fieldId('secret')}
                            className='hb-input'
                            type={showSecret ? 'text' : 'password'}
                            value={draft.secret}
                            autoComplete='new-password'
                            spellCheck={false}
                            aria-invalid={errors.secret ? true : undefined}
                            aria-describedby={`${fieldId('secret')}-help${errors.secret ? ` ${fieldId('secret')}-error` : ''}`}
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
                    </div>
                    <div
                        id={`${fieldId('secret')}-help`}
                        className='hb-help'
                    >
                        {secretHelp(draft.signature.mode)}
                    </div>
                    {errors.secret && (
                        <div
                            id={`${fieldId('secret')}-error`}
                            className='hb-error'
                            role='alert'
                        >
                            {errors.secret}
                        </div>
                    )}
                    {regenStatus && (
                        <div
                            className='hb-help'
                            role='status'
                        >
                            {regenStatus}
                        </div>
                    )}
                </div>
            )}

            <EditableList
                id={fieldId('allowed_ips')}
                errorKey='allowed_ips'
                label='Allowed IP addresses'
                itemLabel='IP address or range'
                values={draft.allowed_ips}
                onChange={(v) => set('allowed_ips', v)}
                errors={errors}
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
            <CheckboxField
                id={fieldId('enabled')}
                label='Enabled'
                checked={draft.enabled}
                onChange={(v) => set('enabled', v)}
                help='A disabled webhook rejects requests but keeps its URL.'
            />

            <div className='hb-row'>
                <button
                    type='submit'
                    className='hb-btn hb-btn--primary'
                    disabled={saving}
                >
                    {saving ? 'Saving…' : (isNew ? 'Create webhook' : 'Save changes')}
                </button>
                <button
                    type='button'
                    className='hb-btn'
                    onClick={onCancel}
                >
                    {'Back to list'}
                </button>
            </div>
        </form>
    );
}
