import type React from 'react';

/**
 * Host utilities the Mattermost webapp exposes on window. They are absent in
 * tests and in minimal hosts, so every accessor tolerates that.
 */
type PostUtils = {
    formatText?: (text: string, options?: Record<string, unknown>) => string;
    messageHtmlToComponent?: (html: string, options?: Record<string, unknown>) => React.ReactNode;
};

type HostWindow = Window & {
    PostUtils?: PostUtils;
};

function postUtils(): PostUtils {
    if (typeof window === 'undefined') {
        return {};
    }
    return (window as HostWindow).PostUtils ?? {};
}

/** Whether Mattermost's Markdown pipeline is available. */
export function hasMarkdownRenderer(): boolean {
    const utils = postUtils();
    return typeof utils.formatText === 'function' && typeof utils.messageHtmlToComponent === 'function';
}

export function formatText(text: string, options?: Record<string, unknown>): string {
    const fn = postUtils().formatText;
    return fn ? fn(text, options) : text;
}

export function messageHtmlToComponent(html: string, options?: Record<string, unknown>): React.ReactNode {
    const fn = postUtils().messageHtmlToComponent;
    return fn ? fn(html, options) : html;
}
