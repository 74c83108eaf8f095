import type {DialogElement} from '@mattermost/types/integrations';

import type {DialogSubmissionValue} from '../../types';

export type DialogValue = string | boolean | string[] | null;
export type DialogValues = Record<string, DialogValue>;

const DATE_FORMAT = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const RELATIVE = /^([+-]\d{1,3})([dwmHMS])$/;

function pad(n: number): string {
    return String(n).padStart(2, '0');
}

/** Local calendar date as YYYY-MM-DD, the storage format of date elements. */
export function toDateString(date: Date): string {
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** UTC instant as YYYY-MM-DDTHH:mm:ssZ, the storage format of datetime elements. */
export function toDateTimeString(date: Date): string {
    return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}Z`;
}

/** Value for an <input type="datetime-local">, which works in local time without zone. */
export function toLocalInputValue(stored: string): string {
    const date = new Date(stored);
    if (Number.isNaN(date.getTime())) {
        return '';
    }
    return `${toDateString(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function fromLocalInputValue(local: string): string {
    if (!local) {
        return '';
    }
    const date = new Date(local);
    return Number.isNaN(date.getTime()) ? '' : toDateTimeString(date);
}

function startOfDay(date: Date): Date {
    return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/**
 * Resolves the relative defaults Mattermost accepts for date elements
 * (today, tomorrow, yesterday, ±N with d/w/m/H/M/S) to a Date.
 */
export function resolveRelativeDate(value: string, now: Date = new Date()): Date | null {
    const today = startOfDay(now);
    if (value === 'today') {
        return today;
    }
    if (value === 'tomorrow') {
        return new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
    }
    if (value === 'yesterday') {
        return new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    }
    const match = RELATIVE.exec(value);
    if (match) {
        const amount = parseInt(match[1], 10);
        switch (match[2]) {
        case 'd': return new Date(today.getFullYear(), today.getMonth(), today.getDate() + amount);
        case 'w': return new Date(today.getFullYear(), today.getMonth(), today.getDate() + (7 * amount));
        case 'm': return new Date(today.getFullYear(), today.getMonth() + amount, today.getDate());
        case 'H': return new Date(now.getTime() + (amount * 3600000));
        case 'M': return new Date(now.getTime() + (amount * 60000));
        case 'S': return new Date(now.getTime() + (amount * 1000));
        default: return null;
        }
    }
    return null;
}

function defaultDate(elem: DialogElement, now: Date): string | null {
    const raw = elem.default;
    if (!raw) {
        return null;
    }
    const relative = resolveRelativeDate(raw, now);
    if (relative) {
        return elem.type === 'date' ? toDateString(relative) : toDateTimeString(relative);
    }
    if (elem.type === 'datetime') {
        const parsed = new Date(raw);
        return DATETIME_FORMAT.test(raw) || Number.isNaN(parsed.getTime()) ? raw : toDateTimeString(parsed);
    }
    return raw;
}

export function initialValues(elements: DialogElement[] = [], now: Date = new Date()): DialogValues {
    const values: DialogValues = {};
    for (const elem of elements) {
        if (!elem?.name) {
            continue;
        }
        const def = elem.default;
        if (elem.type === 'bool') {
            values[elem.name] = String(def ?? '').toLowerCase() === 'true';
        } else if (elem.type === 'select' && elem.multiselect) {
            values[elem.name] = def ? String(def).split(',').map((s) => s.trim()).filter(Boolean) : [];
        } else if (elem.type === 'date' || elem.type === 'datetime') {
            values[elem.name] = defaultDate(elem, now);
        } else {
            values[elem.name] = def === undefined || def === null || def === '' ? null : String(def);
        }
    }
    return values;
}

function isEmpty(value: DialogValue): boolean {
    if (Array.isArray(value)) {
        return value.length === 0;
    }
    return value === null || value === '' || value === undefined;
}

/** Client-side checks, matching the ones core runs before submitting. */
export function checkElement(elem: DialogElement, value: DialogValue): string | null {
    if (elem.type === 'bool') {
        return null;
    }
    if (isEmpty(value)) {
        return elem.optional ? null : 'This field is required.';
    }
    if (elem.type === 'text' || elem.type === 'textarea') {
        const text = String(value);
        if (elem.min_length && text.length < elem.min_length) {
            return `Minimum input length is ${elem.min_length}.`;
        }
        if (elem.max_length && text.length > elem.max_length) {
            return `Maximum input length is ${elem.max_length}.`;
        }
        if (elem.subtype === 'email' && !text.includes('@')) {
            return 'Must be a valid email address.';
        }
        if (elem.subtype === 'number' && Number.isNaN(Number(text))) {
            return 'Must be a number.';
        }
        if (elem.subtype === 'url' && !text.includes('http://') && !text.includes('https://')) {
            return 'URL must include http:// or https://.';
        }
    } else if (elem.type === 'radio') {
        if (Array.isArray(elem.options) && !elem.options.some((o) => o.value === value)) {
            return 'Must be a valid option.';
        }
    } else if (elem.type === 'date') {
        if (typeof value !== 'string' || !DATE_FORMAT.test(value)) {
            return 'Date must be in YYYY-MM-DD format.';
        }
    } else if (elem.type === 'datetime') {
        if (typeof value !== 'string' || !DATETIME_FORMAT.test(value)) {
            return 'Enter a valid date and time.';
        }
    }
    return null;
}

/** Converts form state to the submission map, typing numbers and dropping empty numbers like core. */
export function toSubmission(elements: DialogElement[] = [], values: DialogValues): Record<string, DialogSubmissionValue> {
    const submission: Record<string, DialogSubmissionValue> = {};
    for (const elem of elements) {
        if (!elem?.name) {
            continue;
        }
        const value = values[elem.name] ?? null;
        if (elem.type === 'text' && elem.subtype === 'number') {
            if (value === null || value === '') {
                continue;
            }
            const num = Number(value);
            submission[elem.name] = Number.isNaN(num) ? String(value) : num;
            continue;
        }
        submission[elem.name] = value;
    }
    return submission;
}

/** Whether any returned error names an element of this dialog. */
export function errorsMatchElements(errors: Record<string, string> | undefined, elements: DialogElement[] = []): boolean {
    if (!errors) {
        return false;
    }
    return Object.keys(errors).some((name) => elements.some((e) => e.name === name));
}
