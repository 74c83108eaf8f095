import React, {useEffect, useId, useRef, useState} from 'react';

import {
    createOutgoingHook,
    outgoingToInput,
    regenOutgoingSecret,
    regenOutgoingToken,
    testOutgoingHook,
    updateOutgoingHook,
} from '../../actions';
import {useAppDispatch, useHostSelector} from '../../hooks';
import {getOutgoingHook} from '../../selectors';
import type {HookChannelType, MatchMode, OutgoingContentType, OutgoingEvent, OutgoingHook, OutgoingHookInput, TriggerWhen} from '../../types';
import {cleanList, hasErrors, Limits, regexError, validateOutgoing} from '../../validation';
import type {FieldErrors} from '../../validation';
import ChannelSelect from '../common/channel_select';
import EditableList from '../common/editable_list';
import {CheckboxField, ErrorBanner, SelectField, TextField} from '../common/fields';
import SecretField from '../common/secret_field';
import {focusFirstInvalid, mapServerError} from '../hooks_manager/form_utils';

import HeadersEditor from './headers_editor';
import type {HeaderRow} from './headers_editor';

const KNOWN_FIELDS = [
    'display_name', 'description', 'team_id', 'channel_id', 'trigger_words', 'trigger_when', 'callback_urls', 'content_type',
    'username', 'icon_url', 'pattern', 'match', 'events', 'channel_types', 'headers', 'max_attempts', 'enabled',
] as const;

export const DEFAULT_MAX_ATTEMPTS = 3;

const EVENT_LABELS: Record<OutgoingEvent, string> = {
    posted: 'A message is posted',
    edited: 'A message is edited',
};

const CHANNEL_TYPE_LABELS: Record<HookChannelType, string> = {
    O: 'Public channels',
    P: 'Private channels',
    D: 'Direct messages',
    G: 'Group messages',
};

type Props = {
    teamId: string;
    hookId?: string;
    defaultChannelId?: string | null;
    notice?: string | null;
    onSaved: (hook: OutgoingHook, created: boolean) => void;
    onCancel: () => void;
    onShowDeliveries?: (hookId: string) => void;
};

type Draft = Omit<OutgoingHookInput, 'headers'> & {headerRows: HeaderRow[]; maxAttemptsText: string};

function newDraft(teamId: string, channelId: string): Draft {
    return {
        team_id: teamId,
        channel_id: channelId,
        trigger_words: [],
        trigger_when: 0,
        callback_urls: [''],
        display_name: '',
        description: '',

        // Same default as the built-in form, so existing receivers keep working.
        content_type: 'application/x-www-form-urlencoded',
        username: '',
        icon_url: '',
        enabled: true,
        match: {mode: 'first_word', case_insensitive: false, pattern: ''},
        events: ['posted'],
        channel_types: ['O'],
        headerRows: [],
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        maxAttemptsText: String(DEFAULT_MAX_ATTEMPTS),
    };
}

function draftFromHook(hook: OutgoingHook): Draft {
    const {headers, ...rest} = outgoingToInput(hook);
    return {
        ...rest,
        trigger_words: [...(hook.trigger_words ?? [])],
        callback_urls: [...(hook.callback_urls ?? [])],
        match: {mode: hook.match?.mode ?? 'first_word', case_insensitive: Boolean(hook.match?.case_insensitive), pattern: hook.match?.pattern ?? ''},
        events: [...(hook.events ?? ['posted'])],
        channel_types: [...(hook.channel_types ?? ['O'])],
        headerRows: Object.entries(headers ?? {}).map(([name, value]) => ({name, value})),
        maxAttemptsText: String(hook.max_attempts ?? DEFAULT_MAX_ATTEMPTS),
    };
}

function toggleIn<T>(list: T[], item: T, on: boolean): T[] {
    const without = list.filter((x) => x !== item);
    return on ? [...without, item] : without;
}

function formatExpiry(ms: number): string {
    return new Date(ms).toLocaleString();
}

export default function OutgoingEditor({teamId, hookId, defaultChannelId, notice, onSaved, onCancel, onShowDeliveries}: Props) {
    const dispatch = useAppDispatch();
    const hook = useHostSelector((state) => (hookId ? getOutgoingHook(state, hookId) : undefined));
    const [draft, setDraft] = useState<Draft>(() => (hook ? draftFromHook(hook) : newDraft(teamId, defaultChannelId ?? '')));
    const [errors, setErrors] = useState<FieldErrors>({});
    const [formError, setFormError] = useState<string | null>(null);
    const [saving, setSaving] = useState(false);
    const [testStatus, setTestStatus] = useState<{ok: boolean; text: string} | null>(null);
    const [testing, setTesting] = useState(false);
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

    const setMatch = (patch: Partial<Draft['match']>) => {
        setDraft((d) => ({...d, match: {...d.match, ...patch}}));
    };

    const cleanedHeaderRows = (): HeaderRow[] => draft.headerRows.
        map((r) => ({name: r.name.trim(), value: r.value})).
        filter((r) => r.name || r.value.trim());

    const buildInput = (rows: HeaderRow[]): OutgoingHookInput => {
        const {headerRows: _rows, maxAttemptsText, ...rest} = draft;
        const headers: Record<string, string> = {};
        rows.forEach((r) => {
            headers[r.name] = r.value;
        });
        const match: OutgoingHookInput['match'] = {mode: rest.match.mode, case_insensitive: rest.match.case_insensitive};
        if (rest.match.mode === 'regex') {
            match.pattern = rest.match.pattern ?? '';
        }
        const input: OutgoingHookInput = {
            ...rest,
            display_name: rest.display_name.trim(),
            description: rest.description.trim(),
            username: rest.username.trim(),
            icon_url: rest.icon_url.trim(),
            trigger_words: cleanList(rest.trigger_words),
            callback_urls: cleanList(rest.callback_urls),
            match,
            headers,
            max_attempts: maxAttemptsText.trim() === '' ? NaN : Number(maxAttemptsText),
        };
        if (hookId) {
            input.id = hookId;
        } else {
            delete input.id;
        }
        return input;
    };

    const validateHeaderRows = (rows: HeaderRow[]): FieldErrors => {
        const result: FieldErrors = {};
        const seen = new Set<string>();
        rows.forEach((row, index) => {
            const lower = row.name.toLowerCase();
            if (!row.name) {
                result[`headers.${index}`] = 'Enter a header name or remove this row.';
            } else if (seen.has(lower)) {
                result[`headers.${index}`] = 'This header is already set above.';
            }
            seen.add(lower);
        });
        return result;
    };

    const onSubmit = async (event: React.FormEvent) => {
        event.preventDefault();
        if (saving) {
            return;
        }
        const rows = cleanedHeaderRows();
        const input = buildInput(rows);

        // Show the cleaned lists so row numbers in error messages match what is on screen.
        setDraft((d) => ({...d, trigger_words: input.trigger_words, callback_urls: input.callback_urls.length ? input.callback_urls : [''], headerRows: rows}));
        const rowErrors = validateHeaderRows(rows);
        const validation = {...validateOutgoing(input), ...rowErrors};
        setFormError(null);
        if (hasErrors(validation)) {
            setErrors(validation);
            setFocusRequest((n) => n + 1);
            return;
        }
        setErrors({});
        setSaving(true);
        const result = hookId ? await dispatch(updateOutgoingHook(hookId, input)) : await dispatch(createOutgoingHook(input));
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

    const onTest = async () => {
        if (!hookId) {
            return;
        }
        setTesting(true);
        setTestStatus(null);
        const result = await dispatch(testOutgoingHook(hookId));
        setTesting(false);
        setTestStatus(result.error ? {ok: false, text: result.error.message} : {ok: true, text: `Test event queued (delivery ${result.data.delivery_id}).`});
    };

    const regen = (action: typeof regenOutgoingToken) => async () => {
        if (!hookId) {
            return null;
        }
        const result = await dispatch(action(hookId));
        return result.error ? result.error.message : null;
    };

    const onPatternBlur = () => {
        if (draft.match.mode !== 'regex' || !draft.match.pattern) {
            return;
        }
        const problem = regexError(draft.match.pattern, draft.match.case_insensitive);
        setErrors((e) => {
            const next = {...e};
            if (problem) {
                next.pattern = `The pattern does not compile: ${problem}`;
            } else {
                delete next.pattern;
            }
            return next;
        });
    };

    if (hookId && !hook) {
        return <p>{'This webhook no longer exists.'}</p>;
    }

    const mode = draft.match.mode;

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
                    {isNew ? 'Add outgoing webhook' : `Edit ${hook?.display_name || 'outgoing webhook'}`}
                </h3>
                {hookId && (
                    <>
                        <button
                            type='button'
                            className='hb-btn hb-btn--small'
                            disabled={testing}
                            onClick={onTest}
                        >
                            {testing ? 'Sending…' : 'Send test event'}
                        </button>
                        {onShowDeliveries && (
                            <button
                                type='button'
                                className='hb-btn hb-btn--small'
                                onClick={() => onShowDeliveries(hookId)}
                            >
                                {'Delivery log'}
                            </button>
                        )}
                    </>
                )}
            </div>
            {notice && (
                <div
                    className='hb-banner hb-banner--success'
                    role='status'
                >
                    {notice}
                </div>
            )}
            {testStatus && (
                <div
                    className={`hb-banner ${testStatus.ok ? 'hb-banner--info' : 'hb-banner--error'}`}
                    role={testStatus.ok ? 'status' : 'alert'}
                >
                    {testStatus.text}
                </div>
            )}
            {hook && !hook.enabled && hook.disabled_reason && (
                <div
                    className='hb-banner hb-banner--info'
                    role='note'
                >
                    {`Disabled by the server: ${hook.disabled_reason}`}
                </div>
            )}
            <ErrorBanner message={formError}/>

            {hook && (
                <>
                    <SecretField
                        id={fieldId('token')}
                        label='Token'
                        value={hook.token}
                        help='Sent in every payload so the receiver can check where it came from.'
                        onRegenerate={regen(regenOutgoingToken)}
                        regenerateWarning='The current token stops working immediately. Update the receiver first.'
                    />
                    <SecretField
                        id={fieldId('signing_secret')}
                        label='Signing secret'
                        value={hook.signing_secret ?? ''}
                        help={hook.previous_secret_expires_at ?
                            `Requests are signed with this secret. The previous secret is still accepted until ${formatExpiry(hook.previous_secret_expires_at)}.` :
                            'Requests are signed with this secret (HMAC-SHA256) so the receiver can verify them.'}
                        onRegenerate={regen(regenOutgoingSecret)}
                        regenerateWarning='Deliveries are signed with the new secret right away; the previous one stays valid for a grace period.'
                    />
                </>
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
            {errors.team_id && (
                <div
                    className='hb-banner hb-banner--error'
                    role='alert'
                >
                    {errors.team_id}
                </div>
            )}
            <div className='hb-grid-2'>
                <SelectField
                    id={fieldId('content_type')}
                    label='Content type'
                    value={draft.content_type}
                    onChange={(v) => set('content_type', v as OutgoingContentType)}
                    error={errors.content_type}
                >
                    <option value='application/x-www-form-urlencoded'>{'application/x-www-form-urlencoded'}</option>
                    <option value='application/json'>{'application/json'}</option>
                </SelectField>
                <ChannelSelect
                    id={fieldId('channel_id')}
                    label='Channel'
                    teamId={draft.team_id || teamId}
                    value={draft.channel_id}
                    onChange={(v) => set('channel_id', v)}
                    error={errors.channel_id}
                    anyLabel='Any channel (trigger words required)'
                />
            </div>

            <SelectField
                id={fieldId('match_mode')}
                label='Match'
                value={mode}
                onChange={(v) => setMatch({mode: v as MatchMode})}
                error={errors.match}
            >
                <option value='first_word'>{'First word of the message'}</option>
                <option value='anywhere'>{'Trigger word anywhere in the message'}</option>
                <option value='regex'>{'Regular expression'}</option>
            </SelectField>
            {mode === 'first_word' && (
                <SelectField
                    id={fieldId('trigger_when')}
                    label='Trigger when'
                    value={String(draft.trigger_when)}
                    onChange={(v) => set('trigger_when', Number(v) as TriggerWhen)}
                    error={errors.trigger_when}
                >
                    <option value='0'>{'First word matches a trigger word exactly'}</option>
                    <option value='1'>{'First word starts with a trigger word'}</option>
                </SelectField>
            )}
            {mode === 'regex' && (
                <TextField
                    id={fieldId('pattern')}
                    label='Pattern'
                    value={draft.match.pattern ?? ''}
                    onChange={(v) => setMatch({pattern: v})}
                    onBlur={onPatternBlur}
                    error={errors.pattern}
                    required={true}
                    spellCheck={false}
                    placeholder='^deploy\s+(\w+)'
                    help='JavaScript regular expression tested against the whole message.'
                />
            )}
            <CheckboxField
                id={fieldId('case_insensitive')}
                label='Ignore case'
                checked={draft.match.case_insensitive}
                onChange={(v) => setMatch({case_insensitive: v})}
            />
            <EditableList
                id={fieldId('trigger_words')}
                errorKey='trigger_words'
                label={mode === 'regex' ? 'Trigger words (optional with a pattern)' : 'Trigger words'}
                itemLabel='Trigger word'
                values={draft.trigger_words}
                onChange={(v) => set('trigger_words', v)}
                errors={errors}
                help='One word per row, without spaces. Press Enter to add another.'
            />
            <EditableList
                id={fieldId('callback_urls')}
                errorKey='callback_urls'
                label='Callback URLs'
                itemLabel='Callback URL'
                values={draft.callback_urls}
                onChange={(v) => set('callback_urls', v)}
                errors={errors}
                inputType='url'
                placeholder='https://example.com/hooks/mattermost'
                required={true}
            />

            <fieldset className='hb-fieldset'>
                <legend>{'Send when'}</legend>
                {(Object.keys(EVENT_LABELS) as OutgoingEvent[]).map((ev) => (
                    <CheckboxField
                        key={ev}
                        id={fieldId(`event-${ev}`)}
                        label={EVENT_LABELS[ev]}
                        checked={draft.events.includes(ev)}
                        onChange={(on) => set('events', toggleIn(draft.events, ev, on))}
                    />
                ))}
            </fieldset>
            {!draft.channel_id && (
                <fieldset className='hb-fieldset'>
                    <legend>{'Channel types'}</legend>
                    {(Object.keys(CHANNEL_TYPE_LABELS) as HookChannelType[]).map((t) => (
                        <CheckboxField
                            key={t}
                            id={fieldId(`channel-type-${t}`)}
                            label={CHANNEL_TYPE_LABELS[t]}
                            checked={draft.channel_types.includes(t)}
                            onChange={(on) => set('channel_types', toggleIn(draft.channel_types, t, on))}
                        />
                    ))}
                </fieldset>
            )}

            <HeadersEditor
                id={fieldId('headers')}
                rows={draft.headerRows}
                onChange={(rows) => set('headerRows', rows)}
                errors={errors}
            />
            <div className='hb-grid-2'>
                <TextField
                    id={fieldId('max_attempts')}
                    label='Delivery attempts'
                    value={draft.maxAttemptsText}
                    onChange={(v) => set('maxAttemptsText', v)}
                    error={errors.max_attempts}
                    type='number'
                    inputMode='numeric'
                    min={1}
                    help='Failed deliveries are retried with backoff up to this many attempts in total.'
                />
                <div/>
                <TextField
                    id={fieldId('username')}
                    label='Username'
                    value={draft.username}
                    onChange={(v) => set('username', v)}
                    error={errors.username}
                    autoComplete='off'
                    help='Author name of response posts when username override is enabled.'
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
            <CheckboxField
                id={fieldId('enabled')}
                label='Enabled'
                checked={draft.enabled}
                onChange={(v) => set('enabled', v)}
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
