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

/** Visual "required" asterisk, hidden from screen readers. */
export function RequiredMark() {
    return (
        <span
            className='hb-required'
            aria-hidden='true'
        >
            {'*'}
        </span>
    );
}

/** What the block around a control shows: its label and messages. */
export type FieldFrame = DescribedProps & {
    label: React.ReactNode;
    required?: boolean;
};

type LabelledFieldProps = {

    /** Usually the field component's own props; only the frame's part is read. */
    field: FieldFrame;

    /** The control; it must carry `field.id` so the label points at it. */
    children: React.ReactNode;
};

/** A field block: label, the control, then its help and error messages. */
export function LabelledField({field, children}: LabelledFieldProps) {
    const {id, label, required, help, error} = field;
    return (
        <div className='hb-field'>
            <label htmlFor={id}>
                {label}
                {required && <RequiredMark/>}
            </label>
            {children}
            <FieldMessages
                id={id}
                help={help}
                error={error}
            />
        </div>
    );
}

/** Props every labelled single-value control takes. */
type ValueFieldProps = FieldFrame & {
    value: string;
    onChange: (value: string) => void;
};

type TextFieldProps = ValueFieldProps & {
    type?: string;
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
    const {id, value, onChange, type = 'text', required, placeholder, multiline, readOnly, maxLength, minLength, inputRef, autoComplete, onBlur, inputMode, min, max, spellCheck, error} = props;
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
        <LabelledField field={props}>
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
        </LabelledField>
    );
}

type InputRowFieldProps = {
    id: string;
    label: React.ReactNode;

    /** The input labelled by `label`, followed by its buttons. */
    row: React.ReactNode;

    /** What goes under the row: help, errors, confirmations. */
    children?: React.ReactNode;
};

/** A field whose input shares a row with buttons such as Copy or Show. */
export function InputRowField({id, label, row, children}: InputRowFieldProps) {
    return (
        <div className='hb-field'>
            <label htmlFor={id}>{label}</label>
            <div className='hb-row'>{row}</div>
            {children}
        </div>
    );
}

type SelectFieldProps = ValueFieldProps & {
    children: React.ReactNode;
    selectRef?: React.Ref<HTMLSelectElement>;
    disabled?: boolean;
};

export function SelectField(props: SelectFieldProps) {
    const {id, value, onChange, required, children, selectRef, disabled, error} = props;
    return (
        <LabelledField field={props}>
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
        </LabelledField>
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
                    aria-describedby={describedBy({id, help})}
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

/** Outcome of an action the user started (send test, replay, toggle), shown until the next one. */
export type StatusMessage = {ok: boolean; text: string};

type StatusBannerProps = {
    status: StatusMessage | null | undefined;

    /** Banner tone of a success; failures are always errors. */
    okTone?: 'success' | 'info';
};

/** Banner for a StatusMessage: a polite status on success, an alert on failure. */
export function StatusBanner({status, okTone = 'success'}: StatusBannerProps) {
    if (!status) {
        return null;
    }
    return (
        <div
            className={`hb-banner ${status.ok ? `hb-banner--${okTone}` : 'hb-banner--error'}`}
            role={status.ok ? 'status' : 'alert'}
        >
            {status.text}
        </div>
    );
}
