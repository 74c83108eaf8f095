import type {Channel} from '@mattermost/types/channels';
import type {Team} from '@mattermost/types/teams';
import type {UserProfile} from '@mattermost/types/users';

import {PLUGIN_ID} from './manifest';
import type {Delivery, HostState, IncomingHook, Me, OutgoingHook, PluginState, StatsBucket} from './types';

const pluginKey = `plugins-${PLUGIN_ID}` as 'plugins-hookbridge';

export const initialPluginState: PluginState = {
    me: null,
    meLoaded: false,
    incomingHooks: {},
    outgoingHooks: {},
    deliveries: {},
    deliveryDetails: {},
    stats: {},
    manager: {open: false, channelId: null},
    dialog: null,
};

// Shared empty values keep selector results referentially stable, which
// react-redux's useSelector relies on to skip re-renders.
const EMPTY_OBJECT = Object.freeze({}) as Record<string, never>;
const EMPTY_LIST: never[] = [];

export function getPluginState(state: HostState): PluginState {
    return state[pluginKey] ?? initialPluginState;
}

// --- Host store ---------------------------------------------------------

export function getSiteURL(state: HostState): string {
    return state.entities?.general?.config?.SiteURL ?? '';
}

export function getTeams(state: HostState): Record<string, Team> {
    return state.entities?.teams?.teams ?? EMPTY_OBJECT;
}

export function getCurrentTeamId(state: HostState): string {
    return state.entities?.teams?.currentTeamId ?? '';
}

export function getChannels(state: HostState): Record<string, Channel> {
    return state.entities?.channels?.channels ?? EMPTY_OBJECT;
}

export function getCurrentChannelId(state: HostState): string {
    return state.entities?.channels?.currentChannelId ?? '';
}

export function getUsers(state: HostState): Record<string, UserProfile> {
    return state.entities?.users?.profiles ?? EMPTY_OBJECT;
}

export function getCurrentUserId(state: HostState): string {
    return state.entities?.users?.currentUserId ?? '';
}

/**
 * Single-entry memoisation over input selectors; enough here because every
 * parameterised selector is created per component instance.
 */
export function createSelector<S, I extends unknown[], R>(
    inputs: {[K in keyof I]: (state: S) => I[K]},
    combine: (...args: I) => R,
): (state: S) => R {
    let lastArgs: I | null = null;
    let lastResult: R;
    return (state: S) => {
        const args = inputs.map((input) => input(state)) as I;
        if (lastArgs && args.length === lastArgs.length && args.every((arg, i) => arg === (lastArgs as I)[i])) {
            return lastResult;
        }
        lastArgs = args;
        lastResult = combine(...args);
        return lastResult;
    };
}

function byDisplayName(a: {display_name: string}, b: {display_name: string}): number {
    return (a.display_name || '').localeCompare(b.display_name || '', undefined, {sensitivity: 'base'});
}

export const getSortedTeams = createSelector<HostState, [Record<string, Team>], Team[]>(
    [getTeams],
    (teams) => Object.values(teams).filter((t) => t && !t.delete_at).sort(byDisplayName),
);

/** Public and private channels of a team, the only ones a hook can be bound to. */
export function makeGetTeamChannels(): (state: HostState, teamId: string) => Channel[] {
    const select = createSelector<{s: HostState; t: string}, [Record<string, Channel>, string], Channel[]>(
        [(x) => getChannels(x.s), (x) => x.t],
        (channels, teamId) => Object.values(channels).
            filter((c) => c && c.team_id === teamId && (c.type === 'O' || c.type === 'P') && !c.delete_at).
            sort(byDisplayName),
    );
    return (state, teamId) => select({s: state, t: teamId});
}

function displayNameOfUser(user: UserProfile): string {
    const full = [user.first_name, user.last_name].filter(Boolean).join(' ');
    return full ? `@${user.username} (${full})` : `@${user.username}`;
}

export type UserOption = {id: string; label: string; username: string};

export const getSortedUserOptions = createSelector<HostState, [Record<string, UserProfile>], UserOption[]>(
    [getUsers],
    (profiles) => Object.values(profiles).
        filter((u) => u && !u.delete_at && u.username).
        map((u) => ({id: u.id, username: u.username, label: displayNameOfUser(u)})).
        sort((a, b) => a.username.localeCompare(b.username)),
);

// --- Plugin state -----------------------------------------------------------

export function getMe(state: HostState): Me | null {
    return getPluginState(state).me;
}

export function isMeLoaded(state: HostState): boolean {
    return getPluginState(state).meLoaded;
}

export function canManageIncoming(state: HostState): boolean {
    return Boolean(getMe(state)?.can_manage_incoming);
}

export function canManageOutgoing(state: HostState): boolean {
    return Boolean(getMe(state)?.can_manage_outgoing);
}

/** Whether any entry point should be shown at all. */
export function canManageAnything(state: HostState): boolean {
    return canManageIncoming(state) || canManageOutgoing(state);
}

export function getIncomingHooksMap(state: HostState): Record<string, IncomingHook> {
    return getPluginState(state).incomingHooks;
}

export function getOutgoingHooksMap(state: HostState): Record<string, OutgoingHook> {
    return getPluginState(state).outgoingHooks;
}

export function getIncomingHook(state: HostState, id: string): IncomingHook | undefined {
    return getIncomingHooksMap(state)[id];
}

export function getOutgoingHook(state: HostState, id: string): OutgoingHook | undefined {
    return getOutgoingHooksMap(state)[id];
}

function makeTeamHooksSelector<T extends {team_id: string; display_name: string; delete_at: number}>(
    getMap: (state: HostState) => Record<string, T>,
): () => (state: HostState, teamId: string) => T[] {
    return () => {
        const select = createSelector<{s: HostState; t: string}, [Record<string, T>, string], T[]>(
            [(x) => getMap(x.s), (x) => x.t],
            (hooks, teamId) => Object.values(hooks).filter((h) => h.team_id === teamId && !h.delete_at).sort(byDisplayName),
        );
        return (state, teamId) => select({s: state, t: teamId});
    };
}

export const makeGetIncomingHooksForTeam = makeTeamHooksSelector(getIncomingHooksMap);
export const makeGetOutgoingHooksForTeam = makeTeamHooksSelector(getOutgoingHooksMap);

export function getDeliveries(state: HostState, hookId: string): Delivery[] | undefined {
    return getPluginState(state).deliveries[hookId];
}

export function getDeliveryDetail(state: HostState, deliveryId: string): Delivery | undefined {
    return getPluginState(state).deliveryDetails[deliveryId];
}

export function getStats(state: HostState, hookId: string): StatsBucket[] {
    return getPluginState(state).stats[hookId] ?? EMPTY_LIST;
}

export function getManagerState(state: HostState): PluginState['manager'] {
    return getPluginState(state).manager;
}

export function getOpenDialog(state: HostState): PluginState['dialog'] {
    return getPluginState(state).dialog;
}
