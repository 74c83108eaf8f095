import React from 'react';
import {render} from '@testing-library/react';
import type {RenderOptions, RenderResult} from '@testing-library/react';
import {Provider} from 'react-redux';
import {applyMiddleware, combineReducers, legacy_createStore as createStore} from 'redux';
import type {Middleware, Reducer, Store} from 'redux';

import type {Channel} from '@mattermost/types/channels';
import type {Team} from '@mattermost/types/teams';
import type {UserProfile} from '@mattermost/types/users';

import {incomingToInput, outgoingToInput} from '../actions';
import reducer from '../reducer';
import {initialPluginState} from '../selectors';
import type {Delivery, HostState, IncomingHook, IncomingHookInput, Me, OutgoingHook, OutgoingHookInput, PluginState} from '../types';

/** The host store runs thunks; this is the same contract in a few lines. */
const thunk: Middleware = ({dispatch, getState}) => (next) => (action) => {
    if (typeof action === 'function') {
        return action(dispatch, getState);
    }
    return next(action);
};

type DeepPartialState = {
    entities?: HostState['entities'];
    'plugins-hookbridge'?: Partial<PluginState>;
};

export const TEAM_ID = 'team1';
export const CHANNEL_ID = 'chan1';
export const USER_ID = 'user1';

export function makeTeam(overrides: Partial<Team> = {}): Team {
    return {id: TEAM_ID, name: 'team-one', display_name: 'Team One', delete_at: 0, ...overrides} as Team;
}

export function makeChannel(overrides: Partial<Channel> = {}): Channel {
    return {id: CHANNEL_ID, team_id: TEAM_ID, name: 'town-square', display_name: 'Town Square', type: 'O', delete_at: 0, ...overrides} as Channel;
}

export function makeUser(overrides: Partial<UserProfile> = {}): UserProfile {
    return {id: USER_ID, username: 'alice', first_name: 'Alice', last_name: 'Liddell', delete_at: 0, ...overrides} as UserProfile;
}

export const adminMe: Me = {user_id: USER_ID, is_admin: true, can_manage_incoming: true, can_manage_outgoing: true, can_manage_others: true};

export function makeIncomingHook(overrides: Partial<IncomingHook> = {}): IncomingHook {
    return {
        id: 'in1',
        create_at: 1,
        update_at: 1,
        delete_at: 0,
        user_id: USER_ID,
        channel_id: CHANNEL_ID,
        team_id: TEAM_ID,
        display_name: 'Build bot',
        description: 'CI notifications',
        username: '',
        icon_url: '',
        channel_locked: true,
        enabled: true,
        url: 'http://localhost:8065/plugins/hookbridge/hooks/in1',
        signature: {mode: 'none'},
        allowed_ips: [],
        rate_limit: {per_minute: 0},
        ...overrides,
    };
}

export function makeOutgoingHook(overrides: Partial<OutgoingHook> = {}): OutgoingHook {
    return {
        id: 'out1',
        token: 'tok123',
        create_at: 1,
        update_at: 1,
        delete_at: 0,
        creator_id: USER_ID,
        channel_id: '',
        team_id: TEAM_ID,
        trigger_words: ['deploy'],
        trigger_when: 0,
        callback_urls: ['https://example.com/hook'],
        display_name: 'Deployer',
        description: '',
        content_type: 'application/json',
        username: '',
        icon_url: '',
        enabled: true,
        match: {mode: 'first_word', case_insensitive: false},
        events: ['posted'],
        channel_types: ['O'],
        headers: {},
        signing_secret: 'sec456',
        max_attempts: 3,
        ...overrides,
    };
}

/** A create request for makeIncomingHook(): its writable fields, without the id. */
export function makeIncomingInput(overrides: Partial<IncomingHookInput> = {}): IncomingHookInput {
    const {id: _id, ...input} = incomingToInput(makeIncomingHook());
    return {...input, ...overrides};
}

/** A create request for makeOutgoingHook(): its writable fields, without the id. */
export function makeOutgoingInput(overrides: Partial<OutgoingHookInput> = {}): OutgoingHookInput {
    const {id: _id, ...input} = outgoingToInput(makeOutgoingHook());
    return {...input, ...overrides};
}

export function makeDelivery(overrides: Partial<Delivery> = {}): Delivery {
    return {
        id: 'd1',
        hook_id: 'out1',
        post_id: 'p1',
        event: 'posted',
        attempt: 1,
        status: 'succeeded',
        created_at: 1_700_000_000_000,
        completed_at: 1_700_000_000_120,
        latency_ms: 120,
        response_status: 200,
        ...overrides,
    };
}

/** A host state with one team, one channel, one user and the plugin slice. */
export function defaultHostState(): HostState {
    return {
        entities: {
            general: {config: {SiteURL: 'http://localhost:8065'}},
            teams: {teams: {[TEAM_ID]: makeTeam()}, currentTeamId: TEAM_ID},
            channels: {
                channels: {
                    [CHANNEL_ID]: makeChannel(),
                    chan2: makeChannel({id: 'chan2', name: 'dev', display_name: 'Developers', type: 'P'}),
                },
                currentChannelId: CHANNEL_ID,
            },
            users: {
                profiles: {
                    [USER_ID]: makeUser(),
                    user2: makeUser({id: 'user2', username: 'bob', first_name: 'Bob', last_name: ''}),
                },
                currentUserId: USER_ID,
            },
        },
        'plugins-hookbridge': {...initialPluginState, me: adminMe, meLoaded: true},
    };
}

export function makeStore(initialState: DeepPartialState = {}): Store<HostState> {
    const base = defaultHostState();
    const preloaded: HostState = {
        entities: {...base.entities, ...initialState.entities},
        'plugins-hookbridge': {...base['plugins-hookbridge'] as PluginState, ...initialState['plugins-hookbridge']},
    };
    const entities: Reducer<HostState['entities']> = (state = preloaded.entities) => state;
    const root = combineReducers({
        entities,
        'plugins-hookbridge': reducer,
    }) as unknown as Reducer<HostState>;
    return createStore(root, preloaded as never, applyMiddleware(thunk)) as unknown as Store<HostState>;
}

/** Renders inside a react-redux Provider over a real store with the plugin reducer. */
export function renderWithRedux(
    ui: React.ReactElement,
    {initialState, store = makeStore(initialState), ...options}: {initialState?: DeepPartialState; store?: Store<HostState>} & Omit<RenderOptions, 'wrapper'> = {},
): RenderResult & {store: Store<HostState>} {
    const Wrapper = ({children}: {children: React.ReactNode}) => <Provider store={store}>{children}</Provider>;
    return {...render(ui, {wrapper: Wrapper, ...options}), store};
}

export type MockResponseInit = {status?: number; body?: unknown};

/** Minimal fetch Response: jsdom has no fetch, and the client only reads these members. */
export function mockResponse({status = 200, body}: MockResponseInit = {}): Response {
    const text = body === undefined ? '' : (typeof body === 'string' ? body : JSON.stringify(body));
    return {
        ok: status >= 200 && status < 300,
        status,
        headers: {get: () => 'application/json'},
        text: () => Promise.resolve(text),
        json: () => Promise.resolve(body),
    } as unknown as Response;
}

export type FetchCall = {url: string; method: string; headers: Record<string, string>; body: unknown; credentials?: string};

/**
 * Installs a fetch mock answering by `METHOD path` (path without query),
 * recording every call for assertions.
 */
export function mockFetch(routes: Record<string, MockResponseInit | ((call: FetchCall) => MockResponseInit)>): {calls: FetchCall[]; fn: jest.Mock} {
    const calls: FetchCall[] = [];
    const fn = jest.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
        const url = String(input);
        const method = (init.method ?? 'GET').toUpperCase();
        const call: FetchCall = {
            url,
            method,
            headers: (init.headers ?? {}) as Record<string, string>,
            body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
            credentials: init.credentials,
        };
        calls.push(call);
        const path = url.split('?')[0];
        const route = routes[`${method} ${path}`];
        if (!route) {
            return mockResponse({status: 404, body: {message: `No mock for ${method} ${path}`, status_code: 404}});
        }
        return mockResponse(typeof route === 'function' ? route(call) : route);
    });
    (globalThis as unknown as {fetch: typeof fetch}).fetch = fn as unknown as typeof fetch;
    return {calls, fn};
}

export const API = '/plugins/hookbridge/api/v1';
