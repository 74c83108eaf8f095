import type {IncomingHookInput, OutgoingHookInput} from './types';

/**
 * Field errors keyed by field name; list items use `field.index`
 * (e.g. `callback_urls.1`) so each row can show its own message.
 */
export type FieldErrors = Record<string, string>;

export const Limits = {
    DISPLAY_NAME: 64,
    DESCRIPTION: 500,
    USERNAME: 64,
    ICON_URL: 1024,
    CALLBACK_URL: 1024,
} as const;

/**
 * Mattermost measures these limits in bytes, not characters, so a name full
 * of emoji hits the limit early; counting the same way avoids a form that
 * passes here and fails on save.
 */
export function utf8Length(value: string): number {
    let bytes = 0;
    for (const char of value) {
        const code = char.codePointAt(0) ?? 0;
        if (code < 0x80) {
            bytes += 1;
        } else if (code < 0x800) {
            bytes += 2;
        } else if (code < 0x10000) {
            bytes += 3;
        } else {
            bytes += 4;
        }
    }
    return bytes;
}

function checkLength(errors: FieldErrors, field: string, label: string, value: string | undefined, max: number): void {
    if (value && utf8Length(value) > max) {
        errors[field] = `${label} must be at most ${max} bytes.`;
    }
}

function checkCommon(errors: FieldErrors, hook: {display_name: string; description: string; username: string; icon_url: string}): void {
    checkLength(errors, 'display_name', 'Title', hook.display_name, Limits.DISPLAY_NAME);
    checkLength(errors, 'description', 'Description', hook.description, Limits.DESCRIPTION);
    checkLength(errors, 'username', 'Username', hook.username, Limits.USERNAME);
    checkLength(errors, 'icon_url', 'Profile picture URL', hook.icon_url, Limits.ICON_URL);
}

export function isAbsoluteHttpURL(value: string): boolean {
    let parsed: URL;
    try {
        parsed = new URL(value);
    } catch {
        return false;
    }
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && Boolean(parsed.hostname);
}

/** Returns the compile error of a trigger pattern, or '' when it compiles. */
export function regexError(pattern: string, caseInsensitive: boolean): string {
    try {
        // The server evaluates patterns with the same JavaScript engine rules.
        RegExp(pattern, caseInsensitive ? 'i' : '');
        return '';
    } catch (err) {
        return err instanceof Error ? err.message : 'Invalid pattern.';
    }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function validateIncoming(hook: IncomingHookInput): FieldErrors {
    const errors: FieldErrors = {};
    checkCommon(errors, hook);
    if (!hook.channel_id) {
        errors.channel_id = 'Choose a channel.';
    }
    const perMinute = hook.rate_limit?.per_minute ?? 0;
    if (!Number.isInteger(perMinute) || perMinute < 0) {
        errors.rate_limit = 'Rate limit must be a whole number, 0 for unlimited.';
    }
    hook.allowed_ips.forEach((ip, index) => {
        if (!ip.trim()) {
            errors[`allowed_ips.${index}`] = 'Enter an address or remove this row.';
        }
    });
    return errors;
}

export function validateOutgoing(hook: OutgoingHookInput): FieldErrors {
    const errors: FieldErrors = {};
    checkCommon(errors, hook);

    if (!hook.team_id) {
        errors.team_id = 'Choose a team.';
    }

    // In regex mode the pattern is what selects posts, so it stands in for trigger words.
    const hasTrigger = hook.trigger_words.length > 0 || (hook.match.mode === 'regex' && Boolean(hook.match.pattern));
    if (!hook.channel_id && !hasTrigger) {
        errors.trigger_words = 'Choose a channel or add at least one trigger word.';
    }
    hook.trigger_words.forEach((word, index) => {
        if (!word) {
            errors[`trigger_words.${index}`] = 'Trigger words cannot be empty.';
        } else if (/\s/.test(word)) {
            errors[`trigger_words.${index}`] = 'Trigger words cannot contain spaces.';
        }
    });

    if (hook.callback_urls.length === 0) {
        errors.callback_urls = 'Add at least one callback URL.';
    }
    hook.callback_urls.forEach((url, index) => {
        if (!isAbsoluteHttpURL(url)) {
            errors[`callback_urls.${index}`] = 'Enter an absolute http:// or https:// URL.';
        } else if (utf8Length(url) > Limits.CALLBACK_URL) {
            errors[`callback_urls.${index}`] = `Callback URLs must be at most ${Limits.CALLBACK_URL} bytes.`;
        }
    });

    if (hook.match.mode === 'regex') {
        if (!hook.match.pattern) {
            errors.pattern = 'Enter a regular expression.';
        } else {
            const problem = regexError(hook.match.pattern, hook.match.case_insensitive);
            if (problem) {
                errors.pattern = `The pattern does not compile: ${problem}`;
            }
        }
    }

    if (!Number.isInteger(hook.max_attempts) || hook.max_attempts < 1) {
        errors.max_attempts = 'Attempts must be a whole number of at least 1.';
    }

    Object.entries(hook.headers).forEach(([name, value], index) => {
        if (!HEADER_NAME.test(name)) {
            errors[`headers.${index}`] = 'Header names may only use letters, digits and - _ . characters.';
        } else if (/[\r\n]/.test(value)) {
            errors[`headers.${index}`] = 'Header values cannot contain line breaks.';
        }
    });

    return errors;
}

/** Trims list rows and drops blank ones, as the built-in form does with its one-per-line textareas. */
export function cleanList(values: string[]): string[] {
    return values.map((v) => v.trim()).filter((v) => v.length > 0);
}

export function hasErrors(errors: FieldErrors): boolean {
    return Object.keys(errors).length > 0;
}
