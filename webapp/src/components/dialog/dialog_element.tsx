import React, {useEffect, useMemo, useRef, useState} from 'react';

import type {DialogElement as Element} from '@mattermost/types/integrations';

import {useHostSelector} from '../../hooks';
import {getCurrentTeamId, getSortedUserOptions, makeGetTeamChannels} from '../../selectors';
import type {DialogLookupItem, HostState} from '../../types';
import {describedBy, FieldMessages} from '../common/fields';

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

type Option = {text: string; value: string};

function Label({id, element}: {id: string; element: Element}) {
    return (
        <label htmlFor={id}>
            {element.display_name}
            {element.optional ? (
                <span className='hb-help'>{' (optional)'}</span>
            ) : (
                <span
                    className='hb-required'
                    aria-hidden='true'
                >
                    {'*'}
                </span>
            )}
        </label>
    );
}

function staticOptions(element: Element): Option[] {
    return (element.options ?? []).
        filter((o) => o && o.value !== undefined && o.value !== null).
        map((o) => ({text: String(o.text ?? o.value), value: String(o.value)}));
}

function useSourceOptions(element: Element): Option[] {
    const teamId = useHostSelector(getCurrentTeamId);
    const getTeamChannels = useMemo(makeGetTeamChannels, []);
    const channels = useHostSelector((state: HostState) => getTeamChannels(state, teamId));
    const users = useHostSelector(getSortedUserOptions);
    return useMemo(() => {
        if (element.data_source === 'users') {
            return users.map((u) => ({text: u.label, value: u.id}));
        }
        if (element.data_source === 'channels') {
            return channels.map((c) => ({text: c.display_name || c.name, value: c.id}));
        }
        return staticOptions(element);
    }, [element, users, channels]);
}

function SelectInput({element, value, onChange, id, common, options}: {
    element: Element;
    value: DialogValue;
    onChange: Props['onChange'];
    id: string;
    common: Record<string, unknown>;
    options: Option[];
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
                {options.map((o) => (
                    <option
                        key={o.value}
                        value={o.value}
                    >
                        {o.text}
                    </option>
                ))}
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
            {options.map((o) => (
                <option
                    key={o.value}
                    value={o.value}
                >
                    {o.text}
                </option>
            ))}
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
    const [items, setItems] = useState<Option[]>([]);
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
                    {element.optional && <span className='hb-help'>{' (optional)'}</span>}
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
                element={element}
                value={value}
                onChange={onChange}
                id={id}
                common={common}
                lookup={lookup}
            />
        ) : (
            <SourceSelect
                element={element}
                value={value}
                onChange={onChange}
                id={id}
                common={common}
            />
        );
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
        <div className='hb-field'>
            <Label
                id={id}
                element={element}
            />
            {control}
            <FieldMessages
                id={id}
                help={help}
                error={error}
            />
        </div>
    );
}
