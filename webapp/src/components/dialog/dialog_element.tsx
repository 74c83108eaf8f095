import React, {useEffect, useRef, useState} from 'react';

import type {DialogElement as Element} from '@mattermost/types/integrations';

import type {DialogLookupItem} from '../../types';
import {describedBy, FieldMessages, LabelledField, RequiredMark} from '../common/fields';
import {OptionList, useDataSourceOptions} from '../common/select_options';
import type {SelectOption} from '../common/select_options';

import {fromLocalInputValue, toLocalInputValue} from './dialog_utils';
import type {DialogValue} from './dialog_utils';

const TEXT_SUBTYPES: Record<string, string> = {
    email: 'email',
    number: 'number',
    password: 'password',
    tel: 'tel',
    url: 'url',
};

export type LookupFn = (element: Element, query: string) => Promise<DialogLookupItem[]>;

type Props = {
    element: Element;
    value: DialogValue;
    onChange: (name: string, value: DialogValue) => void;
    error?: string;
    id: string;
    lookup: LookupFn;
};

/** "(optional)" after the name of a field the user may leave empty. */
function OptionalHint({element}: {element: Element}) {
    return element.optional ? <span className='hb-help'>{' (optional)'}</span> : null;
}

function staticOptions(element: Element): SelectOption[] {
    return (element.options ?? []).
        filter((o) => o && o.value !== undefined && o.value !== null).
        map((o) => ({text: String(o.text ?? o.value), value: String(o.value)}));
}

function useSourceOptions(element: Element): SelectOption[] {
    return useDataSourceOptions(element.data_source) ?? staticOptions(element);
}

function SelectInput({element, value, onChange, id, common, options}: {
    element: Element;
    value: DialogValue;
    onChange: Props['onChange'];
    id: string;
    common: Record<string, unknown>;
    options: SelectOption[];
}) {
    if (element.multiselect) {
        const selected = Array.isArray(value) ? value : [];
        return (
            <select
                {...common}
                id={id}
                multiple={true}
                className='hb-select'
                value={selected}
                onChange={(e) => onChange(element.name, Array.from(e.target.selectedOptions).map((o) => o.value))}
            >
                <OptionList options={options}/>
            </select>
        );
    }
    const current = typeof value === 'string' ? value : '';
    return (
        <select
            {...common}
            id={id}
            className='hb-select'
            value={current}
            onChange={(e) => onChange(element.name, e.target.value || null)}
        >
            <option value=''>{element.placeholder || 'Select an option…'}</option>
            <OptionList options={options}/>
        </select>
    );
}

function SourceSelect(props: {element: Element; value: DialogValue; onChange: Props['onChange']; id: string; common: Record<string, unknown>}) {
    const options = useSourceOptions(props.element);
    return (
        <SelectInput
            {...props}
            options={options}
        />
    );
}

const LOOKUP_DELAY_MS = 250;

/**
 * Dynamic select: a search box feeding a native select, which stays usable
 * with a keyboard and screen reader without a custom combobox.
 */
function DynamicSelect({element, value, onChange, id, common, lookup}: {
    element: Element;
    value: DialogValue;
    onChange: Props['onChange'];
    id: string;
    common: Record<string, unknown>;
    lookup: LookupFn;
}) {
    const [query, setQuery] = useState('');
    const [items, setItems] = useState<SelectOption[]>([]);
    const [loading, setLoading] = useState(false);
    const [lookupError, setLookupError] = useState<string | null>(null);
    const known = useRef<Record<string, string>>({});
    const request = useRef(0);

    useEffect(() => {
        const ticket = ++request.current;
        const timer = setTimeout(async () => {
            setLoading(true);
            try {
                const result = await lookup(element, query);
                if (ticket === request.current) {
                    result.forEach((i) => {
                        known.current[i.value] = i.text;
                    });
                    setItems(result.map((i) => ({text: i.text || i.value, value: i.value})));
                    setLookupError(null);
                }
            } catch (err) {
                if (ticket === request.current) {
                    setLookupError(err instanceof Error ? err.message : 'Could not load options.');
                }
            } finally {
                if (ticket === request.current) {
                    setLoading(false);
                }
            }
        }, query ? LOOKUP_DELAY_MS : 0);
        return () => clearTimeout(timer);
    }, [element, lookup, query]);

    // Keep the chosen value listed even when a later search no longer returns it.
    const selected = typeof value === 'string' && value ? [value] : (Array.isArray(value) ? value : []);
    const options = [...items];
    for (const v of selected) {
        if (!options.some((o) => o.value === v)) {
            options.unshift({text: known.current[v] ?? v, value: v});
        }
    }

    return (
        <>
            <input
                id={`${id}-search`}
                className='hb-input'
                type='search'
                value={query}
                aria-label={`Search ${element.display_name}`}
                aria-controls={id}
                placeholder='Type to search…'
                onChange={(e) => setQuery(e.target.value)}
            />
            <SelectInput
                element={element}
                value={value}
                onChange={onChange}
                id={id}
                common={{...common, 'aria-busy': loading || undefined}}
                options={options}
            />
            {lookupError && (
                <div
                    className='hb-error'
                    role='alert'
                >
                    {lookupError}
                </div>
            )}
        </>
    );
}

/** One element of an interactive dialog. */
export default function DialogElement({element, value, onChange, error, id, lookup}: Props) {
    const help = element.help_text || undefined;
    const common = {
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy({id, help, error}),
        'aria-required': element.optional ? undefined : true,
    };

    if (element.type === 'bool') {
        const labelId = `${id}-label`;
        const textId = `${id}-text`;
        return (
            <div className='hb-field'>
                <span
                    id={labelId}
                    className='hb-label'
                >
                    {element.display_name}
                </span>
                <label className='hb-check'>
                    <input
                        id={id}
                        type='checkbox'
                        checked={value === true}
                        aria-labelledby={element.placeholder ? `${labelId} ${textId}` : labelId}
                        aria-describedby={common['aria-describedby']}
                        aria-invalid={common['aria-invalid']}
                        onChange={(e) => onChange(element.name, e.target.checked)}
                    />
                    {element.placeholder && <span id={textId}>{element.placeholder}</span>}
                </label>
                <FieldMessages
                    id={id}
                    help={help}
                    error={error}
                />
            </div>
        );
    }

    if (element.type === 'radio') {
        const options = staticOptions(element);
        return (
            <fieldset
                className='hb-fieldset'
                role='radiogroup'
                aria-describedby={common['aria-describedby']}
                aria-invalid={common['aria-invalid']}
                aria-required={common['aria-required']}
                id={id}
            >
                <legend>
                    {element.display_name}
                    {!element.optional && <RequiredMark/>}
                    <OptionalHint element={element}/>
                </legend>
                {options.map((o, i) => (
                    <label
                        key={o.value}
                        className='hb-check'
                    >
                        <input
                            type='radio'
                            name={id}
                            value={o.value}
                            id={i === 0 ? `${id}-first` : undefined}
                            checked={value === o.value}
                            onChange={() => onChange(element.name, o.value)}
                        />
                        {o.text}
                    </label>
                ))}
                <FieldMessages
                    id={id}
                    help={help}
                    error={error}
                />
            </fieldset>
        );
    }

    let control: React.ReactNode;
    const text = typeof value === 'string' ? value : '';
    const selectProps = {element, value, onChange, id, common};
    switch (element.type) {
    case 'textarea':
        control = (
            <textarea
                {...common}
                id={id}
                className='hb-textarea'
                value={text}
                placeholder={element.placeholder || undefined}
                maxLength={element.max_length || undefined}
                minLength={element.min_length || undefined}
                onChange={(e) => onChange(element.name, e.target.value)}
            />
        );
        break;
    case 'select':
        control = element.data_source === 'dynamic' ? (
            <DynamicSelect
                {...selectProps}
                lookup={lookup}
            />
        ) : <SourceSelect {...selectProps}/>;
        break;
    case 'date':
        control = (
            <input
                {...common}
                id={id}
                type='date'
                className='hb-input'
                value={text}
                onChange={(e) => onChange(element.name, e.target.value || null)}
            />
        );
        break;
    case 'datetime':
        control = (
            <input
                {...common}
                id={id}
                type='datetime-local'
                className='hb-input'
                value={text ? toLocalInputValue(text) : ''}
                onChange={(e) => onChange(element.name, fromLocalInputValue(e.target.value) || null)}
            />
        );
        break;
    default:
        control = (
            <input
                {...common}
                id={id}
                type={TEXT_SUBTYPES[element.subtype] ?? 'text'}
                className='hb-input'
                value={text}
                placeholder={element.placeholder || undefined}
                maxLength={element.max_length || undefined}
                minLength={element.min_length || undefined}
                autoComplete={element.subtype === 'password' ? 'new-password' : undefined}
                onChange={(e) => onChange(element.name, e.target.value)}
            />
        );
    }

    return (
        <LabelledField
            field={{
                id,
                label: (
                    <>
                        {element.display_name}
                        <OptionalHint element={element}/>
                    </>
                ),
                required: !element.optional,
                help,
                error,
            }}
        >
            {control}
        </LabelledField>
    );
}
