import React, {useEffect, useRef, useState} from 'react';

import type {FieldErrors} from '../../validation';

export type HeaderRow = {name: string; value: string};

type Props = {
    id: string;
    rows: HeaderRow[];
    onChange: (rows: HeaderRow[]) => void;
    errors: FieldErrors;
};

/** Key/value rows for custom request headers; kept as rows so order and half-typed entries survive. */
export default function HeadersEditor({id, rows, onChange, errors}: Props) {
    const nameInputs = useRef<Array<HTMLInputElement | null>>([]);
    const addButton = useRef<HTMLButtonElement>(null);
    const [pendingFocus, setPendingFocus] = useState<number | 'add' | null>(null);

    useEffect(() => {
        if (pendingFocus === null) {
            return;
        }
        if (pendingFocus === 'add') {
            addButton.current?.focus();
        } else {
            nameInputs.current[pendingFocus]?.focus();
        }
        setPendingFocus(null);
    }, [pendingFocus, rows.length]);

    const update = (index: number, patch: Partial<HeaderRow>) => {
        onChange(rows.map((row, i) => (i === index ? {...row, ...patch} : row)));
    };

    const add = () => {
        onChange([...rows, {name: '', value: ''}]);
        setPendingFocus(rows.length);
    };

    const remove = (index: number) => {
        const next = rows.filter((_, i) => i !== index);
        onChange(next);
        setPendingFocus(next.length ? Math.min(index, next.length - 1) : 'add');
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
                    <div

                        // Rows are positional while being edited.
                        // eslint-disable-next-line react/no-array-index-key
                        key={index}
                        className='hb-list-row'
                    >
                        <div className='hb-list-row__input'>
                            <div className='hb-row'>
                                <input
                                    ref={(el) => {
                                        nameInputs.current[index] = el;
                                    }}
                                    className='hb-input'
                                    aria-label={`Header ${index + 1} name`}
                                    placeholder='X-Api-Key'
                                    value={row.name}
                                    spellCheck={false}
                                    aria-invalid={error ? true : undefined}
                                    aria-describedby={error ? `${rowId}-error` : undefined}
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
                            {error && (
                                <div
                                    id={`${rowId}-error`}
                                    className='hb-error'
                                    role='alert'
                                >
                                    {error}
                                </div>
                            )}
                        </div>
                        <button
                            type='button'
                            className='hb-btn hb-btn--small'
                            aria-label={`Remove header ${index + 1}`}
                            onClick={() => remove(index)}
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
                onClick={add}
            >
                {'Add header'}
            </button>
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
