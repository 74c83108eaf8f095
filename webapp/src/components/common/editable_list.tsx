import React, {useEffect, useRef, useState} from 'react';

import type {FieldErrors} from '../../validation';

type Props = {

    /** Base id; also the key prefix of item errors (`${errorKey}.${index}`). */
    id: string;
    label: string;

    /** Singular noun used in per-row labels, e.g. "Callback URL". */
    itemLabel: string;
    values: string[];
    onChange: (values: string[]) => void;
    errors?: FieldErrors;
    errorKey?: string;
    help?: React.ReactNode;
    placeholder?: string;
    inputType?: string;
    required?: boolean;
};

/** Lower-cases a leading capital unless it starts an acronym ("IP address" stays). */
export function lowerFirst(text: string): string {
    if (text.length > 1 && text[1] === text[1].toUpperCase() && text[1] !== text[1].toLowerCase()) {
        return text;
    }
    return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * A list of single-line inputs. Enter adds a row below, Backspace on an empty
 * row removes it, and focus always lands somewhere sensible after a change.
 */
export default function EditableList({id, label, itemLabel, values, onChange, errors = {}, errorKey = id, help, placeholder, inputType = 'text', required}: Props) {
    const inputs = useRef<Array<HTMLInputElement | null>>([]);
    const addButton = useRef<HTMLButtonElement>(null);
    const [pendingFocus, setPendingFocus] = useState<number | 'add' | null>(null);

    useEffect(() => {
        if (pendingFocus === null) {
            return;
        }
        if (pendingFocus === 'add') {
            addButton.current?.focus();
        } else {
            inputs.current[pendingFocus]?.focus();
        }
        setPendingFocus(null);
    }, [pendingFocus, values.length]);

    const insertAt = (index: number) => {
        const next = [...values];
        next.splice(index, 0, '');
        onChange(next);
        setPendingFocus(index);
    };

    const removeAt = (index: number) => {
        const next = values.filter((_, i) => i !== index);
        onChange(next);
        if (next.length === 0) {
            setPendingFocus('add');
        } else {
            setPendingFocus(Math.min(index, next.length - 1));
        }
    };

    const update = (index: number, value: string) => {
        const next = [...values];
        next[index] = value;
        onChange(next);
    };

    const onKeyDown = (index: number) => (event: React.KeyboardEvent<HTMLInputElement>) => {
        if (event.key === 'Enter') {
            // Enter would otherwise submit the surrounding form.
            event.preventDefault();
            insertAt(index + 1);
        } else if (event.key === 'Backspace' && values[index] === '' && values.length > 1) {
            event.preventDefault();
            const next = values.filter((_, i) => i !== index);
            onChange(next);
            setPendingFocus(Math.max(0, index - 1));
        }
    };

    const listError = errors[errorKey];
    const helpId = help ? `${id}-help` : undefined;
    const listErrorId = listError ? `${id}-error` : undefined;

    return (
        <fieldset
            className='hb-fieldset'
            id={id}
            aria-describedby={[helpId, listErrorId].filter(Boolean).join(' ') || undefined}
        >
            <legend>
                {label}
                {required && (
                    <span
                        className='hb-required'
                        aria-hidden='true'
                    >
                        {'*'}
                    </span>
                )}
            </legend>
            {values.map((value, index) => {
                const itemId = `${id}-${index}`;
                const itemError = errors[`${errorKey}.${index}`];
                const rowLabel = `${itemLabel} ${index + 1}`;
                return (
                    <div

                        // Rows have no identity beyond their position while being edited.
                        // eslint-disable-next-line react/no-array-index-key
                        key={index}
                        className='hb-list-row'
                    >
                        <div className='hb-list-row__input'>
                            <input
                                id={itemId}
                                ref={(el) => {
                                    inputs.current[index] = el;
                                }}
                                className='hb-input'
                                type={inputType}
                                value={value}
                                placeholder={placeholder}
                                aria-label={rowLabel}
                                aria-invalid={itemError ? true : undefined}
                                aria-describedby={itemError ? `${itemId}-error` : undefined}
                                onChange={(e) => update(index, e.target.value)}
                                onKeyDown={onKeyDown(index)}
                            />
                            {itemError && (
                                <div
                                    id={`${itemId}-error`}
                                    className='hb-error'
                                    role='alert'
                                >
                                    {itemError}
                                </div>
                            )}
                        </div>
                        <button
                            type='button'
                            className='hb-btn hb-btn--small'
                            aria-label={`Remove ${lowerFirst(rowLabel)}`}
                            onClick={() => removeAt(index)}
                        >
                            {'Remove'}
                        </button>
                    </div>
                );
            })}
            <button
                ref={addButton}
                type='button'
                className='hb-btn hb-btn--small'
                onClick={() => insertAt(values.length)}
            >
                {`Add ${lowerFirst(itemLabel)}`}
            </button>
            {help && (
                <div
                    id={helpId}
                    className='hb-help'
                >
                    {help}
                </div>
            )}
            {listError && (
                <div
                    id={listErrorId}
                    className='hb-error'
                    role='alert'
                >
                    {listError}
                </div>
            )}
        </fieldset>
    );
}
