import React, {useEffect, useRef, useState} from 'react';

import {FieldMessages} from './fields';

/** Where focus goes after the rows change: a row's first input, or the add button. */
type FocusTarget = number | 'add';

export type RowFocus = {

    /** Ref callback for the first input of row `index`. */
    rowInputRef: (index: number) => (element: HTMLInputElement | null) => void;
    addButtonRef: React.RefObject<HTMLButtonElement>;

    /** Focuses the target once the rows have re-rendered. */
    focusAfterRender: (target: FocusTarget) => void;

    /** After removing row `index`, focuses the row now in its place (or the last), or the add button when none is left. */
    focusAfterRemoval: (index: number, remainingRows: number) => void;
};

/**
 * Keeps keyboard focus on a sensible control while rows of an editable list
 * are added and removed: the element to focus only exists after the render
 * that follows the change.
 */
export function useRowFocus(rowCount: number): RowFocus {
    const rowInputs = useRef<Array<HTMLInputElement | null>>([]);
    const addButtonRef = useRef<HTMLButtonElement>(null);
    const [pendingFocus, setPendingFocus] = useState<FocusTarget | null>(null);

    useEffect(() => {
        if (pendingFocus === null) {
            return;
        }
        if (pendingFocus === 'add') {
            addButtonRef.current?.focus();
        } else {
            rowInputs.current[pendingFocus]?.focus();
        }
        setPendingFocus(null);
    }, [pendingFocus, rowCount]);

    return {
        rowInputRef: (index) => (element) => {
            rowInputs.current[index] = element;
        },
        addButtonRef,
        focusAfterRender: setPendingFocus,
        focusAfterRemoval: (index, remainingRows) => {
            setPendingFocus(remainingRows ? Math.min(index, remainingRows - 1) : 'add');
        },
    };
}

type ListRowProps = {

    /** Id of the row; its error message gets `${id}-error`. */
    id: string;
    error?: string;
    removeLabel: string;
    onRemove: () => void;

    /** The row's inputs. */
    children: React.ReactNode;
};

/** One row of an editable list: its inputs and error, then a Remove button. */
export function ListRow({id, error, removeLabel, onRemove, children}: ListRowProps) {
    return (
        <div className='hb-list-row'>
            <div className='hb-list-row__input'>
                {children}
                <FieldMessages
                    id={id}
                    error={error}
                />
            </div>
            <button
                type='button'
                className='hb-btn hb-btn--small'
                aria-label={removeLabel}
                onClick={onRemove}
            >
                {'Remove'}
            </button>
        </div>
    );
}

type AddRowButtonProps = {
    buttonRef: React.Ref<HTMLButtonElement>;
    onClick: () => void;
    children: React.ReactNode;
};

/** The button below an editable list that appends a row. */
export function AddRowButton({buttonRef, onClick, children}: AddRowButtonProps) {
    return (
        <button
            ref={buttonRef}
            type='button'
            className='hb-btn hb-btn--small'
            onClick={onClick}
        >
            {children}
        </button>
    );
}
