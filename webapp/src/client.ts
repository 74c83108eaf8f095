import {PLUGIN_ID} from './manifest';
import type {
    Delivery,
    DialogLookupItem,
    HookStats,
    IncomingHook,
    IncomingHookInput,
    Me,
    OutgoingHook,
    OutgoingHookInput,
    PostActionResult,
    ServerErrorBody,
    SubmitDialogRequest,
} from './types';
import type {SubmitDialogResponse} from '@mattermost/types/integrations';

/** A failed request, carrying the server's error body. */
export class ClientError extends Error {
    readonly status_code: number;
    readonly server_error_id: string;
    readonly detailed_error: string;
    readonly field?: string;
    readonly url: string;

    constructor(url: string, body: ServerErrorBody & {message: string}, status: number) {
        super(body.message);
        this.name = 'ClientError';
        this.url = url;
        this.status_code = body.status_code ?? status;
        this.server_error_id = body.id ?? '';
        this.detailed_error = body.detailed_error ?? '';
        if (body.field) {
            this.field = body.field;
        }
    }
}

let siteURLGetter: () => string = () => '';

/**
 * The site URL lives in the host store, which may change after load (config
 * refresh), so the client asks for it on every request instead of caching it.
 */
export function setSiteURLGetter(getter: () => string): void {
    siteURLGetter = getter;
}

/**
 * Only the path of the site URL is used so requests stay same-origin (the
 * session cookie is what authenticates them) and work under a subpath.
 */
export function getSitePath(): string {
    const siteURL = siteURLGetter();
    let path = '';
    if (siteURL) {
        try {
            path = new URL(siteURL, window.location.origin).pathname;
        } catch {
            path = '';
        }
    } else if (typeof window !== 'undefined') {
        path = (window as Window & {basename?: string}).basename ?? '';
    }
    return path.replace(/\/+$/, '');
}

export function getPluginApiBase(): string {
    return `${getSitePath()}/plugins/${PLUGIN_ID}/api/v1`;
}

export function getMattermostApiBase(): string {
    return `${getSitePath()}/api/v4`;
}

function readCookie(name: string): string {
    if (typeof document === 'undefined') {
        return '';
    }
    const prefix = `${name}=`;
    for (const part of document.cookie.split(';')) {
        const trimmed = part.trim();
        if (trimmed.startsWith(prefix)) {
            return decodeURIComponent(trimmed.slice(prefix.length));
        }
    }
    return '';
}

/**
 * Mirrors Client4.getOptions: Mattermost rejects cookie-authenticated writes
 * without the CSRF token, and uses X-Requested-With to tell XHR from navigation.
 */
export function buildRequestInit(init: RequestInit = {}): RequestInit {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {
        'X-Requested-With': 'XMLHttpRequest',
        ...(init.headers as Record<string, string> | undefined),
    };
    if (method !== 'GET') {
        const csrf = readCookie('MMCSRF');
        if (csrf) {
            headers['X-CSRF-Token'] = csrf;
        }
    }
    if (init.body !== undefined && !headers['Content-Type']) {
        headers['Content-Type'] = 'application/json';
    }
    return {...init, method, headers, credentials: 'same-origin'};
}

function parseJSON(text: string): unknown {
    if (!text) {
        return undefined;
    }
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

/** Performs a request and decodes the JSON answer, throwing ClientError on failure. */
export async function doFetch<T>(url: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
        response = await fetch(url, buildRequestInit(init));
    } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ClientError(url, {message: 'Could not reach the server.', detailed_error: reason}, 0);
    }

    const text = await response.text();
    const body = parseJSON(text);

    if (!response.ok) {
        const errBody = (body && typeof body === 'object' ? body : {}) as ServerErrorBody;
        const message = errBody.message || `Request failed with status ${response.status}.`;
        throw new ClientError(url, {...errBody, message}, response.status);
    }

    return body as T;
}

function query(params: Record<string, string | number | undefined>): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
        if (value !== undefined && value !== '') {
            search.set(key, String(value));
        }
    }
    const str = search.toString();
    return str ? `?${str}` : '';
}

function jsonBody(value: unknown): RequestInit {
    return {body: JSON.stringify(value)};
}

const enc = encodeURIComponent;

// --- Hookbridge API -------------------------------------------------------

export function getMe(): Promise<Me> {
    return doFetch<Me>(`${getPluginApiBase()}/me`);
}

export function listIncomingHooks(teamId: string, page = 0, perPage = 100): Promise<IncomingHook[]> {
    return doFetch<IncomingHook[]>(`${getPluginApiBase()}/hooks/incoming${query({team_id: teamId, page, per_page: perPage})}`);
}

export function getIncomingHook(id: string): Promise<IncomingHook> {
    return doFetch<IncomingHook>(`${getPluginApiBase()}/hooks/incoming/${enc(id)}`);
}

export function createIncomingHook(hook: IncomingHookInput): Promise<IncomingHook> {
    return doFetch<IncomingHook>(`${getPluginApiBase()}/hooks/incoming`, {method: 'POST', ...jsonBody(hook)});
}

export function updateIncomingHook(id: string, hook: IncomingHookInput): Promise<IncomingHook> {
    return doFetch<IncomingHook>(`${getPluginApiBase()}/hooks/incoming/${enc(id)}`, {method: 'PUT', ...jsonBody({...hook, id})});
}

export async function deleteIncomingHook(id: string): Promise<void> {
    await doFetch<unknown>(`${getPluginApiBase()}/hooks/incoming/${enc(id)}`, {method: 'DELETE'});
}

export function regenIncomingSecret(id: string): Promise<IncomingHook> {
    return doFetch<IncomingHook>(`${getPluginApiBase()}/hooks/incoming/${enc(id)}/regen_secret`, {method: 'POST'});
}

export function listOutgoingHooks(teamId: string, channelId = '', page = 0, perPage = 100): Promise<OutgoingHook[]> {
    return doFetch<OutgoingHook[]>(`${getPluginApiBase()}/hooks/outgoing${query({team_id: teamId, channel_id: channelId, page, per_page: perPage})}`);
}

export function getOutgoingHook(id: string): Promise<OutgoingHook> {
    return doFetch<OutgoingHook>(`${getPluginApiBase()}/hooks/outgoing/${enc(id)}`);
}

export function createOutgoingHook(hook: OutgoingHookInput): Promise<OutgoingHook> {
    return doFetch<OutgoingHook>(`${getPluginApiBase()}/hooks/outgoing`, {method: 'POST', ...jsonBody(hook)});
}

export function updateOutgoingHook(id: string, hook: OutgoingHookInput): Promise<OutgoingHook> {
    return doFetch<OutgoingHook>(`${getPluginApiBase()}/hooks/outgoing/${enc(id)}`, {method: 'PUT', ...jsonBody({...hook, id})});
}

export async function deleteOutgoingHook(id: string): Promise<void> {
    await doFetch<unknown>(`${getPluginApiBase()}/hooks/outgoing/${enc(id)}`, {method: 'DELETE'});
}

export function regenOutgoingToken(id: string): Promise<OutgoingHook> {
    return doFetch<OutgoingHook>(`${getPluginApiBase()}/hooks/outgoing/${enc(id)}/regen_token`, {method: 'POST'});
}

export function regenOutgoingSecret(id: string): Promise<OutgoingHook> {
    return doFetch<OutgoingHook>(`${getPluginApiBase()}/hooks/outgoing/${enc(id)}/regen_secret`, {method: 'POST'});
}

export function testOutgoingHook(id: string): Promise<{delivery_id: string}> {
    return doFetch<{delivery_id: string}>(`${getPluginApiBase()}/hooks/outgoing/${enc(id)}/test`, {method: 'POST'});
}

export function listDeliveries(hookId: string, page = 0, perPage = 50): Promise<Delivery[]> {
    return doFetch<Delivery[]>(`${getPluginApiBase()}/hooks/outgoing/${enc(hookId)}/deliveries${query({page, per_page: perPage})}`);
}

/** Live updates of a hook's deliveries come while its log is watched; a watch lasts watch_seconds unless renewed. */
export function watchDeliveries(hookId: string): Promise<{watch_seconds: number}> {
    return doFetch<{watch_seconds: number}>(`${getPluginApiBase()}/hooks/outgoing/${enc(hookId)}/deliveries/watch`, {method: 'POST'});
}

export function unwatchDeliveries(hookId: string): Promise<unknown> {
    return doFetch<unknown>(`${getPluginApiBase()}/hooks/outgoing/${enc(hookId)}/deliveries/watch`, {method: 'DELETE'});
}

export function getDelivery(deliveryId: string): Promise<Delivery> {
    return doFetch<Delivery>(`${getPluginApiBase()}/deliveries/${enc(deliveryId)}`);
}

export function replayDelivery(deliveryId: string): Promise<{delivery_id: string}> {
    return doFetch<{delivery_id: string}>(`${getPluginApiBase()}/deliveries/${enc(deliveryId)}/replay`, {method: 'POST'});
}

export function getHookStats(hookId: string): Promise<HookStats> {
    return doFetch<HookStats>(`${getPluginApiBase()}/hooks/outgoing/${enc(hookId)}/stats`);
}

// --- Mattermost API -------------------------------------------------------

/** Clicks an interactive button or menu of a post, like Client4.doPostActionWithCookie. */
export async function doPostAction(postId: string, actionId: string, selectedOption?: string, cookie?: string): Promise<PostActionResult> {
    const body: Record<string, string> = {};
    if (selectedOption !== undefined) {
        body.selected_option = selectedOption;
    }
    if (cookie) {
        body.cookie = cookie;
    }
    const result = await doFetch<PostActionResult | undefined>(
        `${getMattermostApiBase()}/posts/${enc(postId)}/actions/${enc(actionId)}`,
        {method: 'POST', ...jsonBody(body)},
    );
    return result ?? {};
}

export async function submitDialog(request: SubmitDialogRequest): Promise<SubmitDialogResponse> {
    const result = await doFetch<SubmitDialogResponse | undefined>(
        `${getMattermostApiBase()}/actions/dialogs/submit`,
        {method: 'POST', ...jsonBody(request)},
    );
    return result ?? {};
}

function isSameOriginPluginPath(url: string): boolean {
    return url.startsWith('/plugins/') || url.startsWith('plugins/');
}

/**
 * Fetches options of a dynamic dialog select. Plugin paths are called
 * directly (same origin, so the session applies); any other URL goes through
 * Mattermost's lookup proxy because the browser cannot call it cross-origin.
 */
export async function lookupDialogOptions(
    dataSourceURL: string,
    request: Omit<SubmitDialogRequest, 'url' | 'cancelled'>,
): Promise<DialogLookupItem[]> {
    let target: string;
    let body: Record<string, unknown>;
    if (isSameOriginPluginPath(dataSourceURL)) {
        target = `${getSitePath()}/${dataSourceURL.replace(/^\/+/, '')}`;
        body = {...request, type: 'dialog_lookup'};
    } else {
        target = `${getMattermostApiBase()}/actions/dialogs/lookup`;
        body = {...request, url: dataSourceURL, type: 'dialog_lookup'};
    }
    const result = await doFetch<{items?: DialogLookupItem[]} | undefined>(target, {method: 'POST', ...jsonBody(body)});
    return Array.isArray(result?.items) ? result.items.filter((i) => i && typeof i.value === 'string') : [];
}
