import type {ClientError} from '../../client';
import type {FieldErrors} from '../../validation';

import {focusableWithin} from '../common/modal';

/** Moves focus to the first invalid control so keyboard users land on the problem. */
export function focusFirstInvalid(container: HTMLElement | null): void {
    const invalid = container?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (!invalid) {
        return;
    }
    if (invalid.matches('input, select, textarea, button')) {
        invalid.focus();
        return;
    }
    focusableWithin(invalid)[0]?.focus();
}

// The server names nested fields with dots; the forms key some of them flat.
const FIELD_ALIASES: Record<string, string> = {
    'match.pattern': 'pattern',
    'rate_limit.per_minute': 'rate_limit',
    'signature.secret': 'secret',
    'signature.mode': 'signature_mode',
};

/**
 * Splits a server error into an inline field error (when the server named a
 * field this form shows) or a form-level message.
 */
export function mapServerError(error: ClientError, knownFields: readonly string[]): {fieldErrors: FieldErrors; formError: string | null} {
    const raw = error.field;
    if (raw) {
        const key = FIELD_ALIASES[raw] ?? raw;
        const base = key.split('.')[0];
        if (knownFields.includes(key) || knownFields.includes(base)) {
            return {fieldErrors: {[key]: error.message}, formError: null};
        }
    }
    return {fieldErrors: {}, formError: error.message};
}
