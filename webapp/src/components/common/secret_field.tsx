import React, {useRef, useState} from 'react';

import CopyButton from './copy_button';
import {describedBy, ErrorBanner, FieldMessages, InputRowField} from './fields';

type Props = {
    id: string;
    label: string;
    value: string;
    help?: React.ReactNode;

    /** Regenerates the value; resolves to an error message on failure. */
    onRegenerate?: () => Promise<string | null>;
    regenerateWarning?: string;
    emptyText?: string;
};

/**
 * Read-only secret with show/hide, copy and a confirmed regenerate. Hidden by
 * default so it does not leak through screen sharing.
 */
export default function SecretField({id, label, value, help, onRegenerate, regenerateWarning, emptyText = 'Not set'}: Props) {
    const [shown, setShown] = useState(false);
    const [confirming, setConfirming] = useState(false);
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<string | null>(null);
    const regenButton = useRef<HTMLButtonElement>(null);
    const confirmButton = useRef<HTMLButtonElement>(null);

    const startConfirm = () => {
        setConfirming(true);
        setError(null);
        setTimeout(() => confirmButton.current?.focus(), 0);
    };

    const cancelConfirm = () => {
        setConfirming(false);
        setTimeout(() => regenButton.current?.focus(), 0);
    };

    const regenerate = async () => {
        if (!onRegenerate) {
            return;
        }
        setBusy(true);
        const problem = await onRegenerate();
        setBusy(false);
        setConfirming(false);
        setError(problem);
        setTimeout(() => regenButton.current?.focus(), 0);
    };

    return (
        <InputRowField
            id={id}
            label={label}
            row={(
                <>
                    <input
                        id={id}
                        className='hb-input'
                        type={shown || !value ? 'text' : 'password'}
                        value={value || emptyText}
                        readOnly={true}
                        autoComplete='off'
                        spellCheck={false}
                        aria-describedby={describedBy({id, help})}
                    />
                    {value && (
                        <>
                            <button
                                type='button'
                                className='hb-btn hb-btn--small'
                                aria-pressed={shown}
                                aria-label={`${shown ? 'Hide' : 'Show'} ${label}`}
                                onClick={() => setShown(!shown)}
                            >
                                {shown ? 'Hide' : 'Show'}
                            </button>
                            <CopyButton
                                value={value}
                                label={label}
                            />
                        </>
                    )}
                    {onRegenerate && !confirming && (
                        <button
                            ref={regenButton}
                            type='button'
                            className='hb-btn hb-btn--small'
                            aria-label={`Regenerate ${label}`}
                            onClick={startConfirm}
                        >
                            {'Regenerate'}
                        </button>
                    )}
                </>
            )}
        >
            {confirming && (
                <div
                    className='hb-banner hb-banner--info'
                    role='group'
                    aria-label={`Confirm regenerating ${label}`}
                >
                    <p>{regenerateWarning ?? `The current ${label.toLowerCase()} stops working once a new one is generated.`}</p>
                    <div className='hb-row'>
                        <button
                            ref={confirmButton}
                            type='button'
                            className='hb-btn hb-btn--danger hb-btn--small'
                            disabled={busy}
                            onClick={regenerate}
                        >
                            {busy ? 'Regenerating…' : `Regenerate ${label.toLowerCase()}`}
                        </button>
                        <button
                            type='button'
                            className='hb-btn hb-btn--small'
                            disabled={busy}
                            onClick={cancelConfirm}
                        >
                            {'Cancel'}
                        </button>
                    </div>
                </div>
            )}
            <FieldMessages
                id={id}
                help={help}
            />
            <ErrorBanner message={error}/>
        </InputRowField>
    );
}
