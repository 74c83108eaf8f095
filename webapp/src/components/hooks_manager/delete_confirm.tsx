import React, {useEffect, useRef, useState} from 'react';

type Props = {
    name: string;
    onDelete: () => Promise<string | null>;
};

/**
 * Delete button that asks for confirmation in place instead of opening a
 * second modal, which would fight the manager's focus trap.
 */
export default function DeleteConfirm({name, onDelete}: Props) {
    const [confirming, setConfirming] = useState(false);
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<string | null>(null);
    const confirmRef = useRef<HTMLButtonElement>(null);
    const deleteRef = useRef<HTMLButtonElement>(null);
    const wasConfirming = useRef(false);

    useEffect(() => {
        if (confirming) {
            confirmRef.current?.focus();
        } else if (wasConfirming.current) {
            deleteRef.current?.focus();
        }
        wasConfirming.current = confirming;
    }, [confirming]);

    const confirm = async () => {
        setBusy(true);
        const problem = await onDelete();

        // On success the row unmounts with the hook, so only failures update state.
        if (problem) {
            setBusy(false);
            setError(problem);
            setConfirming(false);
        }
    };

    if (confirming) {
        return (
            <span
                className='hb-row'
                role='group'
                aria-label={`Confirm deleting ${name}`}
            >
                <span>{'Delete permanently?'}</span>
                <button
                    ref={confirmRef}
                    type='button'
                    className='hb-btn hb-btn--danger hb-btn--small'
                    disabled={busy}
                    onClick={confirm}
                >
                    {busy ? 'Deleting…' : 'Delete'}
                </button>
                <button
                    type='button'
                    className='hb-btn hb-btn--small'
                    disabled={busy}
                    onClick={() => setConfirming(false)}
                >
                    {'Cancel'}
                </button>
            </span>
        );
    }

    return (
        <>
            <button
                ref={deleteRef}
                type='button'
                className='hb-btn hb-btn--small'
                aria-label={`Delete ${name}`}
                onClick={() => {
                    setError(null);
                    setConfirming(true);
                }}
            >
                {'Delete'}
            </button>
            {error && (
                <span
                    className='hb-error'
                    role='alert'
                >
                    {error}
                </span>
            )}
        </>
    );
}
