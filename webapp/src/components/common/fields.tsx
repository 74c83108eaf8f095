import React from 'react';

type DescribedProps = {
    id: string;
    help?: React.ReactNode;
    error?: string;
};

/** ids of the help and error nodes, so inputs can point at them with aria-describedby. */
export function describedBy({id, help, error}: DescribedProps): string | undefined {
    const ids = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean);
    return ids.length ? ids.join(' ') : undefined;
}

export function FieldMessages({id, help, error}: DescribedProps) {
    return (
        <>
            {help && (
                <div
                    id={`${id}-help`}
                    className='hb-help'
                >
                    {help}
                </div>
            )}
            {error && (
                <div
                    id={`${id}-error`}
                    className='hb-error'
                    role='alert'
                >
                    {error}
                </div>
            )}
        </>
    );
}

function Label({id, label, required}: {id: string; label: React.ReactNode; required?: boolean}) {
    return (
        <label htmlFor={id}>
            {label}
            {required && (
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

type TextFieldProps = DescribedProps & {
    label: React.ReactNode;
    value: string;
    onChange: (value: string) => void;
    type?: string;
    required?: boolean;
    placeholder?: string;
    multiline?: boolean;
    readOnly?: boolean;
    maxLength?: number;
    minLength?: number;
    inputRef?: React.Ref<HTMLInputElement & HTMLTextAreaElement>;
    autoComplete?: string;
    onBlur?: () => void;
    inputMode?: React.HTMLAttributes<HTMLInputElement>['inputMode'];
    min?: number;
    max?: number;
    spellCheck?: boolean;
};

export function TextField(props: TextFieldProps) {
    const {id, label, value, onChange, type = 'text', required, placeholder, multiline, readOnly, maxLength, minLength, inputRef, autoComplete, onBlur, inputMode, min, max, spellCheck, help, error} = props;
    const common = {
        id,
        value,
        placeholder,
        readOnly,
        maxLength,
        minLength,
        required,
        onBlur,
        spellCheck,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy(props),
        'aria-required': required || undefined,
    };
    return (
        <div className='hb-field'>
            <Label
                id={id}
                label={label}
                required={required}
            />
            {multiline ? (
                <textarea
                    {...common}
                    ref={inputRef}
                    className='hb-textarea'
                    onChange={(e) => onChange(e.target.value)}
                />
            ) : (
                <input
                    {...common}
                    ref={inputRef}
                    type={type}
                    className='hb-input'
                    autoComplete={autoComplete}
                    inputMode={inputMode}
                    min={min}
                    max={max}
                    onChange={(e) => onChange(e.target.value)}
                />
            )}
            <FieldMessages
                id={id}
                help={help}
                error={error}
            />
        </div>
    );
}

type SelectFieldProps = DescribedProps & {
    label: React.ReactNode;
    value: string;
    onChange: (value: string) => void;
    required?: boolean;
    children: React.ReactNode;
    selectRef?: React.Ref<HTMLSelectElement>;
    disabled?: boolean;
};

export function SelectField(props: SelectFieldProps) {
    const {id, label, value, onChange, required, children, selectRef, disabled, help, error} = props;
    return (
        <div className='hb-field'>
            <Label
                id={id}
                label={label}
                required={required}
            />
            <select
                id={id}
                ref={selectRef}
                className='hb-select'
                value={value}
                required={required}
                disabled={disabled}
                aria-invalid={error ? true : undefined}
                aria-describedby={describedBy(props)}
                onChange={(e) => onChange(e.target.value)}
            >
                {children}
            </select>
            <FieldMessages
                id={id}
                help={help}
                error={error}
            />
        </div>
    );
}

type CheckboxProps = {
    id: string;
    label: React.ReactNode;
    checked: boolean;
    onChange: (checked: boolean) => void;
    help?: React.ReactNode;
    disabled?: boolean;
};

export function CheckboxField({id, label, checked, onChange, help, disabled}: CheckboxProps) {
    return (
        <div className='hb-field'>
            <label
                className='hb-check'
                htmlFor={id}
            >
                <input
                    id={id}
                    type='checkbox'
                    checked={checked}
                    disabled={disabled}
                    aria-describedby={help ? `${id}-help` : undefined}
                    onChange={(e) => onChange(e.target.checked)}
                />
                {label}
            </label>
            <FieldMessages
                id={id}
                help={help}
            />
        </div>
    );
}

type ToggleProps = {
    checked: boolean;
    onChange: (checked: boolean) => void;
    label: string;
    disabled?: boolean;
    id?: string;
};

/** On/off switch; a button with role=switch so screen readers announce its state. */
export function Toggle({checked, onChange, label, disabled, id}: ToggleProps) {
    return (
        <button
            id={id}
            type='button'
            role='switch'
            className='hb-switch'
            aria-checked={checked}
            aria-label={label}
            disabled={disabled}
            onClick={() => onChange(!checked)}
        />
    );
}

export function ErrorBanner({message, id}: {message?: string | null; id?: string}) {
    if (!message) {
        return null;
    }
    return (
        <div
            id={id}
            className='hb-banner hb-banner--error'
            role='alert'
        >
            {message}
        </div>
    );
}
