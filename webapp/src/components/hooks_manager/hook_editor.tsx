import React, {useCallback, useEffect, useId, useRef, useState} from 'react';

import type {ActionResult} from '../../actions';
import type {HookKind} from '../../types';
import {hasErrors, Limits} from '../../validation';
import type {FieldErrors} from '../../validation';
import ChannelSelect from '../common/channel_select';
import EditableList from '../common/editable_list';
import type {EditableListProps} from '../common/editable_list';
import {CheckboxField, ErrorBanner, StatusBanner, TextField} from '../common/fields';
import ViewToolbar from '../common/view_toolbar';

import {focusFirstInvalid, mapServerError} from './form_utils';

/** Free-text fields both hook kinds have. */
export type CommonHookFields = {
    display_name: string;
    description: string;
    username: string;
    icon_url: string;
};

/** Trims the common free-text fields and sets `id` to the hook being updated; a create request carries no id. */
export function finishHookInput<T extends CommonHookFields & {id?: string}>(input: T, hookId: string | undefined): T {
    const result: T = {
        ...input,
        display_name: input.display_name.trim(),
        description: input.description.trim(),
        username: input.username.trim(),
        icon_url: input.icon_url.trim(),
    };
    if (hookId) {
        result.id = hookId;
    } else {
        delete result.id;
    }
    return result;
}

/** The part of a submit event the handlers use: a native Event or React's synthetic one. */
export type SubmitLike = {preventDefault(): void};

/**
 * A callback ref for a <form> that handles its submit events itself, on the form
 * element. The admin console draws custom settings inside its own <form>, so the
 * editors end up nested in it; a nested form's submit event must not reach the
 * outer form (which would save the console's settings), and Chromium does not
 * let it bubble past the inner form at all, so React's onSubmit, delegated to
 * the root, would never run and the browser would submit the form natively.
 */
export function useSubmitHandler(formRef: React.MutableRefObject<HTMLFormElement | null>, onSubmit: (event: SubmitLike) => void): (form: HTMLFormElement | null) => void {
    const handler = useRef(onSubmit);
    handler.current = onSubmit;
    const attached = useRef<{form: HTMLFormElement; listener: (event: Event) => void} | null>(null);
    return useCallback((form: HTMLFormElement | null) => {
        if (attached.current) {
            attached.current.form.removeEventListener('submit', attached.current.listener);
            attached.current = null;
        }
        formRef.current = form;
        if (form) {
            const listener = (event: Event) => {
                event.preventDefault();
                event.stopPropagation();
                handler.current(event);
            };
            form.addEventListener('submit', listener);
            attached.current = {form, listener};
        }
    }, [formRef]);
}

/** What a submit hands over once the draft is turned into a request. */
export type PreparedSave<H> = {
    validation: FieldErrors;
    save: () => Promise<ActionResult<H>>;
};

/** The parts of the editor state the surrounding form needs. */
export type EditorFormState = {
    formRef: React.MutableRefObject<HTMLFormElement | null>;
    headingRef: React.RefObject<HTMLHeadingElement>;
    fieldId: (name: string) => string;
    isNew: boolean;
    saving: boolean;
    formError: string | null;
};

/**
 * A draft with its field errors, as the field components read and change it.
 * Components ask for the slice of the draft they edit, e.g.
 * `DraftFields<CommonHookFields>`, and accept any larger draft.
 */
export type DraftFields<D> = {
    fieldId: (name: string) => string;
    draft: D;
    errors: FieldErrors;

    // Method syntax on purpose: it lets a larger draft's setter stand in for a slice's.
    set<K extends keyof D>(key: K, value: D[K]): void;
};

export type HookEditorState<H, D> = EditorFormState & DraftFields<D> & {
    setDraft: React.Dispatch<React.SetStateAction<D>>;
    setErrors: React.Dispatch<React.SetStateAction<FieldErrors>>;

    /**
     * Submit handler: `prepare` builds and validates the request; invalid
     * input and server errors land on the fields and move focus there.
     */
    submitWith: (prepare: () => PreparedSave<H>) => (event: SubmitLike) => Promise<void>;
};

type Options<H, D> = {
    hookId?: string;
    initialDraft: () => D;

    /** Fields the form shows, so server errors naming them appear inline. */
    knownFields: readonly string[];
    onSaved: (hook: H, created: boolean) => void;
};

/** State and save flow shared by the incoming and outgoing hook editors. */
export function useHookEditor<H, D>({hookId, initialDraft, knownFields, onSaved}: Options<H, D>): HookEditorState<H, D> {
    const [draft, setDraft] = useState<D>(initialDraft);
    const [errors, setErrors] = useState<FieldErrors>({});
    const [formError, setFormError] = useState<string | null>(null);
    const [saving, setSaving] = useState(false);
    const [focusRequest, setFocusRequest] = useState(0);
    const formRef = useRef<HTMLFormElement | null>(null);
    const headingRef = useRef<HTMLHeadingElement>(null);
    const base = useId();
    const isNew = !hookId;

    // Errors render first; focus moves once they are in the DOM.
    useEffect(() => {
        if (focusRequest) {
            focusFirstInvalid(formRef.current);
        }
    }, [focusRequest]);

    useEffect(() => {
        headingRef.current?.focus();
    }, [hookId]);

    const set = <K extends keyof D>(key: K, value: D[K]) => {
        setDraft((d) => ({...d, [key]: value}));
    };

    const submitWith = (prepare: () => PreparedSave<H>) => async (event: SubmitLike) => {
        event.preventDefault();
        if (saving) {
            return;
        }
        const {validation, save} = prepare();
        setFormError(null);
        if (hasErrors(validation)) {
            setErrors(validation);
            setFocusRequest((n) => n + 1);
            return;
        }
        setErrors({});
        setSaving(true);
        const result = await save();
        setSaving(false);
        if (result.error) {
            const mapped = mapServerError(result.error, knownFields);
            setErrors(mapped.fieldErrors);
            setFormError(mapped.formError);
            setFocusRequest((n) => n + 1);
            return;
        }
        onSaved(result.data, isNew);
    };

    return {
        draft,
        setDraft,
        set,
        errors,
        setErrors,
        formError,
        saving,
        formRef,
        headingRef,
        fieldId: (name) => `${base}-${name}`,
        isNew,
        submitWith,
    };
}

type HookEditorFormProps = {
    editor: EditorFormState & DraftFields<{enabled: boolean}>;
    kind: HookKind;

    /** The stored hook when editing; undefined when creating, or when it was deleted meanwhile. */
    hook?: {display_name: string};
    notice?: string | null;
    onSubmit: (event: SubmitLike) => void;
    onCancel: () => void;

    /** Extra buttons next to the title. */
    toolbar?: React.ReactNode;

    /** Extra banners between the notice and the form error. */
    banners?: React.ReactNode;

    /** Help of the Enabled checkbox, the last field of every hook. */
    enabledHelp?: string;
    children: React.ReactNode;
};

/** The editor form: title row, banners, the fields, Enabled, then Save and Back. */
export function HookEditorForm({editor, kind, hook, notice, onSubmit, onCancel, toolbar, banners, enabledHelp, children}: HookEditorFormProps) {
    const {formRef, headingRef, fieldId, isNew, saving, formError, draft, set} = editor;
    const formCallbackRef = useSubmitHandler(formRef, onSubmit);
    if (!isNew && !hook) {
        return <p>{'This webhook no longer exists.'}</p>;
    }
    const noun = `${kind} webhook`;
    return (
        <form
            ref={formCallbackRef}
            noValidate={true}
            aria-labelledby={fieldId('heading')}
        >
            <ViewToolbar
                headingId={fieldId('heading')}
                headingRef={headingRef}
                title={isNew ? `Add ${noun}` : `Edit ${hook?.display_name || noun}`}
            >
                {toolbar}
            </ViewToolbar>
            <StatusBanner status={notice ? {ok: true, text: notice} : null}/>
            {banners}
            <ErrorBanner message={formError}/>

            {children}
            <CheckboxField
                id={fieldId('enabled')}
                label='Enabled'
                checked={draft.enabled}
                onChange={(v) => set('enabled', v)}
                help={enabledHelp}
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

/** Title and description. */
export function HookNameFields({editor}: {editor: DraftFields<CommonHookFields>}) {
    const {fieldId, draft, errors, set} = editor;
    return (
        <>
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
        </>
    );
}

/** Username and profile picture posts are shown with when overrides are enabled. */
export function PostAsFields({editor, usernameHelp}: {editor: DraftFields<CommonHookFields>; usernameHelp: string}) {
    const {fieldId, draft, errors, set} = editor;
    return (
        <>
            <TextField
                id={fieldId('username')}
                label='Username'
                value={draft.username}
                onChange={(v) => set('username', v)}
                error={errors.username}
                help={usernameHelp}
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
        </>
    );
}

type HookChannelFieldProps = {
    editor: DraftFields<{team_id: string; channel_id: string}>;

    /** The manager's team, used while a new draft has none of its own. */
    teamId: string;
    required?: boolean;
    help?: string;
    anyLabel?: string;
};

/** The hook's channel, chosen among the channels of the hook's team. */
export function HookChannelField({editor, teamId, required, help, anyLabel}: HookChannelFieldProps) {
    const {fieldId, draft, errors, set} = editor;
    return (
        <ChannelSelect
            id={fieldId('channel_id')}
            label='Channel'
            teamId={draft.team_id || teamId}
            value={draft.channel_id}
            onChange={(v) => set('channel_id', v)}
            error={errors.channel_id}
            required={required}
            help={help}
            anyLabel={anyLabel}
        />
    );
}

type DraftListFieldProps<K extends string> = Omit<EditableListProps, 'id' | 'errorKey' | 'values' | 'onChange' | 'errors'> & {
    editor: DraftFields<Record<NoInfer<K>, string[]>>;

    /** The list in the draft; also the key its validation errors come under. */
    field: K;
};

/** An EditableList bound to one list of the draft. */
export function DraftListField<K extends string>({editor, field, ...listProps}: DraftListFieldProps<K>) {
    const {fieldId, draft, errors, set} = editor;
    return (
        <EditableList
            {...listProps}
            id={fieldId(field)}
            errorKey={field}
            values={draft[field]}
            onChange={(v) => set(field, v)}
            errors={errors}
        />
    );
}
