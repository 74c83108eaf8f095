import React, {useCallback, useEffect, useId, useRef, useState} from 'react';

import type {Dialog, DialogElement as Element} from '@mattermost/types/integrations';

import {lookupDialogOptions, submitDialog} from '../../client';
import {useHostSelector} from '../../hooks';
import {getCurrentChannelId, getCurrentTeamId, getCurrentUserId} from '../../selectors';
import type {SubmitDialogRequest} from '../../types';
import {ErrorBanner} from '../common/fields';
import FormattedText from '../common/formatted_text';
import Modal from '../common/modal';
import {isSafeUrl} from '../attachments/attachment_utils';

import DialogElement from './dialog_element';
import {checkElement, errorsMatchElements, initialValues, toSubmission} from './dialog_utils';
import type {DialogValue, DialogValues} from './dialog_utils';

export type InteractiveDialogProps = {

    /** Integration URL the submission is forwarded to. */
    url: string;
    dialog: Dialog;
    triggerId?: string;
    onClose: () => void;
};

/**
 * Renders a Mattermost interactive dialog and submits it through
 * /api/v4/actions/dialogs/submit, as core's dialog does.
 */
export default function InteractiveDialog({url, dialog: initialDialog, onClose}: InteractiveDialogProps) {
    const userId = useHostSelector(getCurrentUserId);
    const channelId = useHostSelector(getCurrentChannelId);
    const teamId = useHostSelector(getCurrentTeamId);
    const [dialog, setDialog] = useState<Dialog>(initialDialog);
    const [values, setValues] = useState<DialogValues>(() => initialValues(initialDialog.elements));
    const [errors, setErrors] = useState<Record<string, string>>({});
    const [genericError, setGenericError] = useState<string | null>(null);
    const [submitting, setSubmitting] = useState(false);
    const [focusRequest, setFocusRequest] = useState(0);
    const formRef = useRef<HTMLFormElement>(null);
    const closed = useRef(false);
    const base = useId();
    const elements: Element[] = (dialog.elements ?? []).filter((e) => e && e.name);

    useEffect(() => {
        if (!focusRequest || !formRef.current) {
            return;
        }
        const invalid = formRef.current.querySelector<HTMLElement>('[aria-invalid="true"]');
        if (invalid?.matches('input, select, textarea')) {
            invalid.focus();
        } else {
            invalid?.querySelector<HTMLElement>('input, select, textarea')?.focus();
        }
    }, [focusRequest]);

    const baseRequest = useCallback((): Omit<SubmitDialogRequest, 'submission' | 'cancelled'> => ({
        url,
        callback_id: dialog.callback_id ?? '',
        state: dialog.state ?? '',
        user_id: userId,
        channel_id: channelId,
        team_id: teamId,
    }), [url, dialog, userId, channelId, teamId]);

    const close = () => {
        closed.current = true;
        onClose();
    };

    const onChange = useCallback((name: string, value: DialogValue) => {
        setValues((v) => ({...v, [name]: value}));
        setErrors((e) => {
            if (!e[name]) {
                return e;
            }
            const next = {...e};
            delete next[name];
            return next;
        });
    }, []);

    const valuesRef = useRef(values);
    valuesRef.current = values;
    const lookup = useCallback(async (element: Element, query: string) => {
        if (!element.data_source_url) {
            return [];
        }
        const {url: _url, ...rest} = baseRequest();
        return lookupDialogOptions(element.data_source_url, {
            ...rest,
            submission: {...toSubmission(elements, valuesRef.current), query, selected_field: element.name},
        });

        // `elements` derives from `dialog`, already a dependency through baseRequest.
        // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [baseRequest]);

    const cancel = () => {
        if (submitting) {
            return;
        }
        if (dialog.notify_on_cancel) {
            // The integration is told, but a failure there must not keep the dialog open.
            submitDialog({...baseRequest(), submission: {}, cancelled: true}).catch(() => undefined);
        }
        close();
    };

    const onSubmit = async (event: React.FormEvent) => {
        event.preventDefault();
        if (submitting) {
            return;
        }
        const clientErrors: Record<string, string> = {};
        for (const element of elements) {
            const problem = checkElement(element, values[element.name] ?? null);
            if (problem) {
                clientErrors[element.name] = problem;
            }
        }
        setGenericError(null);
        if (Object.keys(clientErrors).length) {
            setErrors(clientErrors);
            setFocusRequest((n) => n + 1);
            return;
        }

        setSubmitting(true);
        let response;
        try {
            response = await submitDialog({...baseRequest(), submission: toSubmission(elements, values), cancelled: false});
        } catch (err) {
            setSubmitting(false);
            setGenericError(err instanceof Error ? err.message : 'The submission failed.');
            return;
        }
        if (closed.current) {
            return;
        }
        setSubmitting(false);

        const matched = errorsMatchElements(response.errors, elements);
        if (response.error || matched) {
            setGenericError(response.error ?? null);
            setErrors(matched && response.errors ? response.errors : {});
            setFocusRequest((n) => n + 1);
            return;
        }
        if (response.type === 'form' && response.form) {
            setDialog(response.form);
            setValues(initialValues(response.form.elements));
            setErrors({});
            return;
        }
        close();
    };

    const formId = `${base}-form`;
    const icon = isSafeUrl(dialog.icon_url) ? (
        <img
            className='hb-modal__icon'
            src={dialog.icon_url}
            alt=''
        />
    ) : undefined;

    return (
        <Modal
            title={dialog.title}
            icon={icon}
            onClose={cancel}
            busy={submitting}
            closeLabel='Cancel'
            footer={(
                <>
                    <button
                        type='button'
                        className='hb-btn'
                        disabled={submitting}
                        onClick={cancel}
                    >
                        {'Cancel'}
                    </button>
                    <button
                        type='submit'
                        form={formId}
                        className='hb-btn hb-btn--primary'
                        disabled={submitting}
                    >
                        {submitting ? 'Submitting…' : (dialog.submit_label || 'Submit')}
                    </button>
                </>
            )}
        >
            <form
                id={formId}
                ref={formRef}
                className='hb-root'
                noValidate={true}
                onSubmit={onSubmit}
            >
                {dialog.introduction_text && (
                    <FormattedText
                        className='hb-field'
                        text={dialog.introduction_text}
                    />
                )}
                <ErrorBanner message={genericError}/>
                {elements.map((element) => (
                    <DialogElement
                        key={element.name}
                        id={`${base}-${element.name}`}
                        element={element}
                        value={values[element.name] ?? null}
                        onChange={onChange}
                        error={errors[element.name]}
                        lookup={lookup}
                    />
                ))}
            </form>
        </Modal>
    );
}
