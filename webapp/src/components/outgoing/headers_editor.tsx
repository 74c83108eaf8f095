import React from 'react';

import type {FieldErrors} from '../../validation';
import {describedBy} from '../common/fields';
import {AddRowButton, ListRow, useRowFocus} from '../common/list_rows';

export type HeaderRow = {name: string; value: string};

type Props = {
    id: string;
    rows: HeaderRow[];
    onChange: (rows: HeaderRow[]) => void;
    errors: FieldErrors;
};

/** Key/value rows for custom request headers; kept as rows so order and half-typed entries survive. */
export default function HeadersEditor({id, rows, onChange, errors}: Props) {
    const {rowInputRef, addButtonRef, focusAfterRender, focusAfterRemoval} = useRowFocus(rows.length);

    const update = (index: number, patch: Partial<HeaderRow>) => {
        onChange(rows.map((row, i) => (i === index ? {...row, ...patch} : row)));
    };

    const add = () => {
        onChange([...rows, {name: '', value: ''}]);
        focusAfterRender(rows.length);
    };

    const remove = (index: number) => {
        const next = rows.filter((_, i) => i !== index);
        onChange(next);
        focusAfterRemoval(index, next.length);
    };

    return (
        <fieldset
            className='hb-fieldset'
            id={id}
        >
            <legend>{'Custom headers'}</legend>
            {rows.map((row, index) => {
                const error = errors[`headers.${index}`];
                const rowId = `${id}-${index}`;
                return (
                    <ListRow

                        // Rows are positional while being edited.
                        // eslint-disable-next-line react/no-array-index-key
                        key={index}
                        id={rowId}
                        error={error}
                        removeLabel={`Remove header ${index + 1}`}
                        onRemove={() => remove(index)}
                    >
                        <div className='hb-row'>
                            <input
                                ref={rowInputRef(index)}
                                className='hb-input'
                                aria-label={`Header ${index + 1} name`}
                                placeholder='X-Api-Key'
                                value={row.name}
                                spellCheck={false}
                                aria-invalid={error ? true : undefined}
                                aria-describedby={describedBy({id: rowId, error})}
                                onChange={(e) => update(index, {name: e.target.value})}
                            />
                            <input
                                className='hb-input'
                                aria-label={`Header ${index + 1} value`}
                                value={row.value}
                                spellCheck={false}
                                onChange={(e) => update(index, {value: e.target.value})}
                            />
                        </div>
                    </ListRow>
                );
            })}
            <AddRowButton
                buttonRef={addButtonRef}
                onClick={add}
            >
                {'Add header'}
            </AddRowButton>
            <div className='hb-help'>{'Added to every delivery, e.g. an Authorization header expected by the receiver.'}</div>
            {errors.headers && (
                <div
                    className='hb-error'
                    role='alert'
                >
                    {errors.headers}
                </div>
            )}
        </fieldset>
    );
}
