import React from 'react';

import type {FieldErrors} from '../../validation';

import {describedBy, FieldMessages, RequiredMark} from './fields';
import {AddRowButton, ListRow, useRowFocus} from './list_rows';

export type EditableListProps = {

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
export default function EditableList({id, label, itemLabel, values, onChange, errors = {}, errorKey = id, help, placeholder, inputType = 'text', required}: EditableListProps) {
    const {rowInputRef, addButtonRef, focusAfterRender, focusAfterRemoval} = useRowFocus(values.length);

    const insertAt = (index: number) => {
        const next = [...values];
        next.splice(index, 0, '');
        onChange(next);
        focusAfterRender(index);
    };

    const removeAt = (index: number) => {
        const next = values.filter((_, i) => i !== index);
        onChange(next);
        focusAfterRemoval(index, next.length);
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
            focusAfterRender(Math.max(0, index - 1));
        }
    };

    const listError = errors[errorKey];

    return (
        <fieldset
            className='hb-fieldset'
            id={id}
            aria-describedby={describedBy({id, help, error: listError})}
        >
            <legend>
                {label}
                {required && <RequiredMark/>}
            </legend>
            {values.map((value, index) => {
                const itemId = `${id}-${index}`;
                const itemError = errors[`${errorKey}.${index}`];
                const rowLabel = `${itemLabel} ${index + 1}`;
                return (
                    <ListRow

                        // Rows have no identity beyond their position while being edited.
                        // eslint-disable-next-line react/no-array-index-key
                        key={index}
                        id={itemId}
                        error={itemError}
                        removeLabel={`Remove ${lowerFirst(rowLabel)}`}
                        onRemove={() => removeAt(index)}
                    >
                        <input
                            id={itemId}
                            ref={rowInputRef(index)}
                            className='hb-input'
                            type={inputType}
                            value={value}
                            placeholder={placeholder}
                            aria-label={rowLabel}
                            aria-invalid={itemError ? true : undefined}
                            aria-describedby={describedBy({id: itemId, error: itemError})}
                            onChange={(e) => update(index, e.target.value)}
                            onKeyDown={onKeyDown(index)}
                        />
                    </ListRow>
                );
            })}
            <AddRowButton
                buttonRef={addButtonRef}
                onClick={() => insertAt(values.length)}
            >
                {`Add ${lowerFirst(itemLabel)}`}
            </AddRowButton>
            <FieldMessages
                id={id}
                help={help}
                error={listError}
            />
        </fieldset>
    );
}
