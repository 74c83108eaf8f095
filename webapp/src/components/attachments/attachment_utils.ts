import type {MessageAttachment, MessageAttachmentField} from '@mattermost/types/message_attachments';

export const MAX_FOOTER_LENGTH = 300;

const NAMED_COLORS = ['good', 'warning', 'danger'] as const;
export type NamedColor = typeof NAMED_COLORS[number];

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

export function isHexColor(value: unknown): value is string {
    return typeof value === 'string' && HEX_COLOR.test(value);
}

/** `#hex` becomes an inline border colour; good/warning/danger become a modifier class. */
export function attachmentColor(color: unknown): {className?: string; style?: {borderLeftColor: string}} {
    if (isHexColor(color)) {
        return {style: {borderLeftColor: color}};
    }
    if (typeof color === 'string' && (NAMED_COLORS as readonly string[]).includes(color)) {
        return {className: `hb-attachment__container--${color}`};
    }
    return {};
}

/**
 * Links and images come from third parties; only http(s) and same-site paths
 * are rendered so `javascript:` and `data:` URLs never reach the DOM.
 */
export function isSafeUrl(value: unknown): value is string {
    if (typeof value !== 'string' || !value) {
        return false;
    }
    if (value.startsWith('/') && !value.startsWith('//')) {
        return true;
    }
    try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
        return false;
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `props.attachments` defensively: posts are user-supplied data. */
export function attachmentsFromProps(props: unknown): MessageAttachment[] {
    if (!isRecord(props) || !Array.isArray(props.attachments)) {
        return [];
    }
    return props.attachments.filter(isRecord) as MessageAttachment[];
}

/** Field value as text; webhooks may send numbers or booleans. */
export function fieldValueText(value: unknown): string {
    if (value === null || value === undefined) {
        return '';
    }
    if (typeof value === 'string') {
        return value;
    }
    if (typeof value === 'number' || typeof value === 'boolean') {
        return String(value);
    }
    try {
        return JSON.stringify(value);
    } catch {
        return '';
    }
}

function isShort(field: MessageAttachmentField): boolean {
    // Slack-compatible senders sometimes send "true" as a string.
    const short: unknown = field.short;
    return short === true || short === 'true';
}

/** Groups fields into rows: two consecutive short fields share a row, everything else is alone. */
export function fieldRows(fields: MessageAttachment['fields']): Array<Array<{field: MessageAttachmentField; short: boolean}>> {
    const rows: Array<Array<{field: MessageAttachmentField; short: boolean}>> = [];
    let pending: {field: MessageAttachmentField; short: boolean} | null = null;
    for (const field of fields ?? []) {
        if (!isRecord(field)) {
            continue;
        }
        const short = isShort(field);
        if (!short) {
            if (pending) {
                rows.push([pending]);
                pending = null;
            }
            rows.push([{field, short}]);
        } else if (pending) {
            rows.push([pending, {field, short}]);
            pending = null;
        } else {
            pending = {field, short};
        }
    }
    if (pending) {
        rows.push([pending]);
    }
    return rows;
}

export function truncate(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
