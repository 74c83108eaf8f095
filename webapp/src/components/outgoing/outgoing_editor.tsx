import React, {useState} from 'react';

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
import {cleanList, regexError, validateOutgoing} from '../../validation';
import type {FieldErrors} from '../../validation';
import {CheckboxField, ErrorBanner, SelectField, StatusBanner, TextField} from '../common/fields';
import type {StatusMessage} from '../common/fields';
import SecretField from '../common/secret_field';
import {queuedDeliveryStatus, testEventQueued} from '../delivery_log/delivery_format';
import {DraftListField, finishHookInput, HookChannelField, HookEditorForm, HookNameFields, PostAsFields, useHookEditor} from '../hooks_manager/hook_editor';

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
    const editor = useHookEditor<OutgoingHook, Draft>({
        hookId,
        initialDraft: () => (hook ? draftFromHook(hook) : newDraft(teamId, defaultChannelId ?? '')),
        knownFields: KNOWN_FIELDS,
        onSaved,
    });
    const {draft, setDraft, set, errors, setErrors, fieldId} = editor;
    const [testStatus, setTestStatus] = useState<StatusMessage | null>(null);
    const [testing, setTesting] = useState(false);

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
        return finishHookInput({
            ...rest,
            trigger_words: cleanList(rest.trigger_words),
            callback_urls: cleanList(rest.callback_urls),
            match,
            headers,
            max_attempts: maxAttemptsText.trim() === '' ? NaN : Number(maxAttemptsText),
        }, hookId);
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

    const onSubmit = editor.submitWith(() => {
        const rows = cleanedHeaderRows();
        const input = buildInput(rows);

        // Show the cleaned lists so row numbers in error messages match what is on screen.
        setDraft((d) => ({...d, trigger_words: input.trigger_words, callback_urls: input.callback_urls.length ? input.callback_urls : [''], headerRows: rows}));
        return {
            validation: {...validateOutgoing(input), ...validateHeaderRows(rows)},
            save: () => (hookId ? dispatch(updateOutgoingHook(hookId, input)) : dispatch(createOutgoingHook(input))),
        };
    });

    const onTest = async () => {
        if (!hookId) {
            return;
        }
        setTesting(true);
        setTestStatus(null);
        const result = await dispatch(testOutgoingHook(hookId));
        setTesting(false);
        setTestStatus(queuedDeliveryStatus(result, testEventQueued));
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

    const mode = draft.match.mode;

    return (
        <HookEditorForm
            editor={editor}
            kind='outgoing'
            hook={hook}
            notice={notice}
            onSubmit={onSubmit}
            onCancel={onCancel}
            toolbar={hookId && (
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
            banners={(
                <>
                    <StatusBanner
                        status={testStatus}
                        okTone='info'
                    />
                    {hook && !hook.enabled && hook.disabled_reason && (
                        <div
                            className='hb-banner hb-banner--info'
                            role='note'
                        >
                            {`Disabled by the server: ${hook.disabled_reason}`}
                        </div>
                    )}
                </>
            )}
        >
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

            <HookNameFields editor={editor}/>
            <ErrorBanner message={errors.team_id}/>
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
                <HookChannelField
                    editor={editor}
                    teamId={teamId}
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
            <DraftListField
                editor={editor}
                field='trigger_words'
                label={mode === 'regex' ? 'Trigger words (optional with a pattern)' : 'Trigger words'}
                itemLabel='Trigger word'
                help='One word per row, without spaces. Press Enter to add another.'
            />
            <DraftListField
                editor={editor}
                field='callback_urls'
                label='Callback URLs'
                itemLabel='Callback URL'
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
                <PostAsFields
                    editor={editor}
                    usernameHelp='Author name of response posts when username override is enabled.'
                />
            </div>

        </HookEditorForm>
    );
}
